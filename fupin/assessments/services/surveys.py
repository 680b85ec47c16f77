"""Receiving the field survey: questionnaire submissions (idempotent by client id) and evidence files.

Which campaign statuses accept a new submission: `fieldwork`, and `verification` only for a
questionnaire finished before the campaign left fieldwork (a device that was offline uploads
late). A re-survey after that needs the campaign moved back to fieldwork, which is recorded with
its reason. A retry of a stored submission is answered in any status, since it writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from fupin.accounts.audit import (
    actor_name,
    audit_entry,
    audit_record_many,
    real_user,
    sha256_json,
)
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import (
    Campaign,
    CampaignTransition,
    Enumerator,
    Evidence,
    EvidenceKind,
    Problem,
    ProblemExplanation,
    Questionnaire,
    Rectification,
    Submission,
    Team,
    UnannouncedFinding,
    evidence_storage,
)
from fupin.assessments.services.campaigns import campaign_entered
from fupin.assessments.services.common import AssessmentError, User
from fupin.assessments.services.evaluators import team_of_enumerator, teams_of_households
from fupin.assessments.workflows import CampaignStatus, ProblemStatus
from fupin.policy.text import FREE_TEXT_MAX, LINE_TEXT_MAX, text_problem
from fupin.registry.models import Household, Status
from fupin.rows import rows_insert

CONFLICT_MESSAGE = (
    "该提交编号已用于内容不同的问卷，本次提交未保存。"
    "如确需更正，请在设备上新建问卷（生成新的提交编号）后提交。"
)
CLOCK_SKEW = dt.timedelta(minutes=10)


# --- questionnaires ----------------------------------------------------------------------------


def questionnaire_current() -> Questionnaire:
    """The newest questionnaire: what a campaign that has not yet gone to the field will use."""
    q = Questionnaire.objects.order_by("-version").first()
    if q is None:
        raise AssessmentError("尚无问卷，请先运行数据库迁移")
    return q


def questionnaire_for(campaign: Campaign) -> Questionnaire:
    """The questionnaire the campaign's fieldwork uses: the newest one installed when it first
    entered fieldwork (a later version never changes a campaign already in the field); the newest
    one for a campaign that has not been to the field (or has no record of going)."""
    first = (
        CampaignTransition.objects.filter(campaign=campaign, to_status=CampaignStatus.FIELDWORK)
        .order_by("at", "id")
        .values_list("at", flat=True)
        .first()
    )
    if first is not None:
        found = Questionnaire.objects.filter(created_at__lte=first).order_by("-version").first()
        if found is not None:
            return found
    return questionnaire_current()


def _household_tags(household: Household) -> frozenset[str]:
    """Which sections' `applies_to` the household meets (registered, exited, non-registered in a
    poor village)."""
    tags = {"all"}
    if household.registered:
        tags.add("registered")
        if household.status == Status.EXITED:
            tags.add("exited")
    elif household.village.is_poor_village:
        tags.add("non_registered_poor_village")
    return frozenset(tags)


def applicable_sections(schema: Mapping[str, Any], household: Household) -> list[dict[str, Any]]:
    """The sections that apply to this household (registered, exited, non-registered in a poor village)."""
    tags = _household_tags(household)
    return [s for s in schema["sections"] if s.get("applies_to", "all") in tags]


class SchemaQuestions:
    """A questionnaire version's question codes, and the questions that apply to each kind of
    household: what checking a set of answers reads, worked out once for a batch of them."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.every = frozenset(q["code"] for s in schema["sections"] for q in s["questions"])
        self.choices = {
            q["code"]: frozenset(c["code"] for c in q.get("choices", []))
            for s in schema["sections"]
            for q in s["questions"]
            if q["type"] == "choice"
        }
        self._applicable: dict[frozenset[str], dict[str, Mapping[str, Any]]] = {}
        self._texts: dict[tuple[str, str], str | None] = {}

    def text_problem(self, code: str, q: Mapping[str, Any], value: str) -> str | None:
        """`text_problem` of a free-text answer to question `code`, each short answer checked
        once for the batch (the same choices and notes recur in household after household)."""
        key = (code, value)
        try:
            return self._texts[key]
        except KeyError:
            pass
        found = text_problem(
            value, max_length=FREE_TEXT_MAX, multiline=True, field=f"{q['text']}（{code}）"
        )
        if len(value) <= LINE_TEXT_MAX and len(self._texts) < 100_000:
            self._texts[key] = found
        return found

    def applicable(self, household: Household) -> dict[str, Mapping[str, Any]]:
        """Code → question, of the sections that apply to the household, in the version's order."""
        tags = _household_tags(household)
        found = self._applicable.get(tags)
        if found is None:
            found = {
                q["code"]: q
                for s in self.schema["sections"]
                if s.get("applies_to", "all") in tags
                for q in s["questions"]
            }
            self._applicable[tags] = found
        return found


