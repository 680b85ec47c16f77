"""Tests of the generator's shape: determinism, demo totals, region codes, status histories."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds

from fupin.synth import CountyBatch, SynthConfig, generate, write_parquet
from fupin.synth.tests.conftest import TABLES, Columns


def test_same_seed_gives_identical_tables(
    demo_config: SynthConfig, demo_batches: list[CountyBatch]
) -> None:
    again = list(generate(demo_config))
    for name in TABLES:
        assert getattr(again[0], name).equals(getattr(demo_batches[0], name)), name


def test_different_seed_gives_different_data(
    demo_config: SynthConfig, demo_batches: list[CountyBatch]
) -> None:
    other = next(generate(demo_config.replace(seed=demo_config.seed + 1)))
    assert not other.persons.equals(demo_batches[0].persons)
    assert not other.households.equals(demo_batches[0].households)


def test_demo_preset_is_one_small_county(demo_config: SynthConfig, demo: Columns) -> None:
    assert [c.code for c in demo_config.counties] == ["620121"]
    regions, households = demo["regions"], demo["households"]
    assert (regions["level"] == "township").sum() == 3
    assert (regions["level"] == "village").sum() == 20
    assert (regions["is_poor_village"]).sum() == 12
    assert len(households["household_no"]) == 1500
    assert households["registered"].sum() == 600
    assert 2300 < households["size"][households["registered"]].sum() < 2700


def test_codes_have_twelve_digits_and_parents_exist(demo: Columns, mid: Columns) -> None:
    for data in (demo, mid):
        regions = data["regions"]
        codes = regions["code"]
        assert all(len(c) == 12 and c.isdigit() for c in codes)
        assert len(set(codes)) == len(codes)
        townships = set(codes[regions["level"] == "township"])
        assert all(c.endswith("000") for c in townships)
        for code, level, parent in zip(
            codes, regions["level"], regions["parent_code"], strict=True
        ):
            if level == "township":
                assert parent == code[:6] + "000000"
            else:
                assert parent in townships and code[:9] == parent[:9]
        villages = set(codes[regions["level"] == "village"])
        hh = data["households"]
        assert set(hh["village_code"]) <= villages
        assert len(set(hh["household_no"])) == len(hh["household_no"])
        assert all(
            no[:12] == v and len(no) == 16
            for no, v in zip(hh["household_no"], hh["village_code"], strict=True)
        )


def test_village_flags_are_consistent(mid: Columns, mid_config: SynthConfig) -> None:
    r = mid["regions"]
    village = r["level"] == "village"
    poor = r["is_poor_village"].astype(bool)
    named = np.array([x if x == x and x is not None else 0 for x in r["poor_named_year"]], float)
    exited = np.array([x if x == x and x is not None else 0 for x in r["poor_exit_year"]], float)
    assert ((named > 0) == poor).all()
    assert (exited[~poor] == 0).all()
    assert ((exited == 0) | (exited > named)).all()
    assert (exited <= mid_config.year).all()
    assert not r["deeply_poor"][village & ~poor].any()
    # 通渭县 exits in 2020: its poor villages are deeply poor and mostly not yet exited in 2019.
    tongwei = village & poor & np.array([c.startswith("621121") for c in r["code"]])
    assert r["deeply_poor"][tongwei].all()
    assert (exited[tongwei] == 0).mean() > 0.3


def _year(x: object) -> int:
    return 0 if x is None or x != x else int(x)  # type: ignore[call-overload]


def test_status_equals_last_event_and_events_are_ordered(mid: Columns) -> None:
    ev = mid["events"]
    by_hh: dict[str, list[tuple[np.datetime64, str, int]]] = defaultdict(list)
    for no, kind, date, year in zip(
        ev["household_no"], ev["kind"], ev["date"], ev["year"], strict=True
    ):
        assert int(str(date)[:4]) == year
        by_hh[no].append((date, kind, year))
    hh = mid["households"]
    last_kind = {"poor": "identified", "exited": "exited", "returned": "returned"}
    for i, no in enumerate(hh["household_no"]):
        events = by_hh.get(no, [])
        dates = [e[0] for e in events]
        assert dates == sorted(dates)
        kinds = [e[1] for e in events]
        if hh["registered"][i]:
            assert kinds[0] == "identified"
            assert kinds[-1] == last_kind[hh["status"][i]]
            assert events[0][2] == _year(hh["identified_year"][i])
            exits = [e[2] for e in events if e[1] == "exited"]
            assert (exits[-1] if exits else 0) == _year(hh["exited_year"][i])
        else:
            assert kinds in ([], ["identified", "removed"])
            assert (kinds != []) == (_year(hh["removed_year"][i]) > 0)
            assert hh["status"][i] == ("removed" if kinds else "")


def test_exits_follow_the_county_exit_year(mid: Columns) -> None:
    hh = mid["households"]
    reg = hh["registered"]
    county = np.array([no[:6] for no in hh["household_no"]])
    still_poor = hh["status"] == "poor"
    early = reg & (county == "620122")  # exited 2017
    late = reg & (county == "621121")  # exits 2020
    assert still_poor[early].mean() < 0.03
    assert 0.08 < still_poor[late].mean() < 0.35
    assert (hh["status"][reg] == "returned").mean() > 0.005


def test_progress_is_reported_per_county(mid_config: SynthConfig) -> None:
    seen: list[tuple[int, int]] = []
    small = mid_config.replace(
        poor_villages=6,
        nonpoor_villages=3,
        registered_households=90,
        registered_persons=370,
        nonregistered_households=90,
    )
    batches = list(generate(small, progress=lambda done, total: seen.append((done, total))))
    assert [b.county.code for b in batches] == [c.code for c in small.counties]
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_write_parquet_keeps_registry_and_truth_apart(
    tmp_path: Path, demo_batches: list[CountyBatch]
) -> None:
    rows = write_parquet(demo_batches, tmp_path)
    assert rows["persons"] == demo_batches[0].persons.num_rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registry", "truth"]
    assert not list((tmp_path / "registry").glob("truth*"))
    back = ds.dataset(tmp_path / "truth" / "truth_households", partitioning="hive").to_table()
    assert back.num_rows == demo_batches[0].truth_households.num_rows
    assert set(back.column("county").to_pylist()) == {620121}
    households = ds.dataset(tmp_path / "registry" / "households", partitioning="hive").to_table()
    assert households.drop_columns(["county"]).equals(demo_batches[0].households)
