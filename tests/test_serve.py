"""`fupin serve` starts a real web server (gunicorn, gthread workers) that answers on loopback,
with as many processes and threads as the settings say (issue #18, item 7)."""

import argparse
import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from fupin.cli.registry import cpu_cores, gunicorn_argv, serve_worker_model

# How long the server may take to start on a loaded machine; the wait ends as soon as it answers.
START_DEADLINE = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_healthz_and_serves_the_login_page(set_up_data_folder: dict[str, str]):
    # A data folder `fupin setup` has built (once per session: fupin/testing/datafolder.py).
    env = set_up_data_folder
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
            "1",
            "--threads",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = b""
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.2)  # polling for the port to open, not a wait for a duration
        assert json.loads(body) == {"status": "ok", "database": "sqlite"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=30) as r:
            page = r.read().decode()
            assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert "登录" in page
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/fupin/site.css", timeout=30
        ) as r:
            assert r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=60)


def _argv(monkeypatch, workers=None, threads=None, **env):
    for name in ("FUPIN_WEB_WORKERS", "FUPIN_WEB_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    args = argparse.Namespace(host="127.0.0.1", port=8000, workers=workers, threads=threads)
    argv = gunicorn_argv(args)
    return {k: argv[argv.index(k) + 1] for k in ("--worker-class", "--workers", "--threads")}


def test_by_default_threaded_workers_one_per_core(monkeypatch):
    """Two sync workers queued 20 clients to a p95 of 2 s: the default now follows the cores."""
    assert _argv(monkeypatch) == {
        "--worker-class": "gthread",
        "--workers": str(cpu_cores()),
        "--threads": "4",
    }


def test_the_settings_and_the_flags_choose_other_counts(monkeypatch):
    assert _argv(monkeypatch, FUPIN_WEB_WORKERS="3", FUPIN_WEB_THREADS="8")["--workers"] == "3"
    assert _argv(monkeypatch, FUPIN_WEB_WORKERS="3", FUPIN_WEB_THREADS="8")["--threads"] == "8"
    assert _argv(monkeypatch, FUPIN_WEB_WORKERS="auto")["--workers"] == str(cpu_cores())
    flags = _argv(monkeypatch, workers=1, threads=2, FUPIN_WEB_WORKERS="3")
    assert flags["--workers"] == "1" and flags["--threads"] == "2"


def test_zero_workers_is_refused_in_chinese(monkeypatch):
    monkeypatch.setenv("FUPIN_WEB_WORKERS", "0")
    with pytest.raises(SystemExit, match="服务进程数"):
        serve_worker_model()
