"""Number formatting shared by the Chinese explanations of the policy rules."""

from __future__ import annotations


def yuan(amount: float) -> str:
    """Whole yuan without decimals, otherwise two decimals: 2952 → "2952", 2650.5 → "2650.50"."""
    rounded = round(float(amount), 2)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.2f}"


def percent(share: float) -> str:
    """A share as a percentage with at most two decimals: 0.015 → "1.5%", 0.9 → "90%"."""
    text = f"{float(share) * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"
