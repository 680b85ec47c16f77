"""Suite-wide pytest setup: the order tests run in, and what the `fupin` subprocesses inherit.

App fixtures live in fupin/conftest.py and fupin/testing/; this file is about the suite's run time
(the 15-minute budget of the standards), not about what any test checks.
"""

from __future__ import annotations

import os
import sys

import pytest

pytest_plugins = ["fupin.testing.datafolder"]


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]):
    """The slow tests first, so that under `pytest -n 2` no two-minute test starts last and leaves
    the other worker idle. Runs after every other reordering (pytest-django's database groups,
    browser tests last in fupin/conftest.py) and keeps them: a stable sort that moves only slow
    tests which are neither transactional (they stay after the rollback tests, as Django orders
    them) nor browser tests. The order depends on the collected items only, so it is the same on
    every xdist worker."""
    result = yield

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("browser") is not None:
            return 2
        if item.get_closest_marker("slow") is not None and not _transactional(item):
            return 0
        return 1

    items.sort(key=rank)
    return result


@pytest.fixture(autouse=True, scope="session")
def _subprocesses_keep_their_bytecode(tmp_path_factory: pytest.TempPathFactory):
    """Where Python is told not to write bytecode (PYTHONDONTWRITEBYTECODE, as on the shared
    machine), every `fupin` subprocess a test starts compiled Django, pandas, ortools… from source
    again: some 3 s of CPU each. The children write theirs to one directory of this session
    instead (PYTHONPYCACHEPREFIX; never into the source tree or the venv), so only the first
    compiles. Where bytecode is written as usual this does nothing."""
    if not sys.flags.dont_write_bytecode:
        yield
        return
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers (bytecode files are written atomically)
    saved = {k: os.environ.get(k) for k in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
