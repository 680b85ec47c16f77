"""The assessments' audit values in Chinese: the keys of their audit rows that are not fields of
their model, and the codes nested in them (figures and verdicts, strata, people's ids), for the
registry's audit page (`fupin.registry.audit_values`; registered from AppConfig.ready)."""

from __future__ import annotations

from typing import Any

from fupin.registry.audit_values import audit_value_source, codes_of, value_text


def _enumerator(pk: Any) -> str:
    from fupin.assessments.models import Enumerator

    name = Enumerator.objects.filter(pk=pk).values_list("name", flat=True).first()
    return name or "（已删除的调查员）"


def _sampling(value: Any) -> str:
    from fupin.assessments.views.campaigns import SAMPLING_LABELS, STRATUM_LABELS

    return value_text(value, keys=codes_of(SAMPLING_LABELS, STRATUM_LABELS))


def audit_values_register() -> None:
    from fupin.assessments.models import AssessedFigure, DrawLevel, Verdict

    source = audit_value_source
    # Campaigns: their figures recorded (记录县级指标) and their settings.
    source("Campaign", "county", "县")
    source("Campaign", "figures", "各项指标", AssessedFigure, Verdict)
    source("Campaign", "inputs_checksum", "计算依据校验值")
    source("Campaign", "sampling", "抽样设置", name=_sampling)
    # A county's result: the figures for the 综合研判.
    source("CountyDecision", "straddling", "区间跨越阈值或样本不足的指标", AssessedFigure)
    source("CountyDecision", "by_figures", "逐项判定的结果", Verdict)
    source("Campaign", "replaced_rows", "重新计算替换的指标数")
    # Draws, teams and assignments.
    source("Draw", "items", "抽中单位数")
    source("Draw", "level", "抽样层级", DrawLevel)
    source("Team", "experienced", "老队员", name=_enumerator)
    source("Team", "new", "新队员", name=_enumerator)
    source("Assignment", "institutions", "机构分派（县数）")
    source("Assignment", "experts", "专家分派（人次）")
    source("Assignment", "teams", "调查户分派（户数）")
    # Evidence opened through a problem; feedback lists.
    source("Evidence", "problem", "问题编号")
    source("Evidence", "campaign", "任务编号")
    source("FeedbackList", "items_added", "新增事项数")