def _type_ok(q: Mapping[str, Any], value: object, choices: frozenset[str] | None = None) -> bool:
    """Whether `value` has the question's type; `choices`: the choice codes, if known."""
    kind = q["type"]
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "choice":
        return value in (
            choices if choices is not None else {c["code"] for c in q.get("choices", [])}
        )
    return isinstance(value, str)


def _required(q: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Whether the question must be answered: `required`, or `required_if` {question, equals}
    and that question's answer is `equals` (e.g. 不满意的原因 after 不满意)."""
    rule = q.get("required_if")
    if rule:
        return answers.get(rule["question"]) == rule["equals"]
    return bool(q.get("required"))


def _missing_message(q: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]) -> str:
    rule = q.get("required_if")
    if rule and rule["question"] in questions:
        asked = questions[rule["question"]]
        chosen = next(
            (c["label"] for c in asked.get("choices", []) if c["code"] == rule["equals"]),
            rule["equals"],
        )
        return f"“{asked['text']}”选择“{chosen}”，须填写{q['text']}（{q['code']}）"
    return f"未回答：{q['text']}（{q['code']}）"


def answers_errors(
    schema: Mapping[str, Any],
    answers: object,
    household: Household,
    *,
    questions_of: SchemaQuestions | None = None,
) -> list[str]:
    """What is wrong with a set of answers for this household (Chinese); empty when valid.
    A question with `required_if` is required only when the answer it names was given.
    `questions_of`: the schema's SchemaQuestions, for a caller checking many sets of answers."""
    if not isinstance(answers, dict):
        return ["答案须为问题编号到答案的对应表"]
    errors: list[str] = []
    index = questions_of if questions_of is not None else SchemaQuestions(schema)
    questions, every = index.applicable(household), index.every
    for code in sorted(set(answers) - every):
        errors.append(f"问卷中没有问题 {code}")
    for code in sorted((set(answers) & every) - set(questions)):
        errors.append(f"问题 {code} 不适用于该户")
    for code, q in questions.items():
        value = answers.get(code)
        if value is None or value == "" or (isinstance(value, str) and not value.strip()):
            if _required(q, answers):
                errors.append(_missing_message(q, questions))
        elif not _type_ok(q, value, index.choices.get(code)):
            errors.append(f"答案类型不符：{q['text']}（{code}）")
        elif isinstance(value, str) and (problem := index.text_problem(code, q, value)):
            errors.append(problem)
    return errors


def recognition_questions(schema: Mapping[str, Any], household: Household) -> list[str]:
    """The recognition choices (群众认可度) the questionnaire asks this household, in order."""
    return [
        q["code"]
        for s in applicable_sections(schema, household)
        if s["code"].startswith("recognition")
        for q in s["questions"]
        if q["type"] == "choice"
    ]


@dataclass(frozen=True)
class AnswerLine:
    """One answer as a person reads it: the question's text and the answer's label."""

    code: str
    question: str
    answer: str


@dataclass(frozen=True)
class AnswerSection:
    title: str
    lines: tuple[AnswerLine, ...]


def _shown(q: Mapping[str, Any], value: object) -> str:
    if value is None or value == "":
        return "（未填）"
    if q["type"] == "bool":
        return "是" if value is True else "否" if value is False else str(value)
    if q["type"] == "choice":
        return next((c["label"] for c in q.get("choices", []) if c["code"] == value), str(value))
    if q["type"] == "number" and isinstance(value, int | float):
        return f"{value:,.2f}"
    return str(value)


