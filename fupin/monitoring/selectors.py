"""Read-side queries for monitoring, every one scoped through `accounts.scoping`."""

from __future__ import annotations

import operator
from functools import reduce

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from fupin.accounts import scoping
from fupin.monitoring.models import (
    MonitoringObject,
    MonitoringReport,
    ReductionTarget,
    Training,
)
from fupin.regions.models import Level, Region
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household

AnyUser = AbstractBaseUser | AnonymousUser


def households_for(user: AnyUser) -> QuerySet[Household]:
    return registry_selectors.households_for(user)


def regions_for(user: AnyUser) -> QuerySet[Region]:
    return registry_selectors.regions_for(user)


def monitoring_objects_for(user: AnyUser) -> QuerySet[MonitoringObject]:
    """The monitoring objects of the households the user may see."""
    return MonitoringObject.objects.filter(household__in=households_for(user).values("pk"))


def monitoring_reports_for(user: AnyUser) -> QuerySet[MonitoringReport]:
    return MonitoringReport.objects.filter(household__in=households_for(user).values("pk"))


def counties_for(user: AnyUser) -> QuerySet[Region]:
    """Counties whose every household the user may see (signals are about a whole county): an
    office of the county or above. A cadre or an evaluator sees some households, not the county."""
    parts = [Q(code__startswith=p) for p in scoping.region_prefixes_for(user) if len(p) <= 6]
    if not parts:
        return Region.objects.none()
    return Region.objects.filter(reduce(operator.or_, parts), level=Level.COUNTY)


def exited_counties_for(user: AnyUser) -> QuerySet[Region]:
    """The exited poor counties (摘帽县) among the counties the user may see whole, by code."""
    return counties_for(user).filter(is_poor_county=True, exit_year__isnull=False).order_by("code")


def trainings_for(user: AnyUser) -> QuerySet[Training]:
    """Cadre trainings of the counties the user may see whole."""
    return Training.objects.filter(county__in=counties_for(user).values("pk"))


def reduction_targets_for(user: AnyUser) -> QuerySet[ReductionTarget]:
    return ReductionTarget.objects.filter(county__in=counties_for(user).values("pk"))
