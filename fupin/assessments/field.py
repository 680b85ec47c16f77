"""The offline field survey: the enumerator's page, its data bootstrap, the service worker, and the
endpoints a device sends questionnaires, suspected problems and their photos and recordings to
(idempotent, scoped to the user's team households)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from fupin.assessments.models import (
    Campaign,
    Enumerator,
    EvidenceKind,
    Problem,
    Questionnaire,
    Submission,
    Team,
)
from fupin.assessments.selectors import EVALUATION_STATUSES, campaigns_for
from fupin.assessments.services import (
    CONFLICT_MESSAGE,
    PROBLEM_CONFLICT_MESSAGE,
    AssessmentError,
    assessed_counties,
    assignment_current,
    enumerator_team_for,
    evidence_receive,
    problem_raise_once,
    questionnaire_current,
    submission_receive,
)
from fupin.assessments.services.cadre_survey import may_enter, survey_applies
from fupin.assessments.services.proposals import proposal_standard, proposal_target
from fupin.assessments.services.surveys import applicable_sections, questionnaire_for
from fupin.registry.models import Household, Person, Relation
from fupin.registry.selectors import households_for

# What the service worker keeps for offline use: the static part (cache-first) and the pages
# (network-first). Paths relative to the static root.
STATIC_SHELL = ("fupin/field/outbox.js", "fupin/field/app.js", "fupin/field/field.css")
SW_SOURCE = "fupin/field/sw.js"
PHOTO_MAX_BYTES = 15 * 1024 * 1024
PAYLOAD_KEYS = ("household_no", "questionnaire_version", "answers", "started_at", "finished_at")

NOT_LOGGED_IN = "登录已过期或尚未登录，请联网后重新登录"
NOT_ENUMERATOR = "当前账号不是调查员，不能提交入户调查问卷"
CAMPAIGN_REFUSED = "该考核任务不在您的调查任务中，或已不在实地调查阶段，问卷未保存"
HOUSEHOLD_REFUSED = "不在您所在小组的调查任务中，问卷未保存"
SUBMISSION_MISSING = "没有这份问卷，或它不是您提交的、所属任务已结束，照片未保存"
PROBLEM_MISSING = "没有这条疑点问题，或它不是您提出的，照片或录音未保存"
PROBLEM_HOUSEHOLD_REFUSED = "不在您所在小组的调查任务中，疑点问题未保存"


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _enumerator(user: Any) -> Enumerator | None:
    if not user.is_authenticated:
        return None
    return Enumerator.objects.filter(user=user).first()


def _refusal_for_user(request: HttpRequest) -> tuple[Enumerator | None, JsonResponse | None]:
    """(enumerator, None) for a logged-in enumerator, else (None, the JSON refusal): API views
    answer 401 rather than redirect, so that a device never takes the login page for a reply."""
    if not request.user.is_authenticated:
        return None, _error(401, NOT_LOGGED_IN)
    enumerator = _enumerator(request.user)
    if enumerator is None:
        return None, _error(403, NOT_ENUMERATOR)
    return enumerator, None


# --- the page, its data and the service worker ---------------------------------------------------


@never_cache
@ensure_csrf_cookie
@login_required
@require_GET
def field_page(request: HttpRequest) -> HttpResponse:
    """The app shell: the same for every household; the data comes from bootstrap.json."""
    return render(
        request,
        "assessments/field/index.html",
        {
            "bootstrap_url": "/field/bootstrap.json",
        },
    )


def _campaign_households(user: Any, enumerator: Enumerator, campaign: Campaign) -> list[Household]:
    run = assignment_current(campaign, "team")
    if run is None:
        return []
    teams = Team.objects.filter(campaign=campaign).filter(
        Q(experienced_member=enumerator) | Q(new_member=enumerator)
    )
    assigned = run.team_households.filter(team__in=teams).values("household_id")
    heads = Prefetch(
        "members", queryset=Person.objects.filter(relation=Relation.HEAD), to_attr="heads"
    )
    return list(
        households_for(user)
        .filter(pk__in=assigned)
        .select_related("village__parent")
        .prefetch_related(heads)
        .order_by("village__code", "household_no")
    )


def _household_row(household: Household, schema: dict[str, Any]) -> dict[str, Any]:
    heads: list[Person] = getattr(household, "heads", [])
    head = heads[0] if heads else None
    village = household.village
    township = village.parent.name if village.parent is not None else ""
    return {
        "household_no": household.household_no,
        "head": head.name if head else "",
        "masked_id": head.masked_id if head else "",
        "village": f"{township}{village.name}",
        "registered": household.registered,
        "sections": [s["code"] for s in applicable_sections(schema, household)],
        # Which suspected problem a failed rule proposes for this household (its status).
        "proposes": proposal_target(
            registered=household.registered, status=household.status
        ).as_json(),
    }


def _cadre_survey_links(user: Any, campaign: Campaign) -> list[dict[str, str]]:
    """The counties whose cadres' satisfaction survey the user may enter (a county exit's)."""
    if not survey_applies(campaign):
        return []
    return [
        {
            "county": county.name,
            "url": reverse("assessments:cadre_survey", args=[campaign.pk, county.code]),
        }
        for county in assessed_counties(campaign)
        if may_enter(user, campaign, county)
    ]


def questionnaire_json(questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "version": questionnaire.version,
        "title": questionnaire.title,
        "sections": questionnaire.schema["sections"],
    }


def field_campaigns(
    user: Any, enumerator: Enumerator, questionnaires: dict[int, Questionnaire] | None = None
) -> list[dict[str, Any]]:
    """The enumerator's campaigns in the field, each with the team's households as the phone shows
    them: what bootstrap.json and `GET /api/field/assignments/` both answer. Each campaign keeps
    the questionnaire version it went to the field with (`questionnaire_for`); the households'
    sections are that version's. `questionnaires`, when given, collects the versions used."""
    campaigns: list[dict[str, Any]] = []
    visible = campaigns_for(user).filter(status__in=EVALUATION_STATUSES).order_by("-year", "id")
    for campaign in visible:
        households = _campaign_households(user, enumerator, campaign)
        if not households:
            continue
        questionnaire = questionnaire_for(campaign)
        if questionnaires is not None:
            questionnaires[questionnaire.version] = questionnaire
        campaigns.append(
            {
                "id": campaign.pk,
                "name": campaign.name,
                "status": campaign.status,
                "status_label": campaign.get_status_display(),
                "questionnaire_version": questionnaire.version,
                "cadre_survey": _cadre_survey_links(user, campaign),
                "proposals": proposal_standard(campaign.year).as_json(),
                "households": [_household_row(h, questionnaire.schema) for h in households],
            }
        )
    return campaigns


