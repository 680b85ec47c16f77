"""The demo's tests: files the simulated run writes (evidence) go to a temporary data folder."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def evidence_dir(settings: Any, tmp_path: Any) -> Any:
    """Evidence files go to a temporary FUPIN_DATA_DIR."""
    settings.DATA_DIR = tmp_path
    return tmp_path
