"""Exit pages: cases per region, a case's procedure, criteria and 3342 grid, and its forms.

Thin: reads through `selectors` (and so `accounts.scoping`; a case out of scope is 404), writes
through `services`. A refusal shows the service's own message with 403/409 (400 for a bad form)
and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.exits import selectors as sel
from fupin.exits.assessment import (
    candidate_label,
    case_result,
    county_decision,
    may_open_judgement,
    result_candidates,
)
from fupin.exits.criteria import FACT_LABELS
from fupin.exits.forms import (
    DataChangeForm,
    ObjectionForm,
    OpenForm,
    ResolveForm,
    RevokeForm,
    SignForm,
    TransitionForm,
)
from fupin.exits.models import ExitCase, Objection
from fupin.exits.services import (
    ExitError,
    case_facts,
    exit_case_data_change,
    exit_case_open,
    exit_case_transition,
    exit_criteria_evaluate,
    exit_objection_record,
    exit_objection_resolve,
    signature_add,
    signature_revoke,
    signoff_missing,
)
from fupin.exits.workflows import ExitKind, ExitStatus, capacity
from fupin.paging import page_of
from fupin.regions.models import Region


def _case(request: HttpRequest, pk: int) -> ExitCase:
    case = (
        sel.exit_cases_for(request.user)
        .select_related("region__parent", "household", "opened_by")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("没有这个退出事项，或无权查看")
    return case


# --- the list of cases -----------------------------------------------------------------------


def _list_context(request: HttpRequest, region: Region | None, **extra: Any) -> dict[str, Any]:
    qs = sel.cases_in(request.user, region)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    if kind in ExitKind.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    counts = sel.status_counts(qs)
    if status in ExitStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    qs = qs.select_related("region", "household").order_by("-year", "region__code", "id")
    kinds = sel.open_kinds(request.user, region) if region is not None else []
    return {
        "region": region,
        "cases": (page := page_of(request, qs)),
        "page": page,
        "total": page.paginator.count,
        "counts": counts,
        "kind": kind,
        "status": status,
        "kinds": ExitKind.choices,
        "statuses": ExitStatus.choices,
        "open_kinds": kinds,
        "open_form": extra.pop("open_form", None)
        or OpenForm(initial={"region_code": region.code if region else ""}),
        **extra,
    }


@login_required
def case_list(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Cases the user may see, in a region (or everywhere they see), filtered by kind and status."""
    region = get_object_or_404(sel.regions_for(request.user), code=code) if code else None
    return render(request, "exits/list.html", _list_context(request, region))


@login_required
@require_POST
def case_open(request: HttpRequest, code: str) -> HttpResponse:
    """Propose an exit: a household's by its village, a village's by its township, a county's by
    its leading group; the household or region must be one the user sees."""
    region = get_object_or_404(sel.regions_for(request.user), code=code)
    form = OpenForm(request.POST)

    def again(status: int, refused: str = "") -> HttpResponse:
        context = _list_context(request, region, open_form=form, refused=refused)
        return render(request, "exits/list.html", context, status=status)

    if not form.is_valid():
        return again(400)
    d = form.cleaned_data
    household = None
    subject: Region | None = None
    if d["kind"] == ExitKind.HOUSEHOLD:
        household = (
            sel.households_for(request.user)
            .select_related("village")
            .filter(household_no=d["household_no"], village__code__startswith=region.prefix)
            .first()
        )
        if household is None:
            form.add_error("household_no", _("本区划内没有这户，或无权查看"))
            return again(400)
        subject = household.village
    else:
        subject = (
            sel.regions_for(request.user)
            .filter(code=d["region_code"], code__startswith=region.prefix)
            .first()
        )
        if subject is None:
            form.add_error("region_code", _("本区划内没有这个区划，或无权查看"))
            return again(400)
    try:
        case = exit_case_open(
            kind=d["kind"],
            user=request.user,
            household=household,
            region=None if household else subject,
            opinion=d["opinion"],
            evidence=d["evidence"],
            date=d["date"],
        )
    except ExitError as refused:
        status = sel.open_refusal_status(str(refused), request.user, d["kind"], subject)
        return again(status, str(refused))
    messages.success(request, _("已提出退出"))
    return redirect("exits:case", pk=case.pk)


# --- one case --------------------------------------------------------------------------------


def _timeline(case: ExitCase) -> list[dict[str, Any]]:
    """The steps in order, each public notice with the objections raised during it."""
    by_notice: dict[int, list[Objection]] = {}
    for o in sel.case_objections(case):
        by_notice.setdefault(o.notice_id, []).append(o)
    return [
        {
            "step": s,
            "from_label": _status_label(s.from_status),
            "to_label": _status_label(s.to_status),
            "objections": by_notice.get(s.pk, []),
        }
        for s in sel.case_steps(case)
    ]


