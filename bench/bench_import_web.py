"""Benchmark: import a synthetic county through the web path (upload → dry run → confirm → poll).

Builds one synthetic county of about `--households` households in a scratch SQLite database,
exports it (`fupin export --full-ids`, XLSX), copies the region tree to a second database, then,
as that county's poverty office, drives the upload pages with Django's test client: POST the file
to /imports/ (stored and checked in a dry run), POST 确认导入 with "keep the good households"
(the synthetic registry plants recording errors), and poll /api/registry/imports/{id}/ until the
background import is done. Prints the seconds of each step (wall clock, and CPU of the web process) and rows per second.

    uv run python bench/bench_import_web.py [--households 12000] [--json FILE]

Run the full size alone on the machine; `--households 300` checks that it works.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Runs in the target database's environment: the web path, timed.
WEB = r"""
import json, sys, time
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Upload

path = sys.argv[1]
county = Region.objects.filter(level=Level.VILLAGE).order_by("code").first().parent.parent
user = get_user_model().objects.create_user("bench_office", password="Bench-Pass-2020")
membership_grant(user=user, role=Role.COUNTY_OFFICE, region=county)
client = Client()
client.force_login(user)
data = open(path, "rb").read()
t0, c0 = time.perf_counter(), time.process_time()
r = client.post("/imports/", {"kind": "registry", "file": SimpleUploadedFile("registry.xlsx", data)})
assert r.status_code == 302, r.status_code
upload = Upload.objects.get()
t1, c1 = time.perf_counter(), time.process_time()
r = client.post(f"/imports/{upload.pk}/confirm/", {"keep_good": "on"})
assert r.status_code == 302, r.status_code
while True:
    state = client.get(f"/api/registry/imports/{upload.pk}/").json()
    if not state["progress"].get("running"):
        break
    time.sleep(0.2)
t2, c2 = time.perf_counter(), time.process_time()
assert state["status"] == "done", state["status"]
print(json.dumps({
    "dry_run_seconds": t1 - t0,
    "confirm_seconds": t2 - t1,
    "dry_run_cpu_seconds": c1 - c0,
    "confirm_cpu_seconds": c2 - c1,
    "rows": state["report"]["rows_read"],
    "households_written": state["result"]["households_new"],
    "households_skipped": state["result"]["households_skipped"],
    "households_in_db": Household.objects.count(),
}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=12_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fupin-bench-import-web-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "fupin.settings"
    source = dict(
        os.environ, FUPIN_DATA_DIR=str(work / "a"), DATABASE_URL=f"sqlite:///{work / 'a.sqlite3'}"
    )
    target = dict(
        os.environ, FUPIN_DATA_DIR=str(work / "b"), DATABASE_URL=f"sqlite:///{work / 'b.sqlite3'}"
    )
    registered = args.households * 2 // 5
    build = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'fupin.settings'); django.setup()\n"
        "from fupin.cli.registry import run_setup; run_setup()\n"
        "from fupin import synth\nfrom fupin.demo.loading import registry_load_synth\n"
        f"c = synth.preset('demo', poor_villages=30, nonpoor_villages=20, registered_households={registered},"
        f" registered_persons={registered * 41 // 10}, nonregistered_households={args.households - registered})\n"
        "registry_load_synth(batches=synth.generate(c))\n"
    )
    subprocess.run([sys.executable, "-c", build], env=source, check=True, capture_output=True)
    xlsx = work / "registry.xlsx"
    subprocess.run(
        [sys.executable, "-m", "fupin.cli", "export", str(xlsx), "--format", "xlsx", "--full-ids"],
        env=source,
        check=True,
        capture_output=True,
    )
    regions = work / "regions.json"
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "dumpdata", "regions", "-o", str(regions)], env=source, check=True)
    subprocess.run([*django, "migrate", "-v", "0"], env=target, check=True)
    subprocess.run([*django, "loaddata", str(regions), "-v", "0"], env=target, check=True)
    run = subprocess.run(
        [sys.executable, "-c", WEB, str(xlsx)], env=target, capture_output=True, text=True
    )
    if run.returncode:
        sys.exit(f"the web import failed:\n{run.stderr[-3000:]}")
    web = json.loads(run.stdout.strip().splitlines()[-1])
    total = web["dry_run_seconds"] + web["confirm_seconds"]
    result = {
        "benchmark": "import_web",
        "households": args.households,
        "rows": web["rows"],
        "households_written": web["households_written"],
        "households_skipped": web["households_skipped"],
        "dry_run_seconds": round(web["dry_run_seconds"], 1),
        "confirm_seconds": round(web["confirm_seconds"], 1),
        "total_seconds": round(total, 1),
        # CPU of the web process, every thread (the background import too): the figure that a
        # shared machine's load does not inflate.
        "dry_run_cpu_seconds": round(web["dry_run_cpu_seconds"], 1),
        "confirm_cpu_seconds": round(web["confirm_cpu_seconds"], 1),
        "rows_per_second": round(web["rows"] / total) if total else None,
        "file_mib": round(xlsx.stat().st_size / 1024 / 1024, 1),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