def answers_read(schema: Mapping[str, Any], answers: Mapping[str, Any]) -> list[AnswerSection]:
    """A submission's answers rendered against the questionnaire version it was given under: each
    section's answered questions in the version's order, with Chinese labels; an
    answer the version does not know is listed at the end rather than dropped."""
    out: list[AnswerSection] = []
    known: set[str] = set()
    for section in schema["sections"]:
        lines = []
        for q in section["questions"]:
            known.add(q["code"])
            if q["code"] in answers:
                lines.append(AnswerLine(q["code"], q["text"], _shown(q, answers.get(q["code"]))))
        if lines:
            out.append(AnswerSection(section["title"], tuple(lines)))
    extra = [AnswerLine(c, c, str(v)) for c, v in answers.items() if c not in known]
    if extra:
        out.append(AnswerSection("本版问卷中没有的答案", tuple(extra)))
    return out


# --- submissions -------------------------------------------------------------------------------


def payload_checksum(payload: Mapping[str, Any]) -> str:
    """sha256 of the payload as canonical JSON: the same content gives the same checksum."""
    return sha256_json(payload)


def _when(payload: Mapping[str, Any], key: str) -> dt.datetime:
    raw = payload.get(key)
    value = raw if isinstance(raw, dt.datetime) else parse_datetime(str(raw or ""))
    if value is None:
        raise AssessmentError(f"{'开始' if key == 'started_at' else '完成'}时间缺失或格式不正确")
    if timezone.is_naive(value):
        raise AssessmentError("时间须带时区")
    return value


def _gps(payload: Mapping[str, Any]) -> tuple[float | None, float | None, float | None]:
    gps = payload.get("gps")
    if gps is None:
        return None, None, None
    try:
        lat, lon = float(gps["lat"]), float(gps["lon"])
        acc = float(gps["accuracy"]) if gps.get("accuracy") is not None else None
    except (KeyError, TypeError, ValueError):
        raise AssessmentError("定位数据格式不正确") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (acc is not None and acc < 0):
        raise AssessmentError("定位数据超出范围")
    return lat, lon, acc


def _same(stored: Submission, *, campaign: Campaign, enumerator: Enumerator, checksum: str) -> bool:
    return (
        stored.payload_checksum == checksum
        and stored.campaign_id == campaign.pk
        and stored.enumerator_id == enumerator.pk
    )


@dataclass(frozen=True)
class SubmissionItem:
    """One questionnaire of a batch: what `submission_receive` takes for one."""

    client_id: uuid.UUID | str
    payload: Mapping[str, Any]
    enumerator: Enumerator
    user: User | None = None