def _status_label(status: str) -> str:
    return str(ExitStatus(status).label) if status in ExitStatus.values else _("未提出")


def _case_context(request: HttpRequest, case: ExitCase, **extra: Any) -> dict[str, Any]:
    user = request.user
    facts = case_facts(case)
    states = sel.evaluate(case, facts)
    criteria = exit_criteria_evaluate(case)
    moves = sel.allowed_moves(case, user)
    sign_choices = sel.sign_choices(case, user, states)
    revoke_levels = sel.revocable_levels(case, user)
    next_level = next((s for s in states if s.missing), None)
    county = case.kind == ExitKind.COUNTY
    assessment = case_result(case) if county else None
    return {
        "case": case,
        # a county's 专项评估检查: the linked result with its figures, shown to every signer
        "assessment": assessment,
        "may_open_judgement": assessment is not None
        and may_open_judgement(user, assessment.decision.campaign),
        "assessment_choices": [(d.pk, candidate_label(d)) for d in result_candidates(case.region)]
        if county and any(m.links_assessment for m in moves)
        else [],
        "timeline": _timeline(case),
        "blocking": sel.blocking_objection_ids(case),
        "criteria": criteria,
        "failed": [c for c in criteria if not c.passed],
        "facts": [
            (FACT_LABELS.get(k, k), ("是" if v else "否") if isinstance(v, bool) else v)
            for k, v in facts.items()
            if k != "roster_unregistered_households"
        ],
        "grid": sel.signoff_grid(case, states),
        "final": all(s.complete for s in states),
        "missing": signoff_missing(case, states),
        "next_level": next_level,
        "move_forms": _move_forms(moves, extra.pop("posted_transition", None)),
        "sign_choices": sign_choices,
        "sign_form": extra.pop("sign_form", None) or SignForm(choices=sel.chain_capacities(case)),
        "revoke_levels": [
            (lv, label) for lv, label in sel.chain_levels(case) if lv in revoke_levels
        ],
        "revoke_form": extra.pop("revoke_form", None) or RevokeForm(choices=sel.chain_levels(case)),
        "may_object": sel.may_record_objection(case, user),
        "objection_form": extra.pop("objection_form", None) or ObjectionForm(),
        "may_resolve": sel.may_resolve_objections(case, user),
        "resolve_form": extra.pop("resolve_form", None) or ResolveForm(),
        "may_change": sel.may_change_data(case, user),
        "data_form": extra.pop("data_form", None)
        or DataChangeForm(case_kind=case.kind, current=facts),
        **extra,
    }


def _move_forms(
    moves: list[sel.MoveChoice], posted: TransitionForm | None
) -> list[tuple[Any, Any]]:
    """Each allowed move with its form; the one just posted keeps what was entered."""
    out = []
    for m in moves:
        auto_id = f"id_{m.to}_%s"
        if posted is not None and posted.data.get("to") == m.to:
            posted.auto_id = auto_id
            out.append((m, posted))
        else:
            out.append((m, TransitionForm(initial={"to": m.to}, auto_id=auto_id)))
    return out


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, "exits/case.html", _case_context(request, case))


def _act(
    request: HttpRequest,
    case: ExitCase,
    form_name: str,
    form: Any,
    write: Callable[[dict[str, Any]], str],
    refusal_status: Callable[[dict[str, Any]], int],
) -> HttpResponse:
    """Validate, write through the service, redirect back; on refusal the page again with the
    service's message and its status, nothing changed."""
    if form.is_valid():
        try:
            done = write(form.cleaned_data)
        except ExitError as refused:
            status = refusal_status(form.cleaned_data)
            context = _case_context(request, case, **{form_name: form, "refused": str(refused)})
            return render(request, "exits/case.html", context, status=status)
        messages.success(request, done)
        return redirect("exits:case", pk=case.pk)
    context = _case_context(request, case, **{form_name: form})
    return render(request, "exits/case.html", context, status=400)


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = TransitionForm(request.POST)
    move = next(
        (m for m in sel.allowed_moves(case, request.user) if m.to == request.POST.get("to")), None
    )
    if (
        form.is_valid()
        and move is not None
        and move.destructive
        and not form.cleaned_data["confirm"]
    ):
        form.add_error("confirm", _("此操作须勾选确认"))

    def write(d: dict[str, Any]) -> str:
        decision = None
        if d["assessment_result"] is not None:
            decision = county_decision(case.region, d["assessment_result"])
            if decision is None:
                raise ExitError(f"没有{case.region.name}的这个县级结果")
        step = exit_case_transition(
            case=case,
            to=d["to"],
            user=request.user,
            opinion=d["opinion"],
            evidence=d["evidence"],
            notice_start=d["notice_start"],
            notice_end=d["notice_end"],
            date=d["date"],
            assessment_result=decision,
        )
        return _("已办理：%(action)s") % {"action": step.action}

    return _act(
        request,
        case,
        "posted_transition",
        form,
        write,
        lambda d: sel.transition_refusal_status(case, request.user, d["to"], d["opinion"]),
    )


