"""Admin pages for assessments: read-only for every record kept as evidence (draws, steps, submissions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fupin.assessments import models as m


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Records that are only appended, by the services: view them, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "year", "status"]
    list_filter = ["kind", "year", "status"]


@admin.register(m.Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "campaign",
        "level",
        "county",
        "method",
        "seed",
        "frame_size",
        "created_at",
    ]
    list_filter = ["level"]


@admin.register(m.Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ["id", "campaign", "county", "household", "kind", "status"]
    list_filter = ["kind", "status"]


@admin.register(m.CountyResult)
class CountyResultAdmin(ReadOnlyAdmin):
    list_display = [
        "campaign",
        "county",
        "figure",
        "estimate",
        "ci_low",
        "ci_high",
        "verdict",
        "clarity",
    ]
    list_filter = ["figure", "verdict", "clarity"]


for model in (
    m.CampaignTransition,
    m.DrawItem,
    m.Assignment,
    m.InstitutionCounty,
    m.ExpertCounty,
    m.TeamHousehold,
    m.Submission,
    m.Evidence,
    m.ProblemStep,
    m.ProblemExplanation,
    m.CountyDecision,
    m.RectificationStep,
    m.FeedbackList,
    m.FeedbackItem,
    m.Rectification,
    m.DepartmentReport,
    m.UnannouncedFinding,
):
    admin.site.register(model, ReadOnlyAdmin)

# Reference data that people maintain by hand.
for model in (m.Institution, m.Expert, m.Enumerator, m.Team, m.Questionnaire):
    admin.site.register(model)