class SubmissionRefused(AssessmentError):
    """An item of a batch was refused (the message is what submission_receive says for it alone);
    nothing of the batch was written. `index` is the item's position in the batch."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def submission_receive(
    *,
    campaign: Campaign,
    client_id: uuid.UUID | str,
    payload: Mapping[str, Any],
    enumerator: Enumerator,
    user: User | None = None,
) -> tuple[Submission, bool]:
    """Store a questionnaire sent by a device, once: (submission, created).

    `payload`: household_no, questionnaire_version, answers, started_at, finished_at (ISO 8601
    with time zone) and optionally gps {lat, lon, accuracy}. The same client id with the same
    payload returns the stored submission and writes nothing; with a different payload it is
    refused (CONFLICT_MESSAGE) and nothing is written.
    """
    item = SubmissionItem(client_id=client_id, payload=payload, enumerator=enumerator, user=user)
    return submissions_receive(campaign=campaign, items=[item])[0]


def submissions_receive(
    *,
    campaign: Campaign,
    items: Iterable[SubmissionItem],
    now: dt.datetime | None = None,
) -> list[tuple[Submission, bool]]:
    """Store a batch of questionnaires, all or nothing: [(submission, created)] in item order.

    Each item is checked exactly as `submission_receive` checks one (same-id idempotency,
    conflicting ids, campaign status, timestamps, household, the enumerator's team assigned to the
    household, the submitting user, questionnaire and answers, GPS), in item order, as if the items
    came one after the other: an id repeated within the batch is answered as a retry of the first.
    The look-ups are made once per batch and the new submissions inserted together. The first item
    refused raises SubmissionRefused (its index, the single-item message) and nothing is written.
    `now`: the time of receipt, recorded and checked against finish times (default: the clock;
    the simulated run passes its own).
    """
    batch = list(items)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _receive_batch(campaign, batch, now)
        except IntegrityError:
            # Another request stored one of these client ids meanwhile: check the batch again,
            # that item now answered as a retry (or refused as a conflict).
            if attempt:
                raise
    raise AssertionError("unreachable")


def _client_uuid(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise AssessmentError("提交编号格式不正确（须为 UUID）") from None


# What checking a questionnaire reads of its household (`_household_tags`, the team's check, the
# messages) and what the submission and its audit row keep of it.
SUBMISSION_HOUSEHOLD_FIELDS = ("id", "household_no", "village", "registered", "status")


def households_by_number(
    numbers: Iterable[str], *, fields: Sequence[str] | None = None
) -> dict[str, Household]:
    """Household number → household, with its village: what `select_related("village")` gives,
    but each village read once (a sample is a few villages a county, a thousand households), the
    households of a village sharing it. `fields`: read only these and the household's id, number
    and village (a caller that needs little of the registry row, for tens of thousands of them;
    any other field is read when first used, as Django reads a deferred field); None: the whole
    row."""
    wanted = ("id", "household_no", "village", *fields) if fields is not None else ()
    rows = Household.objects.only(*dict.fromkeys(wanted)) if wanted else Household.objects
    households = rows.in_bulk(list(numbers), field_name="household_no")
    field = Household._meta.get_field("village")
    villages = field.related_model.objects.in_bulk({h.village_id for h in households.values()})
    for household in households.values():
        field.set_cached_value(household, villages.get(household.village_id))
    return households


class _BatchContext:
    """What the checks of a batch read from the database, each read once (lazily)."""

    def __init__(self, campaign: Campaign, batch: list[SubmissionItem]) -> None:
        self._campaign = campaign
        self._batch = batch
        self._locked: Campaign | None = None
        self._left_fieldwork: tuple[CampaignTransition | None] | None = None
        self._households: dict[str, Household] | None = None
        self._teams: dict[int, list[Team]] | None = None
        self._questionnaires: dict[object, Questionnaire | None] = {}
        self._questions: dict[object, SchemaQuestions] = {}

    def campaign(self) -> Campaign:
        """The campaign, locked for the rest of the transaction (as each single submission locks it)."""
        if self._locked is None:
            self._locked = Campaign.objects.select_for_update().get(pk=self._campaign.pk)
        return self._locked

    def left_fieldwork(self) -> CampaignTransition | None:
        if self._left_fieldwork is None:
            self._left_fieldwork = (campaign_entered(self.campaign(), CampaignStatus.VERIFICATION),)
        return self._left_fieldwork[0]

    def household(self, household_no: str) -> Household | None:
        if self._households is None:
            numbers = sorted({str(item.payload.get("household_no", "")) for item in self._batch})
            self._households = households_by_number(numbers, fields=SUBMISSION_HOUSEHOLD_FIELDS)
        return self._households.get(household_no)

    def teams(self, household: Household) -> list[Team]:
        if self._teams is None:
            assert self._households is not None
            self._teams = teams_of_households(
                self.campaign(), (h.pk for h in self._households.values())
            )
        return self._teams.get(household.pk, [])

    def questions(self, questionnaire: Questionnaire) -> SchemaQuestions:
        """The questionnaire's questions, indexed once for the batch."""
        found = self._questions.get(questionnaire.pk)
        if found is None:
            found = self._questions[questionnaire.pk] = SchemaQuestions(questionnaire.schema)
        return found

    def questionnaire(self, version: object) -> Questionnaire | None:
        try:
            return self._questionnaires[version]
        except TypeError:  # not hashable: ask the database as it is
            return Questionnaire.objects.filter(version=version).first()
        except KeyError:
            found = Questionnaire.objects.filter(version=version).first()
            self._questionnaires[version] = found
            return found


