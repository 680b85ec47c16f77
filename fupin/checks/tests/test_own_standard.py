"""The far-above-line check reads each household's own standard (pure input, no database)."""

from __future__ import annotations

import dataclasses

import numpy as np

from fupin.checks.data import concat
from fupin.checks.identification import RULES, own_lines
from fupin.checks.tests.builders import House, build

FAR_ABOVE = next(r for r in RULES if r.id == "identification.far_above_line")


def test_own_lines_replace_the_national_line_for_a_relative_standard() -> None:
    data = build([House(per_capita=100), House(per_capita=100)])
    assert own_lines(data)[0].tolist() == [3218.0, 3218.0]  # 2019 national line
    hh = dataclasses.replace(data.households, own_standard=np.array(["guangdong_2016", ""]))
    lines, names = own_lines(dataclasses.replace(data, households=hh))
    assert lines.tolist() == [4000.0, 3218.0]
    assert names[0].startswith("广东省新时期精准扶贫相对贫困标准") and names[1] == "国家扶贫标准"


def test_concat_keeps_own_standards_and_fills_parts_without_them() -> None:
    # 5000 is over 1.5 × 3218 (4827) but under 1.5 × Guangdong's 4000 (6000).
    plain = build([House(per_capita=5000)])
    gd = build([House(per_capita=5000)])
    gd = dataclasses.replace(
        gd, households=dataclasses.replace(gd.households, own_standard=np.array(["guangdong_2016"]))
    )
    both = concat([plain, gd])
    assert both.households.own_standard is not None
    assert both.households.own_standard.tolist() == ["", "guangdong_2016"]
    assert FAR_ABOVE.evaluate(both).mask.tolist() == [True, False]
    assert concat([plain, plain]).households.own_standard is None
