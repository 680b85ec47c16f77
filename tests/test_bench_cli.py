"""`fupin bench --preset small`: the JSON's shape and the three ways agree.

How long it takes is the bench's own output (`seconds` per step and way), not a test: a timing
assertion fails on a loaded CI machine without anything being wrong (issue #18, item 8).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fupin.cli import main

WAYS = ("fupin", "pandas", "sql")


@pytest.mark.slow
def test_small_bench_writes_every_step_three_ways_with_equal_results(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    code = main(
        [
            "bench",
            "--preset",
            "small",
            "--json",
            str(out),
            "--threads",
            "2",
            "--national",
            "--national-households",
            "50000",
            "--national-chunk",
            "20000",
        ]
    )
    assert code == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert [s["step"] for s in figures["steps"]] == ["indicators", "checks", "matching"]
    for step in figures["steps"]:
        assert step["equal"] is True, step
        for way in WAYS:
            assert step[way]["seconds"] >= 0 and step[way]["peak_mib"] > 0, (step["step"], way)
    assert set(figures["totals"]) == set(WAYS)
    assert figures["machine"]["cores"] >= 1
    assert len(figures["department_lists"]) == 5
    results = figures["results"]
    assert results["regions"] > 1 and results["matching_invalid_rows"] > 0
    assert sum(results["checks_flagged"].values()) > 0
    for kind, s in results["matching_precision_recall"].items():
        assert s["planted"] > 0 and s["recall"] == 1.0 and s["precision"] == 1.0, kind
    national = figures["national"]
    assert national["households"] == 50_000 and national["indicators"]["regions"] > 0


def test_three_ways_of_the_checks_disagree_when_one_is_wrong() -> None:
    """The equality the bench asserts can fail: a changed rule shows up as a difference."""
    from fupin.cli.bench import build_province
    from fupin.cli.bench_jobs import CHECK_SQL, checks_fupin, checks_handwritten

    _, p = build_province("demo", 2_000, None)
    good = checks_handwritten(p)
    assert good == checks_fupin(p)
    old = CHECK_SQL["members.size_mismatch"]
    try:
        CHECK_SQL["members.size_mismatch"] = "in_registry AND coalesce(listed, 0) <> size + 1"
        assert checks_handwritten(p) != good
    finally:
        CHECK_SQL["members.size_mismatch"] = old
