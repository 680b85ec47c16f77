"""Reading policy-table rows from plain mappings (database rows, JSON, CSV) with clear errors."""

from __future__ import annotations

import math
from collections.abc import Mapping

from fupin.policy.errors import PolicyTableError


def _get(row: Mapping[str, object], key: str, where: str) -> object:
    if key not in row or row[key] is None or row[key] == "":
        raise PolicyTableError(f"{where}: missing {key!r}")
    return row[key]


def get_int(row: Mapping[str, object], key: str, where: str) -> int:
    value = _get(row, key, where)
    if isinstance(value, bool):
        raise PolicyTableError(f"{where}: {key!r} must be a whole number, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PolicyTableError(f"{where}: {key!r} must be a whole number, got {value!r}") from None
    if not number.is_integer():
        raise PolicyTableError(f"{where}: {key!r} must be a whole number, got {value!r}")
    return int(number)


def get_float(row: Mapping[str, object], key: str, where: str) -> float:
    value = _get(row, key, where)
    if isinstance(value, bool):
        raise PolicyTableError(f"{where}: {key!r} must be a number, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PolicyTableError(f"{where}: {key!r} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise PolicyTableError(f"{where}: {key!r} must be finite, got {value!r}")
    return number


def get_str(row: Mapping[str, object], key: str, where: str) -> str:
    return str(_get(row, key, where)).strip()


def get_optional_str(row: Mapping[str, object], key: str, default: str = "") -> str:
    value = row.get(key)
    return default if value is None else str(value).strip()


def get_bool(row: Mapping[str, object], key: str, where: str, default: bool) -> bool:
    value = row.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "是"}:
        return True
    if text in {"0", "false", "no", "n", "否"}:
        return False
    raise PolicyTableError(f"{where}: {key!r} must be true or false, got {value!r}")
