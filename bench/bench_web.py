"""Benchmark: 20 concurrent clients against a county dashboard and the registry list (issue #5's target).

On the Gansu preset in PostgreSQL: loads the synthetic province (unless the database already holds
it), makes a county poverty-office user, starts `fupin serve` (gunicorn) on loopback, logs every
client in through the real login form, and lets each client request the county dashboard and a
page of the county's registry list in turn for the given time. Reports p50/p95/p99 latency and
throughput per page. Target: p95 under 300 ms (issue #18: 200 ms at 50 clients).

By default each client asks again the moment an answer arrives (no think time): a closed loop
that measures the server's capacity, where latency = clients / throughput. `--think S` makes each
client pause between pages as a person reading them would (exponentially distributed, mean S
seconds, seeded per client), which measures the latency people see at that many users.

`fupin serve` chooses its worker model itself (gthread, one process per core, 4 threads each:
FUPIN_WEB_WORKERS / FUPIN_WEB_THREADS); --workers and --threads override it for comparisons, e.g.
`--workers 2 --threads 1` is the old two sync workers. `--preset demo` is a quick check on one
small county (600 registered households), not the target measurement. What one request costs
the server, without the clients on the same cores: bench/bench_web_cpu.py (CPU ms and queries per
page, in-process).

`--floor` asks only `/healthz`, logged in: what every page pays before its own work (gunicorn,
Django's middleware, the session and the user), the best any page could do on this machine.

    uv run python bench/bench_web.py [--clients 20] [--seconds 60] [--think 0] [--preset demo]
        [--floor] [--json FILE]

Without a PostgreSQL DATABASE_URL it runs itself under scripts/with-postgres.sh (a throwaway server).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "621126000000"  # 岷县, one of Gansu's poor counties in the preset
USERNAME = "bench_county_officer"
PASSWORD = "bench-web-2019"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(env: dict[str, str], preset: str) -> dict[str, Any]:
    """Load the preset when missing and make the county officer; returns what the county holds."""
    code = f"""
import json
from fupin.cli import setup_django
setup_django()
from django.contrib.auth import get_user_model
from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.registry.models import Household
county = {COUNTY!r}
first = Household.objects.order_by("pk").values_list("village__code", flat=True).first()
if {preset!r} != "gansu" and first:
    county = first[:6] + "000000"
user, _ = get_user_model().objects.get_or_create(username={USERNAME!r})
user.set_password({PASSWORD!r}); user.save()
if first and not user.memberships.exists():
    membership_grant(user=user, role=Role.COUNTY_OFFICE, region=county)
print(json.dumps(dict(
    county=county,
    households=Household.objects.filter(village__code__startswith=county[:6]).count(),
    province_households=Household.objects.count())))
"""
    subprocess.run(
        [sys.executable, "-m", "fupin.cli", "setup"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    counts = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        ).stdout
    )
    if counts["province_households"] == 0:
        print(f"loading the {preset} preset into PostgreSQL…", flush=True)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "fupin.cli", "synth", "--preset", preset],
            env=dict(env, FUPIN_PROGRESS="1"),
            check=True,
        )
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
        counts = json.loads(
            subprocess.run(
                [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
            ).stdout
        )
    return counts


class Client:
    """One logged-in browser-like client with its own keep-alive connection and cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.conn.port}{path}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection (gthread workers do after a
                # few seconds, e.g. while the clients wait at the start line): reconnect, as a
                # browser does.
                self.conn.close()
                if attempt == 2:
                    raise
        for header in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return r.status, data

    def log_in(self) -> None:
        self.request("GET", "/accounts/login/")
        form = urllib.parse.urlencode(
            {
                "username": USERNAME,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
                "next": "/",
            }
        )
        status, _ = self.request("POST", "/accounts/login/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed: HTTP {status}")


def _load(
    port: int, clients: int, seconds: float, pages: dict[str, str], think: float = 0.0
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in pages}
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def work(i: int) -> None:
        try:
            run(i)
        except Exception as e:  # a failed client must not leave the others at the start line
            with lock:
                errors.append(f"client {i}: {e!r}")
            start_line.abort()

    def run(i: int) -> None:
        client = Client(port)
        client.log_in()
        names = list(pages)
        pause = random.Random(i)
        start_line.wait()
        k = i
        while time.perf_counter() < stop_at[0]:
            if think:
                time.sleep(pause.expovariate(1 / think))
                if time.perf_counter() >= stop_at[0]:
                    break
            name = names[k % len(names)]
            k += 1
            t0 = time.perf_counter()
            status, body = client.request("GET", pages[name])
            elapsed = time.perf_counter() - t0
            with lock:
                if status != 200:
                    errors.append(f"{name}: HTTP {status}")
                timings[name].append(elapsed)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + 3600  # until the start line
    with contextlib.suppress(threading.BrokenBarrierError):  # a client failed: reported below
        start_line.wait()
    stop_at[0] = time.perf_counter() + seconds
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return timings


def _quantile(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q * 100) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=45)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause of each client between pages (s)"
    )
    parser.add_argument("--workers", type=int, help="gunicorn processes (default: fupin serve's)")
    parser.add_argument("--threads", type=int, help="threads per process (default: fupin serve's)")
    parser.add_argument("--preset", choices=("gansu", "demo"), default="gansu")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="ask only /healthz, logged in: what every page costs before its own work",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        script = ROOT / "scripts" / "with-postgres.sh"
        return subprocess.call([str(script), sys.executable, *sys.argv])

    env = dict(os.environ)
    load_before = round(os.getloadavg()[0], 2)  # other work on the machine skews the figures
    counts = _prepare(env, args.preset)
    county = counts["county"]
    from fupin.cli.registry import serve_worker_model

    workers, threads = serve_worker_model(args.workers, args.threads)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fupin.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        probe = Client(port)
        probe.log_in()
        status, body = probe.request("GET", f"/regions/{county}/households/")
        if status != 200:
            raise RuntimeError(f"registry list: HTTP {status}")
        match = re.search(rb'href="/households/(\d+)/"', body)
        pages = {
            "county_dashboard": f"/regions/{county}/",
            "registry_list": f"/regions/{county}/households/?status=poor&page=3",
        }
        if match:
            pages["household"] = f"/households/{match.group(1).decode()}/"
        if args.floor:
            pages = {"healthz": "/healthz"}
        _load(port, args.clients, args.warmup, pages, args.think)
        timings = _load(port, args.clients, args.seconds, pages, args.think)
    finally:
        server.terminate()
        server.wait(timeout=30)

    every = [t for ts in timings.values() for t in ts]
    result = {
        "benchmark": "web",
        "database": "postgresql",
        "preset": args.preset,
        "county": county,
        "county_households": counts["households"],
        "province_households": counts["province_households"],
        "clients": args.clients,
        "think_seconds_mean": args.think,
        "floor": args.floor,
        "gunicorn_workers": workers,
        "gunicorn_threads": threads,
        "worker_class": "gthread",
        "cores": os.cpu_count(),
        "load_1min_before": load_before,
        "seconds": args.seconds,
        "requests": len(every),
        "requests_per_second": round(len(every) / args.seconds, 1),
        "p50_ms": round(1000 * statistics.median(every), 1),
        "p95_ms": round(1000 * _quantile(every, 0.95), 1),
        "p99_ms": round(1000 * _quantile(every, 0.99), 1),
        "pages": {
            name: {
                "path": pages[name],
                "requests": len(ts),
                "p50_ms": round(1000 * statistics.median(ts), 1),
                "p95_ms": round(1000 * _quantile(ts, 0.95), 1),
            }
            for name, ts in timings.items()
        },
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
