"""The assistance audit rows' values in Chinese on the registry's audit page: the records the
help's rows point to (units, villages, pairings, teams, users) by name, never by database id
(`fupin.registry.audit_values`; registered from AssistanceConfig.ready)."""

from __future__ import annotations

from typing import Any

from fupin.registry.audit_values import audit_value_source


def _unit(pk: Any) -> str:
    from fupin.assistance.models import HelpingUnit

    return HelpingUnit.objects.filter(pk=pk).values_list("name", flat=True).first() or "—"


def _region(pk: Any) -> str:
    from fupin.regions.models import Region

    return Region.objects.filter(pk=pk).values_list("name", flat=True).first() or "—"


def _user(pk: Any) -> str:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=pk).first()
    return (user.get_full_name() or user.get_username()) if user is not None else "—"


def _village_pairing(pk: Any) -> str:
    from fupin.assistance.models import VillagePairing

    p = VillagePairing.objects.filter(pk=pk).select_related("unit", "village").first()
    return f"{p.unit.name} → {p.village.name}" if p is not None else "—"


def _team(pk: Any) -> str:
    from fupin.assistance.models import WorkTeam

    t = WorkTeam.objects.filter(pk=pk).select_related("village").first()
    return str(t) if t is not None else "—"


def _household(pk: Any) -> str:
    from fupin.registry.models import Household

    return Household.objects.filter(pk=pk).values_list("household_no", flat=True).first() or "—"


def audit_values_register() -> None:
    source = audit_value_source
    for model in ("VillagePairing", "HouseholdPairing", "WorkTeam", "Project"):
        source(model, "unit", "帮扶单位", name=_unit)
    for model in ("VillagePairing", "WorkTeam"):
        source(model, "village", "村", name=_region)
    source("HelpingUnit", "region", "所在区划", name=_region)
    source("Project", "region", "实施区划", name=_region)
    source("HouseholdPairing", "cadre", "帮扶责任人", name=_user)
    source("HouseholdPairing", "household", "帮扶户", name=_household)
    source("ProjectBeneficiary", "household", "受益户", name=_household)
    source("ReturnVisit", "pairing", "单位结对帮扶村", name=_village_pairing)
    source("ReturnVisit", "recorded_by", "记录人", name=_user)
    source("WorkTeamMember", "team", "工作队", name=_team)
    source("WorkTeamMember", "user", "用户", name=_user)
    source("WorkTeam", "members_left", "同日离队的队员")
