"""A data folder for tests that run the `fupin` command in a subprocess: its SQLite database already
built by `fupin setup` (migrated, the 832 poverty counties loaded).

`fupin setup` on an empty folder costs some 20 s of CPU, nearly all of it Django's migrations; the
CLI tests that are about something else (`serve`, `check`, `synth`, the demo's second run) each
paid it. Here it runs once per test session, shared by the pytest-xdist workers (a file lock: the
first worker builds it, the others wait and copy), and each test gets its own copy of the file.
The template is built by the real command in a subprocess, so a broken `fupin setup` still fails
every test that uses it; `tests/test_demo.py` keeps one run on a truly empty folder.

    def test_x(set_up_data_folder):
        env = set_up_data_folder   # FUPIN_DATA_DIR / DATABASE_URL for subprocess.run(env=env)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATABASE = "f.sqlite3"


def data_folder_env(folder: Path) -> dict[str, str]:
    """The environment of a `fupin` subprocess whose data (and SQLite database) live in `folder`."""
    return dict(
        os.environ,
        FUPIN_DATA_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / DATABASE}",
    )


@pytest.fixture(scope="session")
def set_up_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file `fupin setup` built, once per session (shared by the xdist workers)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's directory, above each worker's own
    folder = root / "fupin-set-up"
    with open(root / "fupin-set-up.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done = folder / "done"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            run = subprocess.run(
                [sys.executable, "-m", "fupin.cli", "setup"],
                env=data_folder_env(folder),
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert run.returncode == 0, run.stderr[-3000:]
            assert "载入贫困县 832 个" in run.stderr
            done.touch()
    return folder / DATABASE


@pytest.fixture
def set_up_data_folder(set_up_database: Path, tmp_path: Path) -> dict[str, str]:
    """`tmp_path` as a data folder holding a copy of the set-up database: the subprocess env."""
    shutil.copyfile(set_up_database, tmp_path / DATABASE)
    return data_folder_env(tmp_path)
