"""致贫原因分析准: a cause of poverty that the members' records do not bear out."""

from __future__ import annotations

from fupin.checks.data import CHRONIC, DISABLED, IN_SCHOOL, SERIOUS, CheckData, IntArray
from fupin.checks.rule import Flags, Rule
from fupin.policy.causes import DISABILITY, ILLNESS, SCHOOLING

FAMILY = "causes"
ACCURACY = "致贫原因分析准"


def _illness(data: CheckData) -> Flags:
    hh, p = data.households, data.persons
    sick = data.members_any(((p.health == CHRONIC) | (p.health == SERIOUS)) & ~p.deceased)
    mask = hh.in_registry & hh.has_cause(ILLNESS) & ~sick
    return Flags.build(
        mask, lambda rows: ["致贫原因为因病，但家庭成员中无长期慢性病或大病患者"] * len(rows)
    )


def _schooling(data: CheckData) -> Flags:
    hh, p = data.households, data.persons
    student = data.members_any((p.school_status == IN_SCHOOL) & ~p.deceased)
    mask = hh.in_registry & hh.has_cause(SCHOOLING) & ~student
    return Flags.build(mask, lambda rows: ["致贫原因为因学，但家庭成员中无在校生"] * len(rows))


def _disability(data: CheckData) -> Flags:
    hh, p = data.households, data.persons
    disabled = data.members_any((p.health == DISABLED) & ~p.deceased)
    mask = hh.in_registry & hh.has_cause(DISABILITY) & ~disabled

    def why(rows: IntArray) -> list[str]:
        return ["致贫原因为因残，但家庭成员中无残疾人"] * len(rows)

    return Flags.build(mask, why)


RULES = (
    Rule(
        id="causes.illness_no_sick",
        title="致贫原因为因病，但无患病成员",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_illness,
    ),
    Rule(
        id="causes.schooling_no_student",
        title="致贫原因为因学，但无在校生",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_schooling,
    ),
    Rule(
        id="causes.disability_no_disabled",
        title="致贫原因为因残，但无残疾成员",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_disability,
    ),
)
