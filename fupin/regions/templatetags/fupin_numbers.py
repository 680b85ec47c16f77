"""One way to show numbers on every page and chart: rates as percentages, counts and amounts
without needless decimals. `{% load fupin_numbers %}`, then `{{ rate|percent }}` or
`{{ count|number }}`, `{{ amount|money }}`; views and chart data call `percent_text` / `number_text` directly."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()

DASH = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def percent_text(value: Any, digits: int = 2) -> str:
    """A share (0.0122) as a percentage ("1.22%"); nothing known → "—"."""
    d = _decimal(value)
    if d is None:
        return DASH
    return f"{d * 100:,.{digits}f}%"


def number_text(value: Any, digits: int = 2) -> str:
    """A count or amount with thousands separators and at most `digits` decimals, trailing
    zeros dropped: 5.00 → "5", 1234.50 → "1,234.5"; nothing known → "—"."""
    d = _decimal(value)
    if d is None:
        return DASH
    text = f"{d:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money_text(value: Any) -> str:
    """An amount of money: whole yuan without decimals, otherwise always with its cents, with
    thousands separators: 670000.5 → "670,000.50", 1200 → "1,200"; nothing known → "—"."""
    d = _decimal(value)
    if d is None:
        return DASH
    cents = d.quantize(Decimal("0.01"))
    if cents == cents.to_integral_value():
        return f"{cents:,.0f}"
    return f"{cents:,.2f}"


@register.filter
def money(value: Any) -> str:
    return money_text(value)


@register.filter
def percent(value: Any, digits: int = 2) -> str:
    return percent_text(value, int(digits))


@register.filter
def number(value: Any, digits: int = 2) -> str:
    return number_text(value, int(digits))
