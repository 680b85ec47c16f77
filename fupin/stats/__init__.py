"""Survey statistics without Django: designs, selection, allocation, estimators and intervals.

The names below are loaded on first use (PEP 562), so that importing one light submodule
(`fupin.stats.selection` for a county draw) does not pull in SciPy through the estimators.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, for type checkers
    from fupin.stats import allocation, selection
    from fupin.stats.design import (
        LONELY_PSU_MODES,
        DesignError,
        LonelyPSU,
        LonelyPSUError,
        SurveyDesign,
        svydesign,
    )
    from fupin.stats.estimate import Estimate, Statistic
    from fupin.stats.estimators import by, mean, proportion, ratio, total
    from fupin.stats.intervals import CI_METHODS, CIMethod

_HOME = {
    "allocation": None,
    "selection": None,
    "LONELY_PSU_MODES": "design",
    "DesignError": "design",
    "LonelyPSU": "design",
    "LonelyPSUError": "design",
    "SurveyDesign": "design",
    "svydesign": "design",
    "Estimate": "estimate",
    "Statistic": "estimate",
    "by": "estimators",
    "mean": "estimators",
    "proportion": "estimators",
    "ratio": "estimators",
    "total": "estimators",
    "CI_METHODS": "intervals",
    "CIMethod": "intervals",
}

__all__ = [
    "CI_METHODS",
    "LONELY_PSU_MODES",
    "CIMethod",
    "DesignError",
    "Estimate",
    "LonelyPSU",
    "LonelyPSUError",
    "Statistic",
    "SurveyDesign",
    "by",
    "mean",
    "proportion",
    "ratio",
    "svydesign",
    "allocation",
    "selection",
    "total",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'fupin.stats' has no attribute {name!r}")
    module = _HOME[name]
    if module is None:
        return importlib.import_module(f"fupin.stats.{name}")
    return getattr(importlib.import_module(f"fupin.stats.{module}"), name)
