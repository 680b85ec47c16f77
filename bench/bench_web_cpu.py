"""Benchmark: server CPU and queries per request of bench_web.py's three pages, in-process.

bench_web.py measures latency through gunicorn with its clients on the same cores, where a busy
machine moves every figure; this measures what one request costs the server itself: Django's test
client, logged in as a county poverty office through the real login form, asks for the county
dashboard, a page of the county's registry list, a household page and `/healthz` (the floor
every page pays: middleware, session and user), `--requests` times each, and reports CPU
milliseconds (`time.process_time`) and SQL queries per request. Issue #18's target
(p95 ≤ 200 ms at 50 clients on 2 cores) needs about 250 requests/s, i.e. well under 8 ms of CPU.

Runs against the database of the environment (DATABASE_URL; the default SQLite file): load a
preset first (`fupin synth --preset demo`). On a shared machine, give it a database of its own:

    export FUPIN_DATA_DIR=/tmp/webcpu DATABASE_URL=sqlite:////tmp/webcpu/bench.sqlite3
    uv run fupin setup && uv run fupin synth --preset demo
    uv run python bench/bench_web_cpu.py [--requests 200] [--county CODE] [--json FILE]
        [--sql] [--profile PREFIX]

`--profile PREFIX` writes a cProfile of each page's timed requests to PREFIX.<page>.prof (read it
with `python -m pstats`); the CPU figures of such a run include the profiler's own cost.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

USERNAME = "bench_county_officer"
PASSWORD = "bench-web-2019"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--county", help="county code (default: the first household's county)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--sql", action="store_true", help="print each page's queries")
    parser.add_argument("--profile", help="write a cProfile of each page to PROFILE.<page>.prof")
    args = parser.parse_args()

    from fupin.cli import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fupin.accounts.models import Role
    from fupin.accounts.services import membership_grant
    from fupin.registry.models import Household

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    county = args.county
    if county is None:
        first = Household.objects.order_by("pk").values_list("village__code", flat=True).first()
        if first is None:
            raise SystemExit("no households: load a preset first (fupin synth --preset demo)")
        county = first[:6] + "000000"
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.set_password(PASSWORD)
    user.save()
    if not user.memberships.exists():
        membership_grant(user=user, role=Role.COUNTY_OFFICE, region=county)

    client = Client()
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/", {"username": USERNAME, "password": PASSWORD, "next": "/"}
    )
    if response.status_code != 302:
        raise SystemExit(f"login failed: HTTP {response.status_code}")
    body = client.get(f"/regions/{county}/households/").content
    match = re.search(rb'href="/households/(\d+)/"', body)
    pages = {
        "county_dashboard": f"/regions/{county}/",
        "registry_list": f"/regions/{county}/households/?status=poor&page=3",
    }
    if match:
        pages["household"] = f"/households/{match.group(1).decode()}/"
    pages["healthz"] = "/healthz"  # the floor: what every page pays before its own work

    load_before = round(os.getloadavg()[0], 2)
    result: dict[str, object] = {
        "benchmark": "web_cpu",
        "database": connection.vendor,
        "county": county,
        "county_households": Household.objects.filter(village__code__startswith=county[:6]).count(),
        "requests_per_page": args.requests,
        "load_1min_before": load_before,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "pages": {},
    }
    for name, path in pages.items():
        for _ in range(3):  # warm caches and connections, as a running server has them
            client.get(path)
        cpu: list[float] = []
        profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.requests):
            t0 = time.process_time()
            if profiler is not None:
                profiler.enable()
            response = client.get(path)
            if profiler is not None:
                profiler.disable()
            cpu.append(time.process_time() - t0)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
        if profiler is not None:
            profiler.dump_stats(f"{args.profile}.{name}.prof")
        # Counted apart: recording queries costs CPU of its own.
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries = [q["sql"] for q in captured.captured_queries]
        if args.sql:
            print(f"--- {name}: {len(queries)} queries", file=sys.stderr)
            for sql in queries:
                print(f"  {sql[:300]}", file=sys.stderr)
        result["pages"][name] = {  # type: ignore[index]
            "path": path,
            "cpu_ms_mean": round(1000 * statistics.fmean(cpu), 2),
            "cpu_ms_median": round(1000 * statistics.median(cpu), 2),
            "queries": len(queries),
            "bytes": len(response.content),
        }
    every = [  # the three pages, not the floor
        p["cpu_ms_mean"]  # type: ignore[index]
        for name, p in result["pages"].items()  # type: ignore[union-attr]
        if name != "healthz"
    ]
    result["cpu_ms_mean_all_pages"] = round(statistics.fmean(every), 2)
    result["load_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