def _receive_batch(
    campaign: Campaign, batch: list[SubmissionItem], now: dt.datetime | None = None
) -> list[tuple[Submission, bool]]:
    cids: list[uuid.UUID | AssessmentError] = []
    for item in batch:
        try:
            cids.append(_client_uuid(item.client_id))
        except AssessmentError as bad:
            cids.append(bad)  # refused when its turn comes
    known = [c for c in cids if isinstance(c, uuid.UUID)]
    stored: dict[uuid.UUID, Submission] = {}
    step = 500
    for start in range(0, len(known), step):
        stored.update(
            (s.client_id, s)
            for s in Submission.objects.filter(client_id__in=known[start : start + step])
        )
    context = _BatchContext(campaign, batch)
    results: list[tuple[Submission, bool]] = []
    new: list[Submission] = []
    new_items: list[SubmissionItem] = []
    for index, (item, cid) in enumerate(zip(batch, cids, strict=True)):
        try:
            if isinstance(cid, AssessmentError):
                raise cid
            checksum = payload_checksum(item.payload)
            previous = stored.get(cid)
            if previous is not None:
                if _same(
                    previous, campaign=campaign, enumerator=item.enumerator, checksum=checksum
                ):
                    results.append((previous, False))
                    continue
                raise AssessmentError(CONFLICT_MESSAGE)
            submission = _submission_checked(
                context, item=item, cid=cid, checksum=checksum, now=now
            )
        except AssessmentError as refused:
            raise SubmissionRefused(str(refused), index) from None
        stored[cid] = submission
        new.append(submission)
        new_items.append(item)
        results.append((submission, True))
    if new:
        rows_insert(new, key="client_id")
        audit_record_many(
            _submission_audit(s, item, now) for s, item in zip(new, new_items, strict=True)
        )
    return results


def _submission_audit(
    submission: Submission, item: SubmissionItem, now: dt.datetime | None = None
) -> AuditEntry:
    """The audit row of a received questionnaire: who sent it for which household, when it was
    filled in; the answers stay in the submission (the row counts them and keeps the checksum)."""
    return audit_entry(
        actor=item.user,
        actor_label="" if item.user is not None else item.enumerator.name,
        action=AuditEntry.Action.SUBMIT,
        obj=submission,
        household=submission.household,
        after={
            "enumerator": item.enumerator.name,
            "questionnaire": submission.questionnaire.version,
            "answers": len(submission.answers or {}),
            "finished_at": submission.finished_at.isoformat(),
            "client_id": str(submission.client_id),
            "payload_checksum": submission.payload_checksum,
        },
        reason=f"入户调查问卷（任务 {submission.campaign_id}）",
        now=now,
    )


def _submission_checked(
    context: _BatchContext,
    *,
    item: SubmissionItem,
    cid: uuid.UUID,
    checksum: str,
    now: dt.datetime | None = None,
) -> Submission:
    """A new submission after every check of one item, not yet saved."""
    payload, enumerator, user = item.payload, item.enumerator, item.user
    campaign = context.campaign()
    started, finished = _when(payload, "started_at"), _when(payload, "finished_at")
    if finished < started:
        raise AssessmentError("完成时间早于开始时间")
    if finished > (now or timezone.now()) + CLOCK_SKEW:
        raise AssessmentError("完成时间在未来，请检查设备时间")
    if campaign.status == CampaignStatus.VERIFICATION:
        left = context.left_fieldwork()
        if left is None or finished > left.at:
            raise AssessmentError("实地调查已结束，只接收结束前完成、因离线延迟上传的问卷")
    elif campaign.status != CampaignStatus.FIELDWORK:
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，不接收入户调查问卷"
        )
    household = context.household(str(payload.get("household_no", "")))
    if household is None:
        raise AssessmentError(f"户编号 {payload.get('household_no')} 不存在")
    team = team_of_enumerator(context.teams(household), enumerator)
    if team is None:
        raise AssessmentError(
            f"调查员{enumerator.name}所在小组未被分派调查户 {household.household_no}，不能提交该户问卷"
        )
    if user is not None and enumerator.user_id is not None and enumerator.user_id != user.pk:
        raise AssessmentError("只能以本人身份提交问卷")
    questionnaire = context.questionnaire(payload.get("questionnaire_version"))
    if questionnaire is None:
        raise AssessmentError(f"问卷版本 {payload.get('questionnaire_version')} 不存在")
    answers = payload.get("answers")
    errors = answers_errors(
        questionnaire.schema, answers, household, questions_of=context.questions(questionnaire)
    )
    if errors:
        shown = "；".join(errors[:10]) + (f"；等共 {len(errors)} 处" if len(errors) > 10 else "")
        raise AssessmentError(f"问卷内容有误，未保存：{shown}")
    lat, lon, acc = _gps(payload)
    return Submission(
        campaign=campaign,
        household=household,
        questionnaire=questionnaire,
        client_id=cid,
        answers=answers,
        payload_checksum=checksum,
        enumerator=enumerator,
        team=team,
        gps_lat=lat,
        gps_lon=lon,
        gps_accuracy=acc,
        started_at=started,
        finished_at=finished,
        received_at=now or timezone.now(),
    )


