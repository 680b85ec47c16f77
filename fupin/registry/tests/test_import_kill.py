"""A `fupin import` killed (SIGKILL) in the middle of writing leaves the database exactly as it was."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from fupin.registry.io.importing import import_file
from fupin.registry.tests.conftest import registry_state, write_big_files, write_csv

ROOT = Path(__file__).resolve().parents[3]
HOUSEHOLDS = 7_500  # × 4 members = 30 000 persons: a second or more of writing
# tqdm's progress line once some rows are in: "写入:  13%|…| 4000/45000 …"
WRITING = re.compile(r"写入:\s*\d+%[^\r\n]*?\|\s*([1-9]\d*)/\d+")


def database_url() -> str:
    """The test database, as a DATABASE_URL the child process can open."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    if connection.vendor == "postgresql":
        user, password = quote(s.get("USER") or ""), quote(s.get("PASSWORD") or "")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        return (
            f"postgres://{auth}{s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}/{s['NAME']}"
        )
    raise AssertionError(f"no DATABASE_URL for {connection.vendor}")


class StderrWatcher(threading.Thread):
    """Reads the child's stderr as it comes (tqdm writes \\r, not lines) until a pattern shows."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.text = ""
        self.seen = threading.Event()

    def run(self) -> None:
        while chunk := self.stream.read1(4096):
            self.text += chunk.decode("utf-8", "replace")
            if WRITING.search(self.text):
                self.seen.set()


@pytest.mark.django_db(transaction=True)
def test_sigkill_during_import_leaves_database_unchanged(tree, rows, tmp_path):
    # Some households already in the registry, which the big file also updates.
    members, events = [], []
    for no in ("B0000000", "B0000001", "B0000002"):
        m, e = rows.household(no, members=4)
        members += m
        events += e
    first = import_file(
        path=write_csv(tmp_path / "first.csv", members),
        events_path=write_csv(
            tmp_path / "first_events.csv", events, ["户编号", "事件", "日期", "原因"]
        ),
    )
    assert first.written and first.households_new == 3
    big_members, big_events = write_big_files(tmp_path, HOUSEHOLDS)
    before = registry_state()

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
        "FUPIN_DATA_DIR": str(settings.DATA_DIR),
    }
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fupin.cli",
            "import",
            str(big_members),
            "--events",
            str(big_events),
            "--actor",
            "kill-test",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    watcher = StderrWatcher(child.stderr)
    watcher.start()
    try:
        assert watcher.seen.wait(timeout=300), (
            f"import never reported writing:\n{watcher.text[-2000:]}"
        )
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert "正在写入数据库" in watcher.text

    # PostgreSQL ends the dead client's transaction when it notices the closed socket; the
    # deadline is generous for a loaded machine: the loop ends as soon as the state is back.
    deadline = time.monotonic() + 120
    while registry_state() != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert registry_state() == before
