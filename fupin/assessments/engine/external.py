"""The four figures from a sample file and a problems file, for teams that survey with their own tools.

`fupin estimate-figures SAMPLE.csv --problems PROBLEMS.csv --persons ...` computes what
`county_figures` computes for fupin's own campaigns (the same design, the same honest
intervals and the same 样本不足以给出可靠区间 flag).

SAMPLE.csv, one row per sampled household (UTF-8, header row; Chinese values accepted):

* household_no: the household's number (matched with the problems file);
* village: the sampled village; village_stratum: its village stratum (e.g. 贫困村 / 非贫困村);
* village_pi: the village's inclusion probability (1 for a village taken with certainty);
* stratum: exited / poor / non_registered (已脱贫 / 未脱贫 / 非建档立卡);
* household_pi: the household's inclusion probability within its village and stratum
  (1 when the stratum was taken in full); at_risk: yes when it was drawn as an at-risk
  household taken in full (optional, default no);
* size: persons counted at the visit;
* recognises: yes / no for households asked the recognition questions, empty otherwise;
* villages_in_stratum (optional): the number of villages in the county's village stratum
  (certainty villages included), the same on every row of a stratum.

PROBLEMS.csv: household_no and problem (wrong_exit / missed, or 错退 / 漏评), one row per
problem confirmed at 终核.

Villages with village_pi = 1 are self-representing and only their second stage counts, with the
fpc implied by household_pi.  With villages_in_stratum the other villages get the engine's
first-stage fpc 1 - n'/N' (n' of the N' villages that are not certainties; see
`fupin.assessments.engine.figures`); without it the first stage is treated as with replacement
within each village stratum (no first-stage fpc: conservative when most villages are drawn).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fupin.assessments.engine.fieldwork import SurveyAnswers
from fupin.assessments.engine.figures import CountyFigures, county_figures
from fupin.assessments.engine.frames import EXITED, NONREGISTERED, STRATA, CountyFrame
from fupin.assessments.engine.sampling import (
    AT_RISK,
    HouseholdDraw,
    SamplingSettings,
    SeedRecord,
    VillageDraw,
)
from fupin.assessments.engine.verification import ConfirmedProblems
from fupin.policy.zones import Zone

STRATUM_NAMES = {
    "exited": STRATA.index("exited"),
    "已脱贫": STRATA.index("exited"),
    "已脱贫户": STRATA.index("exited"),
    "poor": STRATA.index("poor"),
    "未脱贫": STRATA.index("poor"),
    "未脱贫户": STRATA.index("poor"),
    "non_registered": NONREGISTERED,
    "nonregistered": NONREGISTERED,
    "非建档立卡": NONREGISTERED,
    "非建档立卡户": NONREGISTERED,
}
PROBLEM_NAMES = {
    "wrong_exit": "wrong_exit",
    "错退": "wrong_exit",
    "missed": "missed",
    "漏评": "missed",
}
YES = frozenset({"1", "yes", "y", "true", "t", "是", "认可"})
NO = frozenset({"0", "no", "n", "false", "f", "否", "不认可"})
COLUMNS = (
    "household_no",
    "village",
    "village_stratum",
    "village_pi",
    "stratum",
    "household_pi",
    "size",
    "recognises",
)


class ExternalError(ValueError):
    """Bad input (the message names the file, line and column)."""


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [r for r in csv.reader(handle) if any(c.strip() for c in r)]
    except FileNotFoundError:
        raise ExternalError(f"找不到文件 {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ExternalError(f"无法读取 {path}：{e}") from None
    if len(rows) < 2:
        raise ExternalError(f"{path.name} 没有数据行")
    header = [h.strip() for h in rows[0]]
    return header, [[c.strip() for c in r] for r in rows[1:]]


def _column(path: Path, header: list[str], rows: list[list[str]], name: str) -> list[str]:
    if name not in header:
        raise ExternalError(f"{path.name} 缺少列 {name}")
    j = header.index(name)
    for i, r in enumerate(rows, start=2):
        if len(r) != len(header):
            raise ExternalError(f"{path.name} 第 {i} 行的字段数与表头不一致")
    return [r[j] for r in rows]


def _numbers(path: Path, name: str, values: list[str], low: float, high: float) -> np.ndarray:
    out = np.empty(len(values))
    for i, text in enumerate(values):
        try:
            out[i] = float(text)
        except ValueError:
            raise ExternalError(f"{path.name} 第 {i + 2} 行 {name}：{text!r} 不是数值") from None
        if not low <= out[i] <= high:
            raise ExternalError(
                f"{path.name} 第 {i + 2} 行 {name}：{text} 须在 {low:g} 到 {high:g} 之间"
            )
    return out


def figures_from_files(
    sample: Path,
    problems: Path,
    *,
    persons: Mapping[str, int],
    zone: str = "west",
    code: str = "",
    name: str = "",
) -> CountyFigures:
    """The four figures of one county from its sample and confirmed-problems files."""
    header, rows = _read(sample)
    col = {c: _column(sample, header, rows, c) for c in COLUMNS}
    n = len(rows)
    household = col["household_no"]
    if len(set(household)) != n:
        raise ExternalError(f"{sample.name} 的 household_no 有重复")
    stratum = np.empty(n, dtype=np.int64)
    for i, s in enumerate(col["stratum"]):
        if s.lower() not in STRATUM_NAMES:
            raise ExternalError(
                f"{sample.name} 第 {i + 2} 行 stratum：{s!r} 应为 exited / poor / non_registered"
            )
        stratum[i] = STRATUM_NAMES[s.lower()]
    village_pi = _numbers(sample, "village_pi", col["village_pi"], 1e-9, 1.0)
    household_pi = _numbers(sample, "household_pi", col["household_pi"], 1e-9, 1.0)
    size = _numbers(sample, "size", col["size"], 1, 1e6).astype(np.int64)
    at_risk = np.zeros(n, dtype=bool)
    if "at_risk" in header:
        at_risk = np.array(
            [v.lower() in YES for v in _column(sample, header, rows, "at_risk")], dtype=bool
        )
    recognises = np.zeros(n, dtype=bool)
    asked = np.zeros(n, dtype=bool)
    for i, v in enumerate(col["recognises"]):
        low = v.lower()
        if low in YES:
            recognises[i] = asked[i] = True
        elif low in NO:
            asked[i] = True
        elif low:
            raise ExternalError(
                f"{sample.name} 第 {i + 2} 行 recognises：{v!r} 应为 是 / 否 或留空"
            )

    # Villages: one per label, in order of first appearance; pi must agree within a village.
    labels = list(dict.fromkeys(col["village"]))
    village = np.array([labels.index(v) for v in col["village"]], dtype=np.int64)
    v_pi = np.zeros(len(labels))
    for k in range(len(labels)):
        values = np.unique(village_pi[village == k])
        if values.shape[0] != 1:
            raise ExternalError(f"{sample.name} 村 {labels[k]} 的 village_pi 不一致")
        v_pi[k] = values[0]
    vs_labels = list(dict.fromkeys(col["village_stratum"]))
    if len(vs_labels) > 2:
        raise ExternalError(f"{sample.name} 的 village_stratum 至多两层（如 贫困村 / 非贫困村）")
    v_stratum = np.zeros(len(labels), dtype=np.int64)
    for i, v in enumerate(village):
        v_stratum[v] = vs_labels.index(col["village_stratum"][i])
    village_count = [0, 0]
    if "villages_in_stratum" in header:
        counts = _numbers(
            sample,
            "villages_in_stratum",
            _column(sample, header, rows, "villages_in_stratum"),
            1,
            1e6,
        )
        for k, label in enumerate(vs_labels):
            values = np.unique(counts[v_stratum[village] == k])
            if values.shape[0] != 1 or values[0] != int(values[0]):
                raise ExternalError(
                    f"{sample.name} 村层 {label} 的 villages_in_stratum 须为同一个整数"
                )
            drawn = int((v_stratum == k).sum())
            if values[0] < drawn:
                raise ExternalError(
                    f"{sample.name} 村层 {label} 的 villages_in_stratum（{int(values[0])}）"
                    f"少于样本中的村数（{drawn}）"
                )
            village_count[k] = int(values[0])
    design_stratum = np.where(at_risk, AT_RISK, stratum)
    cell = village * 8 + design_stratum
    _, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
    sampled = counts[inverse]
    population = np.maximum(sampled, np.rint(sampled / household_pi)).astype(np.int64)
    seed = SeedRecord(entropy=0, spawn_key=(), fresh=False)
    villages = VillageDraw(
        index=np.arange(len(labels), dtype=np.int64),
        stratum=v_stratum,
        pi=v_pi,
        households=np.bincount(village, minlength=len(labels)).astype(np.int64),
        population=(village_count[0], village_count[1]),
        sampled=(int((v_stratum == 0).sum()), int((v_stratum != 0).sum())),
        method="pps",
        frame_fingerprint="",
        seed=seed,
    )
    draw = HouseholdDraw(
        villages=villages,
        index=np.arange(n, dtype=np.int64),
        village=village,
        stratum=stratum,
        design_stratum=design_stratum,
        pi=sampled / population,
        population=population,
        sampled=sampled.astype(np.int64),
        settings=SamplingSettings(),
        seed=seed,
    )
    answers = SurveyAnswers.from_arrays(size=size, recognises=recognises, recognition_asked=asked)

    p_header, p_rows = _read(problems)
    p_no = _column(problems, p_header, p_rows, "household_no")
    p_kind = _column(problems, p_header, p_rows, "problem")
    position = {h: i for i, h in enumerate(household)}
    wrong_exit = np.zeros(n, dtype=bool)
    missed = np.zeros(n, dtype=bool)
    for i, (h, kind) in enumerate(zip(p_no, p_kind, strict=True), start=2):
        if h not in position:
            raise ExternalError(f"{problems.name} 第 {i} 行：户 {h} 不在样本中")
        what = PROBLEM_NAMES.get(kind.lower())
        if what is None:
            raise ExternalError(f"{problems.name} 第 {i} 行 problem：{kind!r} 应为 错退 或 漏评")
        j = position[h]
        if what == "wrong_exit" and stratum[j] != EXITED:
            raise ExternalError(f"{problems.name} 第 {i} 行：户 {h} 不是已脱贫户，不能认定错退")
        if what == "missed" and stratum[j] != NONREGISTERED:
            raise ExternalError(f"{problems.name} 第 {i} 行：户 {h} 不是非建档立卡户，不能认定漏评")
        (wrong_exit if what == "wrong_exit" else missed)[j] = True

    for key in ("poor", "exited", "nonregistered", "rural"):
        if key not in persons or persons[key] < 0:
            raise ExternalError(f"--persons 缺少 {key}（人数，非负整数）")
    if persons["rural"] <= 0:
        raise ExternalError("--persons 的 rural（农村人口）须为正整数")
    try:
        zone_value = Zone(zone)
    except ValueError:
        raise ExternalError(f"--zone 应为 central 或 west，不是 {zone!r}") from None
    empty_i = np.zeros(0, dtype=np.int64)
    frame = CountyFrame(
        code=code,
        name=name,
        province="",
        zone=zone_value,
        year=0,
        household_no=np.zeros(0, dtype="<U1"),
        village=empty_i,
        village_code=np.zeros(0, dtype="<U1"),
        village_is_poor=np.zeros(0, dtype=bool),
        stratum=empty_i,
        size=empty_i,
        at_risk=np.zeros(0, dtype=bool),
        exited_persons=int(persons["exited"]),
        poor_persons=int(persons["poor"]),
        nonregistered_persons=int(persons["nonregistered"]),
        rural_population=int(persons["rural"]),
    )
    return county_figures(frame, draw, answers, ConfirmedProblems(wrong_exit, missed))


def as_json(figures: CountyFigures) -> dict[str, Any]:
    return figures.as_dict()
