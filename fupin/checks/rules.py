"""The registry of rules: every family's rules in one tuple, looked up by id."""

from __future__ import annotations

from fupin.checks import causes, exits, guarantees, identification, income, ledgers, members
from fupin.checks.rule import Rule

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
