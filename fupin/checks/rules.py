"""The registry of rules: every family's rules in one tuple, looked up by id, and running them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fupin.checks import causes, exits, guarantees, identification, income, ledgers, members
from fupin.checks.data import CheckData
from fupin.checks.rule import NOT_RUN_NOTE, CheckResult, Rule, RuleResult

FAMILIES = (identification, members, causes, ledgers, guarantees, income, exits)
RULES: tuple[Rule, ...] = tuple(r for module in FAMILIES for r in module.RULES)
BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
if len(BY_ID) != len(RULES):
    raise RuntimeError("two rules share an id")


def rules_by_id(ids: list[str] | tuple[str, ...]) -> tuple[Rule, ...]:
    unknown = [i for i in ids if i not in BY_ID]
    if unknown:
        raise KeyError(f"unknown rule ids: {', '.join(unknown)}")
    return tuple(BY_ID[i] for i in ids)


def _text(values: npt.NDArray[Any]) -> tuple[str, ...]:
    return tuple(v.decode() if isinstance(v, bytes) else str(v) for v in values.tolist())


def run_checks(data: CheckData, rules: Sequence[Rule] | None = None) -> CheckResult:
    """Run `rules` (default: every registered rule) over `data`."""
    if rules is None:
        rules = RULES
    results = []
    for rule in rules:
        missing = rule.missing(data)
        if missing:
            results.append(
                RuleResult(
                    id=rule.id,
                    title=rule.title,
                    family=rule.family,
                    accuracy=rule.accuracy,
                    ran=False,
                    rows=np.zeros(0, np.int64),
                    household_no=(),
                    reasons=(),
                    note=f"{NOT_RUN_NOTE} ({', '.join(missing)})",
                )
            )
            continue
        start = time.perf_counter()
        flags = rule.evaluate(data)
        if flags.mask.shape != (len(data.households),):
            raise ValueError(f"rule {rule.id} returned a mask of shape {flags.mask.shape}")
        rows = np.flatnonzero(flags.mask).astype(np.int64)
        results.append(
            RuleResult(
                id=rule.id,
                title=rule.title,
                family=rule.family,
                accuracy=rule.accuracy,
                ran=True,
                rows=rows,
                household_no=_text(data.households.household_no[rows]),
                reasons=flags.reasons,
                seconds=time.perf_counter() - start,
            )
        )
    return CheckResult(rules=tuple(results), households=len(data.households))
