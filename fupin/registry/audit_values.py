"""How the audit page names values the registry does not know: the keys of other apps' audit
rows that are not fields of their model, and the codes nested in their values.

An app above the registry (assessments, exits…) registers its keys from its AppConfig.ready
(`audit_value_source`, the pattern of `accounts.scoping.scope_source`), so that the registry,
which shows every audit row, imports no app above it. `value_text` writes any stored value in
Chinese: booleans as 是/否, codes by their labels, a mapping as "名称：值" pairs, a list as its
items; never a raw code, a JSON literal or a database id where a name is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Codes = Mapping[str, str]


@dataclass(frozen=True)
class AuditValue:
    """One key of an app's audit values: its Chinese name (`label`), the labels of the codes in
    its value (a mapping's keys and values, a list's items, a string: `codes`), or a function
    that writes the value itself (`name`, e.g. a person's name for an id)."""

    label: str
    codes: Codes = field(default_factory=dict)
    name: Callable[[Any], str] | None = None


_VALUES: dict[tuple[str, str], AuditValue] = {}


def codes_of(*choices: Any) -> dict[str, str]:
    """{code: label} from TextChoices classes or mappings (the later win)."""
    out: dict[str, str] = {}
    for c in choices:
        pairs: Iterable[tuple[Any, Any]] = c.items() if isinstance(c, Mapping) else c.choices
        out.update((str(code), str(label)) for code, label in pairs)
    return out


def audit_value_source(
    model: str,
    key: str,
    label: str,
    *choices: Any,
    name: Callable[[Any], str] | None = None,
) -> AuditValue:
    """Register how the audit page shows `key` of the audit rows about `model` (the model's
    class name, as AuditEntry.model stores it): its name, the choices whose codes its value
    holds, or a function `name` of the value. Called from an app's AppConfig.ready."""
    value = AuditValue(label=str(label), codes=codes_of(*choices), name=name)
    _VALUES[(model, key)] = value
    return value


def audit_value(model: str, key: str) -> AuditValue | None:
    """What is registered for `key` of `model`'s audit rows, if anything."""
    return _VALUES.get((model, key))


def value_text(value: Any, codes: Codes | None = None, keys: Codes | None = None) -> str:
    """A stored value in Chinese: None as "", booleans as 是/否, a code by its label (`codes`), a
    mapping as "名称：值" (keys named by `keys`, then `codes`), a list by its items."""
    codes = codes or {}
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return codes.get(value, value)
    if isinstance(value, Mapping):
        names = {**codes, **(keys or {})}
        return "；".join(
            f"{names.get(str(k), str(k))}：{value_text(v, codes, keys) or '—'}"
            for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return "、".join(value_text(v, codes, keys) for v in value)
    return str(value)
