"""Department lists (部门数据) for a synthetic province: mostly people outside the registry, plus
planted registry members, some written differently (x, spaces, old 15-digit numbers), with labels.

The lists come from their own random stream (seeded by the config's seed and a fixed tag), so
generating them changes nothing in the registry or its truth for that seed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fupin.matching.kinds import BENCH_KINDS, BY_CODE, FACTS, Level
from fupin.policy.idnumber import CHECK_CHARS, check_digits
from fupin.regions.counties import read_counties
from fupin.synth.arrow import ZERO, ascii_strings, digit_matrix
from fupin.synth.config import SynthConfig
from fupin.synth.generate import CountyBatch

ByteMatrix = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.int64]

STREAM_TAG = 0x64657074  # "dept": the departments' stream, apart from the counties' streams
ID_HEADER = "身份证号"
DATE_HEADER = "登记日期"
# How a row's ID number is written (the label column `written`).
WRITTEN = ("standard", "spaces", "lower_x", "old15", "garbled")
STANDARD, SPACES, LOWER_X, OLD15, GARBLED = range(5)
MEMBER_COLUMNS = (
    "household_no",
    "id_number",
    "relation",
    "health",
    "school_status",
    "deceased",
    "attribute",
    "at_risk_housing",
)


@dataclass(frozen=True)
class DepartmentSettings:
    """Sizes and rates of the synthetic lists.

    planted_rate: share of registry members put on each problem list (deaths also get every
    member the registry wrongly keeps after death; 低保 every head of a 低保 household but
    `omitted_rate` of them; disability every disabled member but `omitted_rate`; so every
    consistency list of fupin.matching.kinds.FACTS: a member fact its members, a household fact
    its households' heads).
    variant_rate: share of rows whose number is written differently, in equal parts spaces,
    lower-case x (only numbers ending in X) and the old 15-digit form (only births 1900-1999).
    invalid_rate: share of rows that copy a member's number with a wrong check digit: they must
    be reported and never matched.
    """

    kinds: tuple[str, ...] = BENCH_KINDS
    rows: int = 20_000
    planted_rate: float = 0.005
    variant_rate: float = 0.06
    invalid_rate: float = 0.001
    omitted_rate: float = 0.03

    def __post_init__(self) -> None:
        unknown = [k for k in self.kinds if k not in BY_CODE]
        if unknown:
            raise ValueError(f"unknown department list kinds: {', '.join(unknown)}")
        for name in ("planted_rate", "variant_rate", "invalid_rate", "omitted_rate"):
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise ValueError(f"{name} must be between 0 and 0.5")


@dataclass(frozen=True)
class DepartmentData:
    """`lists`: kind → table (身份证号, 登记日期). `labels`: one row per list row that holds a
    registry member's number (kind, list_row, household_no, id_number as registered, written);
    `written` = garbled marks rows that must not match."""

    lists: dict[str, pa.Table]
    labels: pa.Table


def departments_generator(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, STREAM_TAG]))


def registry_members(batches: Iterable[CountyBatch]) -> pa.Table:
    """Members of registered households, with the household's attribute and 危房户 mark, in
    generation order."""
    parts = []
    for b in batches:
        hh = b.households.filter(b.households.column("registered")).select(
            ["household_no", "attribute", "at_risk_housing"]
        )
        p = b.persons.select(
            ["household_no", "id_number", "relation", "health", "school_status", "deceased"]
        )
        idx = pc.index_in(p.column("household_no"), value_set=hh.column("household_no"))
        keep = pc.is_valid(idx)
        p = p.filter(keep)
        at = pc.drop_null(idx)
        for name in ("attribute", "at_risk_housing"):
            p = p.append_column(name, hh.column(name).take(at))
        parts.append(p.select(list(MEMBER_COLUMNS)))
    return pa.concat_tables(parts).combine_chunks()


def _id_matrix(ids: pa.Array | pa.ChunkedArray) -> ByteMatrix:
    arr = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    s = np.asarray(arr.to_numpy(zero_copy_only=False), dtype="S18")
    return s.view(np.uint8).reshape(len(s), 18)


def _outsiders(n: int, prefixes: npt.NDArray[np.int64], rng: np.random.Generator) -> ByteMatrix:
    """Valid numbers of people registered in counties outside the synthetic province's."""
    chunk = 1_000_000  # bounds the (n, 17) int64 working matrix of a 5-million-row list
    if n > chunk:
        return np.concatenate(
            [_outsiders(min(chunk, n - i), prefixes, rng) for i in range(0, n, chunk)]
        )
    start = np.datetime64("1930-01-01").astype(np.int64)
    end = np.datetime64("2010-12-31").astype(np.int64)
    birth = rng.integers(start, end, n).astype("datetime64[D]")
    months = birth.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (birth - months.astype("datetime64[D]")).astype(np.int64) + 1
    first17 = np.empty((n, 17), np.int64)
    first17[:, :6] = digit_matrix(rng.choice(prefixes, n), 6) - ZERO
    first17[:, 6:14] = digit_matrix(year * 10000 + month * 100 + day, 8) - ZERO
    first17[:, 14:] = digit_matrix(rng.integers(0, 1000, n), 3) - ZERO
    out = np.empty((n, 18), np.uint8)
    out[:, :17] = first17 + ZERO
    out[:, 17] = np.asarray(check_digits(first17), dtype="U1").view(np.uint32).astype(np.uint8)
    return out


def _garble(m: ByteMatrix) -> ByteMatrix:
    """The same numbers with a wrong check character."""
    out = m.copy()
    chars = np.frombuffer(CHECK_CHARS.encode(), np.uint8)
    pos = np.argmax(m[:, 17:18] == chars[None, :], axis=1)
    out[:, 17] = chars[(pos + 1 + (np.arange(len(m)) % 10)) % 11]
    return out


def _write(m: ByteMatrix, written: IntArray) -> pa.Array:
    """Arrow strings of the numbers in `m`, each written as `written` says."""
    m = m.copy()
    lower = written == LOWER_X
    m[lower, 17] = np.where(m[lower, 17] == ord("X"), ord("x"), m[lower, 17])
    pieces: list[pa.Array] = []
    order: list[IntArray] = []
    plain = np.flatnonzero((written != SPACES) & (written != OLD15))
    pieces.append(ascii_strings(m[plain]))
    order.append(plain)
    sp = np.flatnonzero(written == SPACES)
    spaced = np.full((len(sp), 20), ord(" "), np.uint8)
    spaced[:, :6], spaced[:, 7:15], spaced[:, 16:] = m[sp, :6], m[sp, 6:14], m[sp, 14:]
    pieces.append(ascii_strings(spaced))
    order.append(sp)
    old = np.flatnonzero(written == OLD15)
    pieces.append(ascii_strings(np.concatenate([m[old, :6], m[old, 8:17]], axis=1)))
    order.append(old)
    rows = np.concatenate(order)
    inverse = np.empty(len(rows), np.int64)
    inverse[rows] = np.arange(len(rows))
    return pa.concat_arrays(pieces).take(pa.array(inverse))


def _choose_written(m: ByteMatrix, rate: float, rng: np.random.Generator) -> IntArray:
    n = len(m)
    u = rng.random(n)
    kind = rng.integers(1, 4, n)  # SPACES, LOWER_X, OLD15
    ends_x = m[:, 17] == ord("X")
    born_1900s = (m[:, 6] == ord("1")) & (m[:, 7] == ord("9"))
    possible = np.select([kind == LOWER_X, kind == OLD15], [ends_x, born_1900s], True)
    # Lower-case x is possible for one number in eleven: give those rows a higher chance so the
    # variant is present in small lists too.
    chance = np.where(kind == LOWER_X, np.minimum(1.0, rate * 6), rate)
    return np.where((u < chance) & possible, kind, STANDARD).astype(np.int64)


def _planted_rows(
    code: str, members: pa.Table, settings: DepartmentSettings, rng: np.random.Generator
) -> IntArray:
    n = members.num_rows
    sample = np.flatnonzero(rng.random(n) < settings.planted_rate)
    kept = rng.random(n) >= settings.omitted_rate
    if code == "deaths":
        certain = np.asarray(members.column("deceased").to_numpy(zero_copy_only=False), bool)
    elif code in FACTS:  # the members (a household fact: the heads) the registry claims it of
        fact = FACTS[code]
        claims = pc.fill_null(pc.equal(members.column(fact.column), fact.value), False)
        if fact.level is Level.HOUSEHOLD:
            claims = pc.and_(claims, pc.equal(members.column("relation"), "head"))
        certain = np.asarray(claims.to_numpy(zero_copy_only=False), bool) & kept
    else:
        certain = np.zeros(n, bool)
    return np.union1d(np.flatnonzero(certain), sample)


def make_departments(
    members: pa.Table, config: SynthConfig, settings: DepartmentSettings | None = None
) -> DepartmentData:
    """The lists of `settings.kinds` for the province of `config`, given its registry members
    (`registry_members(generate(config))`). The same config, settings and members give the
    same lists."""
    settings = settings or DepartmentSettings()
    rng = departments_generator(config.seed)
    own = {c.code for c in config.counties}
    prefixes = np.array(sorted(int(c.code) for c in read_counties() if c.code not in own), np.int64)
    lists: dict[str, pa.Table] = {}
    labels: list[pa.Table] = []
    start = np.datetime64("2010-01-01").astype(np.int64)
    for code in settings.kinds:
        planted = _planted_rows(code, members, settings, rng)
        if len(planted) > settings.rows // 2:
            planted = np.sort(rng.choice(planted, settings.rows // 2, replace=False))
        n_bad = min(int(round(settings.invalid_rate * settings.rows)), members.num_rows)
        garbled = (
            rng.choice(members.num_rows, n_bad, replace=False) if n_bad else np.zeros(0, np.int64)
        )
        n_out = max(settings.rows - len(planted) - n_bad, 0)
        taken = members.take(pa.array(np.concatenate([planted, garbled]).astype(np.int64)))
        member_ids = _id_matrix(taken.column("id_number"))
        m = np.concatenate(
            [
                member_ids[: len(planted)],
                _garble(member_ids[len(planted) :]),
                _outsiders(n_out, prefixes, rng),
            ]
        )
        written = _choose_written(m, settings.variant_rate, rng)
        written[len(planted) : len(planted) + n_bad] = np.where(
            written[len(planted) : len(planted) + n_bad] == OLD15,
            STANDARD,
            written[len(planted) : len(planted) + n_bad],
        )  # an old number has no check digit to garble
        perm = rng.permutation(len(m))  # list row of each generated row
        ids = _write(m, written)
        rows_at = np.empty(len(m), np.int64)
        rows_at[perm] = np.arange(len(m))
        dates = rng.integers(start, start + 3650, len(m)).astype("datetime64[D]")
        lists[code] = pa.table(
            {ID_HEADER: ids.take(pa.array(rows_at)), DATE_HEADER: pa.array(dates[rows_at])}
        )
        k = len(planted) + n_bad
        w = written[:k].copy()
        w[len(planted) :] = GARBLED
        labels.append(
            pa.table(
                {
                    "kind": pa.array([code] * k, pa.string()),
                    "list_row": pa.array(perm[:k]),
                    "household_no": taken.column("household_no"),
                    "id_number": taken.column("id_number"),
                    "written": pa.array(np.array(WRITTEN)[w]),
                }
            )
        )
    return DepartmentData(lists=lists, labels=pa.concat_tables(labels).combine_chunks())


def write_departments(
    data: DepartmentData, lists_dir: Path | str, truth_dir: Path | str
) -> dict[str, int]:
    """`<lists_dir>/<kind>.parquet` (inputs, like a department's file) and the labels in
    `<truth_dir>/department_labels.parquet` (kept apart, like the rest of the truth)."""
    lists_path, truth_path = Path(lists_dir), Path(truth_dir)
    lists_path.mkdir(parents=True, exist_ok=True)
    truth_path.mkdir(parents=True, exist_ok=True)
    for code, table in data.lists.items():
        pq.write_table(table, lists_path / f"{code}.parquet")
    pq.write_table(data.labels, truth_path / "department_labels.parquet")
    return {code: t.num_rows for code, t in data.lists.items()}


def score(
    matched_rows: Collection[tuple[str, int]], labels: pa.Table
) -> dict[str, dict[str, float]]:
    """Precision and recall per kind of (kind, list_row) pairs found by a matcher, against the
    planted labels (garbled rows are negatives)."""
    kinds = labels.column("kind").to_pylist()
    rows = labels.column("list_row").to_pylist()
    good = [w != "garbled" for w in labels.column("written").to_pylist()]
    out: dict[str, dict[str, float]] = {}
    found = set(matched_rows)
    for code in sorted(set(kinds) | {k for k, _ in found}):
        truth = {(k, r) for k, r, g in zip(kinds, rows, good, strict=True) if k == code and g}
        got = {x for x in found if x[0] == code}
        hit = len(truth & got)
        out[code] = {
            "planted": len(truth),
            "found": len(got),
            "recall": hit / len(truth) if truth else 1.0,
            "precision": hit / len(got) if got else 1.0,
        }
    return out


def synth_departments(
    config: SynthConfig, data_dir: Path | str, truth_dir: Path | str, rows: int | None = None
) -> dict[str, int]:
    """Every kind of list for `config`'s province, written for `fupin synth --departments`:
    lists under `<data_dir>/departments/`, labels under `truth_dir`. Regenerates the registry's
    members from the config (the same seed gives the same members) rather than reading a database.
    Without `rows`, each list has as many rows as the registry has members (at least 20 000)."""
    from fupin.matching.kinds import KINDS
    from fupin.synth.generate import generate

    members = registry_members(generate(config))
    settings = DepartmentSettings(
        kinds=tuple(k.code for k in KINDS), rows=rows or max(20_000, members.num_rows)
    )
    data = make_departments(members, config, settings)
    return write_departments(data, Path(data_dir) / "departments", truth_dir)