@login_required
@require_POST
def objection_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)

    def write(d: dict[str, Any]) -> str:
        exit_objection_record(
            case=case, content=d["content"], user=request.user, raised_by_name=d["raised_by_name"]
        )
        return _("已登记异议")

    return _act(
        request,
        case,
        "objection_form",
        ObjectionForm(request.POST),
        write,
        lambda d: sel.objection_refusal_status(case, request.user),
    )


@login_required
@require_POST
def objection_resolve(request: HttpRequest, pk: int, objection: int) -> HttpResponse:
    case = _case(request, pk)
    found = get_object_or_404(Objection.objects.filter(case=case), pk=objection)

    def write(d: dict[str, Any]) -> str:
        exit_objection_resolve(
            objection=found, upheld=d["upheld"], opinion=d["opinion"], user=request.user
        )
        return _("已处理异议")

    return _act(
        request,
        case,
        "resolve_form",
        ResolveForm(request.POST),
        write,
        lambda d: sel.resolve_refusal_status(found, request.user, d["opinion"]),
    )


@login_required
@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = SignForm(request.POST, choices=sel.chain_capacities(case))

    def write(d: dict[str, Any]) -> str:
        level, code = form.level_and_code()
        signature_add(
            case=case,
            level=level,
            capacity_code=code,
            user=request.user,
            signatory_name=d["signatory_name"],
            stand_in_reason=d["stand_in_reason"],
        )
        return _("已签字")

    def status(d: dict[str, Any]) -> int:
        level, code = form.level_and_code()
        return sel.sign_refusal_status(case, request.user, level, code, d["stand_in_reason"])

    return _act(request, case, "sign_form", form, write, status)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = RevokeForm(request.POST, choices=sel.chain_levels(case))

    def write(d: dict[str, Any]) -> str:
        voids = signature_revoke(case=case, level=d["level"], user=request.user, reason=d["reason"])
        return _("已撤销 %(n)d 个签字") % {"n": len(voids)}

    return _act(
        request,
        case,
        "revoke_form",
        form,
        write,
        lambda d: sel.revoke_refusal_status(case, request.user, d["level"], d["reason"]),
    )


class _DryRun(Exception):
    """Rolls back a data change tried only to see which signatures it would void."""


def _would_void(case: ExitCase, changes: dict[str, Any], user: Any, reason: str) -> list[Any]:
    """The signatures the change would void, with why: the service run and rolled back."""
    found: list[Any] = []
    try:
        with transaction.atomic():
            voids = exit_case_data_change(case=case, changes=changes, user=user, reason=reason)
            found = [(v.signature, _capacity_label(v.signature), v.reason) for v in voids]
            raise _DryRun
    except _DryRun:
        pass
    return found


def _capacity_label(signature: Any) -> str:
    cap = capacity(signature.level, signature.capacity)
    return cap.label if cap else signature.capacity


@login_required
@require_POST
def data_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the case's entered data: first shows what changes and which signatures it voids,
    then, confirmed, changes it."""
    case = _case(request, pk)
    form = DataChangeForm(request.POST, case_kind=case.kind, current=case_facts(case))

    def refused(message: str, status: int) -> HttpResponse:
        context = _case_context(request, case, data_form=form, refused=message)
        return render(request, "exits/case.html", context, status=status)

    if not form.is_valid():
        return render(
            request, "exits/case.html", _case_context(request, case, data_form=form), status=400
        )
    changes = form.changes()
    reason = form.cleaned_data["reason"]
    if not changes:
        return refused(_("没有变更任何数据"), 400)
    try:
        if not form.cleaned_data["confirm"]:
            voided = _would_void(case, changes, request.user, reason)
            return render(
                request,
                "exits/data_change_confirm.html",
                {
                    "case": case,
                    "form": form,
                    "voided": voided,
                    "changes": [
                        (form.fields[k].label, form.current.get(k), v) for k, v in changes.items()
                    ],
                },
            )
        voids = exit_case_data_change(case=case, changes=changes, user=request.user, reason=reason)
    except ExitError as e:
        return refused(str(e), sel.office_refusal_status(case, request.user))
    except ValidationError as e:
        return refused("；".join(e.messages), 400)
    messages.success(request, _("数据已变更，%(n)d 个签字作废") % {"n": len(voids)})
    return redirect("exits:case", pk=case.pk)