@never_cache
@ensure_csrf_cookie
@require_GET
def bootstrap(request: HttpRequest) -> JsonResponse:
    """Everything the page needs offline: the questionnaires (`questionnaire` the newest, and
    `questionnaires` every version a campaign in the list uses), the user's campaigns in the field
    and their assigned households (head's name, village, masked ID; nothing more)."""
    if not request.user.is_authenticated:
        return _error(401, NOT_LOGGED_IN)
    enumerator = _enumerator(request.user)
    questionnaire = questionnaire_current()
    used: dict[int, Questionnaire] = {}
    campaigns = field_campaigns(request.user, enumerator, used) if enumerator else []
    used.setdefault(questionnaire.version, questionnaire)
    return JsonResponse(
        {
            "username": request.user.get_username(),
            "enumerator": enumerator.name if enumerator else None,
            "message": "" if enumerator else NOT_ENUMERATOR,
            "generated_at": timezone.now().isoformat(),
            "questionnaire": questionnaire_json(questionnaire),
            "questionnaires": {str(v): questionnaire_json(q) for v, q in sorted(used.items())},
            "campaigns": campaigns,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _static_text(path: str) -> bytes:
    found = finders.find(path)
    if found:
        return Path(str(found)).read_bytes()
    with staticfiles_storage.open(path) as f:
        return f.read()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """sw.js with its precache list and a version derived from the shell's files, so that a new
    deployment installs a new worker (and drops the old caches)."""
    source = _static_text(SW_SOURCE)
    digest = hashlib.sha256(source)
    for path in STATIC_SHELL:
        digest.update(_static_text(path))
    config = {
        "version": digest.hexdigest()[:16],
        "pages": ["/field/", "/field/bootstrap.json"],
        "static": [static(p) for p in STATIC_SHELL],
    }
    body = f"const FIELD_CONFIG = {json.dumps(config)};\n".encode() + source
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/field/"
    response["Cache-Control"] = "no-cache"
    return response


# --- submissions and photos ------------------------------------------------------------------


def _submission_json(submission: Submission, created: bool) -> dict[str, Any]:
    return {
        "id": submission.pk,
        "client_id": str(submission.client_id),
        "household_no": submission.household.household_no,
        "received_at": submission.received_at.isoformat(),
        "created": created,
    }


@require_POST
def submission_create(request: HttpRequest) -> JsonResponse:
    """One questionnaire from the device: 201 stored, 200 the same again, 409 its id already used
    for other content, 403 not the user's to send, 400 invalid (the Chinese reason in `error`)."""
    enumerator, refusal = _refusal_for_user(request)
    if refusal is not None:
        return refusal
    assert enumerator is not None
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "提交内容不是有效的 JSON")
    if not isinstance(body, dict):
        return _error(400, "提交内容格式不正确")
    try:
        cid = uuid.UUID(str(body.get("client_id")))
    except ValueError:
        return _error(400, "提交编号格式不正确（须为 UUID）")
    payload: dict[str, Any] = {key: body.get(key) for key in PAYLOAD_KEYS}
    if body.get("gps") is not None:
        payload["gps"] = body["gps"]

    stored = Submission.objects.select_related("campaign").filter(client_id=cid).first()
    if stored is not None:
        # A retry: answered even when the campaign has left the field (it writes nothing), but
        # only to the enumerator who sent it, and only for the same campaign.
        same_campaign = str(body.get("campaign")) == str(stored.campaign_id)
        if stored.enumerator_id != enumerator.pk or not same_campaign:
            return _error(409, CONFLICT_MESSAGE)
        campaign = stored.campaign
    else:
        campaign_id = body.get("campaign")
        found = None
        if isinstance(campaign_id, int) or (isinstance(campaign_id, str) and campaign_id.isdigit()):
            found = (
                campaigns_for(request.user)
                .filter(status__in=EVALUATION_STATUSES)
                .filter(pk=int(campaign_id))
                .first()
            )
        if found is None:
            return _error(403, CAMPAIGN_REFUSED)
        campaign = found
        household = (
            households_for(request.user)
            .filter(household_no=str(payload.get("household_no") or ""))
            .first()
        )
        if household is None or enumerator_team_for(campaign, enumerator, household) is None:
            return _error(403, f"户 {payload.get('household_no')} {HOUSEHOLD_REFUSED}")
    try:
        submission, created = submission_receive(
            campaign=campaign,
            client_id=cid,
            payload=payload,
            enumerator=enumerator,
            user=request.user,
        )
    except AssessmentError as refused:
        message = str(refused)
        return _error(409 if message == CONFLICT_MESSAGE else 400, message)
    return JsonResponse(
        _submission_json(submission, created),
        status=201 if created else 200,
        json_dumps_params={"ensure_ascii": False},
    )


def _float(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        return None


@require_POST
def evidence_create(request: HttpRequest, client_id: uuid.UUID) -> JsonResponse:
    """A photo for one of the user's submissions (multipart: file, sha256, optional taken_at,
    gps_lat, gps_lon): 201 stored, 200 the same file again, 404 no such submission of theirs."""
    enumerator, refusal = _refusal_for_user(request)
    if refusal is not None:
        return refusal
    submission = Submission.objects.filter(
        client_id=client_id,
        enumerator=enumerator,
        household__in=households_for(request.user),
        campaign__in=campaigns_for(request.user),
    ).first()
    if submission is None:
        return _error(404, SUBMISSION_MISSING)
    upload = request.FILES.get("file")
    if upload is None:
        return _error(400, "缺少照片文件")
    if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
        return _error(400, f"照片超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB，未保存")
    if not (upload.content_type or "").startswith("image/"):
        return _error(400, "只接收照片（图像文件）")
    taken = parse_datetime(request.POST.get("taken_at", "") or "")
    if taken is not None and timezone.is_naive(taken):
        taken = None
    try:
        evidence, created = evidence_receive(
            owner=submission,
            kind=EvidenceKind.PHOTO,
            content=upload,
            sha256=request.POST.get("sha256", ""),
            filename=upload.name or "",
            gps_lat=_float(request.POST.get("gps_lat")),
            gps_lon=_float(request.POST.get("gps_lon")),
            taken_at=taken,
            user=request.user,
        )
    except AssessmentError as refused:
        return _error(400, str(refused))
    return JsonResponse(
        {
            "id": evidence.pk,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "created": created,
            "received_at": evidence.received_at.isoformat(),
        },
        status=201 if created else 200,
        json_dumps_params={"ensure_ascii": False},
    )


# --- suspected problems and their photos and recordings --------------------------------------

AUDIO_MAX_BYTES = 30 * 1024 * 1024


def _problem_json(problem: Problem, created: bool) -> dict[str, Any]:
    return {
        "id": problem.pk,
        "client_id": str(problem.client_id),
        "household_no": problem.household.household_no if problem.household else "",
        "kind": problem.kind,
        "kind_label": problem.get_kind_display(),
        "status_label": problem.get_status_display(),
        "raised_at": problem.raised_at.isoformat(),
        "created": created,
    }


def _campaign_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        number = int(value)
        return number if 0 < number < 2**63 else None
    return None


@require_POST
def problem_create(request: HttpRequest) -> JsonResponse:
    """One suspected problem from the device (JSON: client_id, campaign, household_no, kind,
    description, optional submission = the questionnaire's client id): 201 raised, 200 the same
    again, 409 its id already used for other content, 403 not the team's household, 400 invalid."""
    enumerator, refusal = _refusal_for_user(request)
    if refusal is not None:
        return refusal
    assert enumerator is not None
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "提交内容不是有效的 JSON")
    if not isinstance(body, dict):
        return _error(400, "提交内容格式不正确")
    try:
        cid = uuid.UUID(str(body.get("client_id")))
    except ValueError:
        return _error(400, "问题编号格式不正确（须为 UUID）")
    campaign_id = _campaign_id(body.get("campaign"))
    household_no = str(body.get("household_no") or "")
    stored = (
        Problem.objects.select_related("campaign").filter(campaign_id=campaign_id, client_id=cid)
        if campaign_id is not None
        else Problem.objects.none()
    ).first()
    if stored is not None:
        # A retry: answered even when the campaign has left the field (it writes nothing), but
        # only to the user who raised it; the service compares the content.
        found = Household.objects.filter(household_no=household_no).first()
        if stored.raised_by_id != request.user.pk or found is None:
            return _error(409, PROBLEM_CONFLICT_MESSAGE)
        campaign, household = stored.campaign, found
    else:
        campaign = (
            campaigns_for(request.user)
            .filter(status__in=EVALUATION_STATUSES, pk=campaign_id)
            .first()
            if campaign_id is not None
            else None
        )
        if campaign is None:
            return _error(403, "该考核任务不在您的调查任务中，或已不在实地调查阶段，疑点问题未保存")
        scoped = households_for(request.user).filter(household_no=household_no).first()
        if scoped is None or enumerator_team_for(campaign, enumerator, scoped) is None:
            return _error(403, f"户 {household_no} {PROBLEM_HOUSEHOLD_REFUSED}")
        household = scoped
    submission = None
    if body.get("submission") not in (None, ""):
        try:
            source = uuid.UUID(str(body["submission"]))
        except ValueError:
            return _error(400, "来源问卷编号格式不正确（须为 UUID）")
        submission = Submission.objects.filter(
            client_id=source, campaign=campaign, enumerator=enumerator
        ).first()
        if submission is None:
            return _error(400, "来源问卷尚未送达，或不是您提交的，疑点问题未保存")
    kind, description = body.get("kind"), body.get("description")
    if not isinstance(kind, str) or not isinstance(description, str):
        return _error(400, "请选择问题类型并填写问题描述")
    try:
        problem, created = problem_raise_once(
            campaign=campaign,
            client_id=cid,
            household=household,
            kind=kind,
            description=description,
            user=request.user,
            enumerator=enumerator,
            submission=submission,
        )
    except AssessmentError as refused:
        message = str(refused)
        return _error(409 if message == PROBLEM_CONFLICT_MESSAGE else 400, message)
    return JsonResponse(
        _problem_json(problem, created),
        status=201 if created else 200,
        json_dumps_params={"ensure_ascii": False},
    )


@require_POST
def problem_evidence_create(request: HttpRequest, client_id: uuid.UUID) -> JsonResponse:
    """A photo or a recording for one of the user's problems (multipart: file, sha256, optional
    taken_at, gps_lat, gps_lon): 201 stored, 200 the same file again, 404 no such problem."""
    enumerator, refusal = _refusal_for_user(request)
    if refusal is not None:
        return refusal
    problem = Problem.objects.filter(
        client_id=client_id,
        raised_by_id=request.user.pk,
        household__in=households_for(request.user),
        campaign__in=campaigns_for(request.user),
    ).first()
    if problem is None:
        return _error(404, PROBLEM_MISSING)
    upload = request.FILES.get("file")
    if upload is None:
        return _error(400, "缺少照片或录音文件")
    content_type = upload.content_type or ""
    if content_type.startswith("image/"):
        kind, limit, what = EvidenceKind.PHOTO, PHOTO_MAX_BYTES, "照片"
    elif content_type.startswith("audio/"):
        kind, limit, what = EvidenceKind.AUDIO, AUDIO_MAX_BYTES, "录音"
    else:
        return _error(400, "只接收照片（图像文件）或录音（音频文件）")
    if upload.size is not None and upload.size > limit:
        return _error(400, f"{what}超过 {limit // (1024 * 1024)} MB，未保存")
    taken = parse_datetime(request.POST.get("taken_at", "") or "")
    if taken is not None and timezone.is_naive(taken):
        taken = None
    try:
        evidence, created = evidence_receive(
            owner=problem,
            kind=kind,
            content=upload,
            sha256=request.POST.get("sha256", ""),
            filename=upload.name or "",
            gps_lat=_float(request.POST.get("gps_lat")),
            gps_lon=_float(request.POST.get("gps_lon")),
            taken_at=taken,
            user=request.user,
        )
    except AssessmentError as refused:
        return _error(400, str(refused))
    return JsonResponse(
        {
            "id": evidence.pk,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "kind_label": evidence.get_kind_display(),
            "created": created,
            "received_at": evidence.received_at.isoformat(),
        },
        status=201 if created else 200,
        json_dumps_params={"ensure_ascii": False},
    )
