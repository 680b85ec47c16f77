"""The eight accuracies (平台8个准) as a rules engine over the registry's columns; pure, no Django."""

from fupin.checks.data import (
    CheckData,
    EventColumns,
    HouseholdColumns,
    LedgerColumns,
    PersonColumns,
    concat,
    encode,
    encode_causes,
    from_arrow,
)
from fupin.checks.rule import ACCURACIES, CheckResult, Flags, Rule, RuleResult
from fupin.checks.rules import BY_ID, RULES, rules_by_id, run_checks

__all__ = [
    "ACCURACIES",
    "BY_ID",
    "RULES",
    "CheckData",
    "CheckResult",
    "EventColumns",
    "Flags",
    "HouseholdColumns",
    "LedgerColumns",
    "PersonColumns",
    "Rule",
    "RuleResult",
    "concat",
    "encode",
    "encode_causes",
    "from_arrow",
    "rules_by_id",
    "run_checks",
]