# --- evidence ----------------------------------------------------------------------------------

Owner = Submission | Problem | ProblemExplanation | UnannouncedFinding | Rectification
_OWNER_FIELD: dict[type, str] = {
    Submission: "submission",
    Problem: "problem",
    ProblemExplanation: "explanation",
    UnannouncedFinding: "finding",
    Rectification: "rectification",
}
_CHUNK = 1 << 20


def _read(content: bytes | IO[bytes]) -> bytes:
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    parts = []
    while chunk := content.read(_CHUNK):
        parts.append(chunk)
    return b"".join(parts)


@transaction.atomic
def evidence_receive(
    *,
    owner: Owner,
    kind: str,
    content: bytes | IO[bytes],
    sha256: str,
    filename: str = "",
    gps_lat: float | None = None,
    gps_lon: float | None = None,
    taken_at: dt.datetime | None = None,
    actor: str = "",
    user: User | None = None,
    now: dt.datetime | None = None,
) -> tuple[Evidence, bool]:
    """Store an evidence file for one record after checking its sha256: (evidence, created).

    The same file (same checksum) for the same record again returns the stored one. Files are
    kept once by checksum under FUPIN_DATA_DIR/evidence, whichever records they belong to.
    `now`: the time of receipt, recorded and checked against an explanation's window (default:
    the clock; the simulated run passes its own).
    """
    if kind not in EvidenceKind.values:
        raise AssessmentError(f"未知的证据类型：{kind}")
    field = _OWNER_FIELD.get(type(owner))
    if field is None:
        raise AssessmentError("证据材料须附于问卷、问题、地方说明、暗访发现或整改事项之一")
    if isinstance(owner, ProblemExplanation):
        problem = Problem.objects.get(pk=owner.problem_id)  # fresh: the window may have closed
        if problem.status != ProblemStatus.EXPLAINING or (
            problem.explain_until is not None and (now or timezone.now()) > problem.explain_until
        ):
            raise AssessmentError("地方说明期已过，不能再补充材料")
    data = _read(content)
    declared = sha256.strip().lower()
    actual = hashlib.sha256(data).hexdigest()
    if declared != actual:
        raise AssessmentError(
            f"文件校验值不符（声明 {declared[:12]}…，收到 {actual[:12]}…），"
            "文件可能在传输中损坏，未保存，请重新上传"
        )
    stored = Evidence.objects.filter(sha256=actual, **{field: owner}).first()
    if stored is not None:
        return stored, False
    suffix = PurePath(filename).suffix.lower()[:10] if filename else ""
    name = f"{actual[:2]}/{actual}{suffix}"
    if not evidence_storage.exists(name):
        name = evidence_storage.save(name, ContentFile(data))
    evidence = Evidence(
        kind=kind,
        original_name=PurePath(filename).name[:200] if filename else "",
        sha256=actual,
        size=len(data),
        gps_lat=gps_lat,
        gps_lon=gps_lon,
        taken_at=taken_at,
        uploaded_by=real_user(user),
        actor=actor_name(user, actor),
        received_at=now or timezone.now(),
        **{field: owner},
    )
    evidence.file.name = name
    evidence.save()
    return evidence, True


