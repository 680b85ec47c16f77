"""Survey statistics without Django: designs, selection, allocation, estimators and intervals."""

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
