"""The satisfaction survey of cadres and deputies for a county's exit (干部群众满意度, seed 004):
county, township and village cadres, 人大代表 and 县政协委员 asked whether they are satisfied with
the county's exit; one anonymous response per row, attached to a county of a campaign. Rows are
append-only: a mistaken entry is withdrawn by a recorded withdrawal, never changed or deleted."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models.base import AppendOnly
from fupin.assessments.models.campaigns import Campaign
from fupin.regions.models import Region


class CadreCategory(models.TextChoices):
    COUNTY_CADRE = "county_cadre", _("县级干部")
    TOWNSHIP_CADRE = "township_cadre", _("乡镇干部")
    VILLAGE_CADRE = "village_cadre", _("村干部")
    NPC_DEPUTY = "npc_deputy", _("人大代表")
    CPPCC_MEMBER = "cppcc_member", _("县政协委员")


class CadreAnswer(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    NOT_SATISFIED = "not_satisfied", _("不满意")
    UNCLEAR = "unclear", _("说不清")


# The answers that count as satisfied, as for the households' recognition (满意 or 基本满意).
SATISFIED_ANSWERS = frozenset({CadreAnswer.SATISFIED.value, CadreAnswer.BASICALLY.value})


class CadreResponse(AppendOnly):
    """One respondent's answer: their category, satisfied or not, the reason when not; no name."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="cadre_responses", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    category = models.CharField(_("受访者类别"), max_length=16, choices=CadreCategory.choices)
    answer = models.CharField(_("满意程度"), max_length=16, choices=CadreAnswer.choices)
    reason = models.TextField(_("不满意的原因"), blank=True)
    note = models.TextField(_("备注"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("干部群众满意度答卷")
        verbose_name_plural = _("干部群众满意度答卷")
        ordering = ["campaign_id", "county_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.county.name} {self.get_category_display()}：{self.get_answer_display()}"

    @property
    def withdrawn(self) -> CadreResponseWithdrawal | None:
        """The withdrawal of this response, if it was withdrawn."""
        try:
            return self.withdrawal  # type: ignore[no-any-return]
        except CadreResponseWithdrawal.DoesNotExist:
            return None


class CadreResponseWithdrawal(AppendOnly):
    """The recorded undoing of a mistaken response: who, when, why; the response stays readable."""

    response = models.OneToOneField(
        CadreResponse,
        on_delete=models.PROTECT,
        related_name="withdrawal",
        verbose_name=_("答卷"),
    )
    reason = models.TextField(_("撤回理由"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    at = models.DateTimeField(_("撤回时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("干部群众满意度答卷撤回")
        verbose_name_plural = _("干部群众满意度答卷撤回")


@dataclass(frozen=True)
class CadreShare:
    """One category's responses in force: how many, how many satisfied (满意 + 基本满意)."""

    category: str
    label: str
    responses: int
    satisfied: int
    not_satisfied: int

    @property
    def share(self) -> float | None:
        return self.satisfied / self.responses if self.responses else None


def cadre_shares(campaign: Campaign, county: Region) -> list[CadreShare]:
    """The satisfaction share per category of the county's responses in force (not withdrawn),
    every category listed in order, those without responses with a share of None."""
    counts: dict[str, list[int]] = {c.value: [0, 0, 0] for c in CadreCategory}
    rows = CadreResponse.objects.filter(
        campaign=campaign, county=county, withdrawal__isnull=True
    ).values_list("category", "answer")
    for category, answer in rows:
        c = counts.setdefault(category, [0, 0, 0])
        c[0] += 1
        c[1] += answer in SATISFIED_ANSWERS
        c[2] += answer == CadreAnswer.NOT_SATISFIED
    return [CadreShare(c.value, str(c.label), *counts[c.value]) for c in CadreCategory]
