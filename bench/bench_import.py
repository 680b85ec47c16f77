"""Benchmark: export a synthetic county to the national layout and import it into an empty database.

Builds one synthetic county of about `--households` households in a scratch SQLite database,
exports it (`fupin export --full-ids`, CSV and XLSX), copies the region tree to a second database,
then times `fupin import` of the CSV export into it, and a second import of the same files
(nothing to change).

    uv run python bench/bench_import.py [--households 12000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def fupin(env: dict[str, str], *args: str, ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "fupin.cli", *args], env=env, capture_output=True, text=True
    )
    if result.returncode not in ok:
        sys.exit(f"fupin {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=12_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fupin-bench-import-"))
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
    fupin(source, "export", str(work / "csv"), "--format", "csv", "--full-ids")
    xlsx_export = fupin(
        source, "export", str(work / "registry.xlsx"), "--format", "xlsx", "--full-ids"
    )
    with open(work / "csv" / "家庭成员.csv", encoding="utf-8-sig") as members:
        persons = sum(1 for _ in members) - 1
    # The import needs the villages to exist (unknown codes are refused): copy the region tree.
    regions = work / "regions.json"
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "dumpdata", "regions", "-o", str(regions)], env=source, check=True)
    subprocess.run([*django, "migrate", "-v", "0"], env=target, check=True)
    subprocess.run([*django, "loaddata", str(regions), "-v", "0"], env=target, check=True)
    # The synthetic registry carries planted recording errors (per-capita income that disagrees
    # with the total, members listed twice): the import refuses those households, so keep the rest.
    csv_import = fupin(
        target, "import", str(work / "csv"), "--actor", "bench", "--keep-good", ok=(0, 1)
    )
    csv_again = fupin(
        target, "import", str(work / "csv"), "--actor", "bench", "--keep-good", ok=(0, 1)
    )
    result = {
        "benchmark": "import",
        "persons": persons,
        "csv_import_seconds": round(csv_import, 1),
        "csv_reimport_unchanged_seconds": round(csv_again, 1),
        "xlsx_export_seconds": round(xlsx_export, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