@dataclass(frozen=True)
class EvidenceItem:
    """One evidence file of a batch: what `evidence_receive` takes for one."""

    owner: Owner
    kind: str
    content: bytes | IO[bytes]
    sha256: str
    filename: str = ""
    gps_lat: float | None = None
    gps_lon: float | None = None
    taken_at: dt.datetime | None = None
    actor: str = ""
    user: User | None = None


class EvidenceRefused(AssessmentError):
    """An item of a batch was refused (the message is what evidence_receive says for it alone);
    nothing of the batch was recorded. `index` is the item's position in the batch."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


@transaction.atomic
def evidence_receive_many(
    items: Iterable[EvidenceItem], *, now: dt.datetime | None = None
) -> list[tuple[Evidence, bool]]:
    """Store a batch of evidence files, all or nothing: [(evidence, created)] in item order.

    Each item is checked exactly as `evidence_receive` checks one (kind, owner, an explanation's
    window, the checksum), in item order, as if the items came one after the other (the same file
    for the same record twice is stored once); the records already holding these files and the
    explanations' problems are read once per batch and the new rows inserted together. The first
    item refused raises EvidenceRefused (its index, the single-item message)."""
    batch = list(items)
    if not batch:
        return []
    at = now or timezone.now()
    explained = {
        p.pk: p
        for p in Problem.objects.filter(
            pk__in={i.owner.problem_id for i in batch if isinstance(i.owner, ProblemExplanation)}
        )
    }
    held: dict[tuple[str, object, str], Evidence] = {}
    for field in {_OWNER_FIELD.get(type(i.owner)) for i in batch} - {None}:
        owners = {i.owner.pk for i in batch if _OWNER_FIELD.get(type(i.owner)) == field}
        rows = Evidence.objects.filter(
            **{f"{field}_id__in": owners}, sha256__in={i.sha256.strip().lower() for i in batch}
        ).order_by("id")
        for e in rows:
            held.setdefault((str(field), getattr(e, f"{field}_id"), e.sha256), e)
    out: list[tuple[Evidence, bool]] = []
    new: list[Evidence] = []
    for index, item in enumerate(batch):
        owner = item.owner
        try:
            if item.kind not in EvidenceKind.values:
                raise AssessmentError(f"未知的证据类型：{item.kind}")
            field = _OWNER_FIELD.get(type(owner))
            if field is None:
                raise AssessmentError("证据材料须附于问卷、问题、地方说明、暗访发现或整改事项之一")
            if isinstance(owner, ProblemExplanation):
                problem = explained[owner.problem_id]
                if problem.status != ProblemStatus.EXPLAINING or (
                    problem.explain_until is not None and at > problem.explain_until
                ):
                    raise AssessmentError("地方说明期已过，不能再补充材料")
            data = _read(item.content)
            declared = item.sha256.strip().lower()
            actual = hashlib.sha256(data).hexdigest()
            if declared != actual:
                raise AssessmentError(
                    f"文件校验值不符（声明 {declared[:12]}…，收到 {actual[:12]}…），"
                    "文件可能在传输中损坏，未保存，请重新上传"
                )
        except AssessmentError as refused:
            raise EvidenceRefused(str(refused), index) from None
        key = (field, owner.pk, actual)
        if key in held:
            out.append((held[key], False))
            continue
        suffix = PurePath(item.filename).suffix.lower()[:10] if item.filename else ""
        name = f"{actual[:2]}/{actual}{suffix}"
        if not evidence_storage.exists(name):
            name = evidence_storage.save(name, ContentFile(data))
        evidence = Evidence(
            kind=item.kind,
            original_name=PurePath(item.filename).name[:200] if item.filename else "",
            sha256=actual,
            size=len(data),
            gps_lat=item.gps_lat,
            gps_lon=item.gps_lon,
            taken_at=item.taken_at,
            uploaded_by=real_user(item.user),
            actor=actor_name(item.user, item.actor),
            received_at=at,
            **{field: owner},
        )
        evidence.file.name = name
        held[key] = evidence
        new.append(evidence)
        out.append((evidence, True))
    Evidence.objects.bulk_create(new)
    return out
