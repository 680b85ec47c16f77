"""What fupin's own exit records say of a county's exit documents, for the procedure check of
五抽五查五看 (assessments.services.other_checks, below this app): registered in ExitsConfig.ready()."""

from __future__ import annotations

from fupin.exits.models import ExitCase, ExitStep
from fupin.exits.workflows import ExitKind, ExitStatus
from fupin.regions.models import Region

# The exit step that makes each document of the procedure (DOMAIN.md §5), by the status it reaches.
DOCUMENT_STEP = {
    "application": ExitStatus.PROPOSED,
    "city_review": ExitStatus.CITY_REVIEWED,
    "province_verification": ExitStatus.PROVINCE_VERIFIED,
    "notice": ExitStatus.IN_NOTICE,
    "announcement": ExitStatus.APPROVED,
}


def _line(step: ExitStep) -> str:
    text = f"{ExitStatus(step.to_status).label}：{step.date:%Y-%m-%d}，{step.actor}"
    if step.notice_start and step.notice_end:
        text += f"，公示期 {step.notice_start:%Y-%m-%d} 至 {step.notice_end:%Y-%m-%d}"
    if step.opinion:
        text += f"，意见：{step.opinion}"
    return text[:400]


def county_procedure_records(county: Region) -> dict[str, str]:
    """Document code → what the county's latest exit case records of it (absent when none)."""
    case = (
        ExitCase.objects.filter(kind=ExitKind.COUNTY, region=county)
        .exclude(status=ExitStatus.TERMINATED)
        .order_by("-year", "-id")
        .first()
    )
    if case is None:
        return {}
    found: dict[str, str] = {}
    steps = ExitStep.objects.filter(case=case).order_by("at", "id")
    for document, status in DOCUMENT_STEP.items():
        # The latest step reaching the status: after an objection the procedure is taken again.
        step = steps.filter(to_status=status).order_by("-at", "-id").first()
        if step is not None:
            found[document] = _line(step)
    return found


def register() -> None:
    from fupin.assessments.services.other_checks import procedure_record_source

    procedure_record_source(county_procedure_records)
