"""`fupin serve` starts a real web server (gunicorn) that answers on loopback."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_healthz_and_serves_the_login_page(tmp_path: Path):
    env = dict(os.environ, FUPIN_DATA_DIR=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'fupin.sqlite3'}")
    subprocess.run([sys.executable, "-m", "fupin.cli", "setup"], env=env, check=True,
                   capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "fupin.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        body = b""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.2)
        assert json.loads(body) == {"status": "ok", "database": "sqlite"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as r:
            page = r.read().decode()
        assert "登录" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/fupin/site.css", timeout=5) as r:
            assert r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
