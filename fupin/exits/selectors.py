"""Read-side queries for exits: the one scoping function, what a user may do on a case, and which
HTTP status answers a refusal. Pages and API read through here; they write through services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fupin.accounts.models import OFFICE_LEVEL, Membership, Post
from fupin.accounts.posts import person_name
from fupin.accounts.scoping import has_office, office_levels
from fupin.accounts.workflow import Move, moves_from
from fupin.checks import LedgerColumns
from fupin.exits.models import ExitCase, ExitStep, Objection, Signature
from fupin.exits.services import objections_blocking, signoff_evaluate
from fupin.exits.signoff import (
    LevelState,
    capacity_holders,
    post_levels,
    signer_levels,
    signer_text,
)
from fupin.exits.workflows import (
    CAPACITIES,
    FINAL,
    LEVEL_ORDER,
    LINKS_ASSESSMENT,
    OPEN_MOVES,
    OPENS_NOTICE,
    SIGNABLE_STATUSES,
    SIGNOFF_CHAINS,
    TERMINATE_ROLES,
    TRANSITIONS,
    Capacity,
    ExitKind,
    ExitStatus,
    SignerKind,
    capacity,
    level_label,
    terminate_move,
)
from fupin.regions.models import Region
from fupin.registry import selectors as registry_selectors
from fupin.registry.checking import CHUNK, CheckInput, ledger_columns
from fupin.registry.models import Household

AnyUser = AbstractBaseUser | AnonymousUser


def exit_cases_for(user: AnyUser) -> QuerySet[ExitCase]:
    """The exit cases the user may see: a household's when the household is in their scope, a
    village's or county's when the region is. (A household case's region is its village; a cadre
    who sees that village through one household must not see the neighbours' exits.) And the
    cases the user signs: see `signing_cases_q`."""
    households = registry_selectors.households_for(user).values("pk")
    regions = registry_selectors.regions_for(user).values("pk")
    return ExitCase.objects.filter(
        Q(kind=ExitKind.HOUSEHOLD, household__in=households)
        | (~Q(kind=ExitKind.HOUSEHOLD) & Q(region__in=regions))
        | signing_cases_q(user)
    )


def signing_cases_q(user: AnyUser) -> Q:
    """The cases a person signs without an office role (a post is no role and gives no view of
    data, so this is its one reading): the cases inside the region of a 3342 post they hold today
    whose chain has the post's level, and the cases they signed (a stand-in, a term since ended)."""
    if not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    today = timezone.localdate()
    terms = (
        Post.objects.filter(holder_id=user.pk, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .select_related("region")
    )
    q = Q(pk__in=Signature.objects.filter(user_id=user.pk).values("case_id"))
    for term in terms:
        kinds = [kind for kind, chain in SIGNOFF_CHAINS.items() if term.region.level in chain]
        q |= Q(region__code__startswith=term.region.prefix, kind__in=kinds)
    return q


def households_for(user: AnyUser) -> QuerySet[Household]:
    return registry_selectors.households_for(user)


def regions_for(user: AnyUser) -> QuerySet[Region]:
    return registry_selectors.regions_for(user)


def cases_in(user: AnyUser, region: Region | None) -> QuerySet[ExitCase]:
    qs = exit_cases_for(user)
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    return qs


def status_counts(qs: QuerySet[ExitCase]) -> list[dict[str, Any]]:
    """Cases per status, in the statuses' own order, zero counts left out."""
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return [
        {"status": s.value, "label": s.label, "count": counts[s.value]}
        for s in ExitStatus
        if counts.get(s.value)
    ]


# --- what the user may do on a case --------------------------------------------------------------


@dataclass(frozen=True)
class MoveChoice:
    """A move the case page offers: the table's Move and what the form shows for it."""

    move: Move

    @property
    def to(self) -> str:
        return self.move.to

    @property
    def label(self) -> str:
        return self.move.label

    @property
    def to_label(self) -> str:
        return str(ExitStatus(self.to).label)

    @property
    def opens_notice(self) -> bool:
        return self.move.requires(OPENS_NOTICE)

    @property
    def requires_final(self) -> bool:
        return self.move.requires(FINAL)

    @property
    def links_assessment(self) -> bool:
        return self.move.requires(LINKS_ASSESSMENT)

    @property
    def destructive(self) -> bool:
        """Ending the procedure, or sending it back: asked to be confirmed."""
        return self.to == ExitStatus.TERMINATED or self.move.opinion_required


def allowed_moves(case: ExitCase, user: AnyUser) -> list[MoveChoice]:
    """The steps the user's offices may take on the case now (the service still decides)."""
    if case.is_closed:
        return []
    out = [
        MoveChoice(m)
        for _action, m in moves_from(TRANSITIONS[case.kind], case.status)
        if has_office(user, case.region, m.role)
    ]
    if any(has_office(user, case.region, r) for r in TERMINATE_ROLES[case.kind]):
        out.append(MoveChoice(terminate_move(case.kind)))
    return out


def sign_choices(case: ExitCase, user: AnyUser, states: list[LevelState]) -> list[tuple[str, str]]:
    """(`level:code`, label) of the capacities the user may sign in now: at their own levels of
    the chain, still missing. The service still checks the bottom-up order."""
    if case.is_closed or case.status not in SIGNABLE_STATUSES:
        return []
    offices = office_levels(user, case.region)
    mine = offices | post_levels(user, case)
    return [
        (f"{state.level}:{c.code}", f"{state.label} · {c.label}")
        for state in states
        if state.level in mine
        for c in state.missing
        if (c.signer == SignerKind.OFFICE or state.level in offices)
        and (c.signer != SignerKind.HOUSEHOLD or case.kind == ExitKind.HOUSEHOLD)
    ]


def chain_capacities(case: ExitCase) -> list[tuple[str, str]]:
    """Every capacity of the case's chain as (`level:code`, label): what a sign form accepts."""
    return [
        (f"{level}:{c.code}", f"{level_label(level)} · {c.label}")
        for level in SIGNOFF_CHAINS[case.kind]
        for c in CAPACITIES[level]
    ]


def chain_levels(case: ExitCase) -> list[tuple[str, str]]:
    return [(lv, level_label(lv)) for lv in SIGNOFF_CHAINS[case.kind]]


def revocable_levels(case: ExitCase, user: AnyUser) -> list[str]:
    """Levels of the chain below one of the user's offices that hold valid signatures."""
    if case.is_closed:
        return []
    mine = office_levels(user, case.region)
    if not mine:
        return []
    top = max(LEVEL_ORDER.index(lv) for lv in mine)
    signed = set(case.signatures.filter(void__isnull=True).values_list("level", flat=True))
    return [
        lv
        for lv in SIGNOFF_CHAINS[case.kind]
        if LEVEL_ORDER.index(lv) < top
        and any(
            SIGNOFF_CHAINS[case.kind].index(s) >= SIGNOFF_CHAINS[case.kind].index(lv)
            for s in signed
        )
    ]


def may_record_objection(case: ExitCase, user: AnyUser) -> bool:
    return case.status == ExitStatus.IN_NOTICE and bool(office_levels(user, case.region))


def may_resolve_objections(case: ExitCase, user: AnyUser) -> bool:
    if case.is_closed:
        return False
    close = TRANSITIONS[case.kind].get((ExitStatus.IN_NOTICE, ExitStatus.NOTICED))
    if close is None:
        return False
    floor = LEVEL_ORDER.index(OFFICE_LEVEL[close.role])
    return any(LEVEL_ORDER.index(lv) >= floor for lv in office_levels(user, case.region))


def may_change_data(case: ExitCase, user: AnyUser) -> bool:
    """A county case has no data to enter: its figures come from the 专项评估检查."""
    return (
        not case.is_closed
        and case.kind != ExitKind.COUNTY
        and bool(office_levels(user, case.region))
    )


def open_kinds(user: AnyUser, region: Region) -> list[tuple[str, str]]:
    """The kinds of case the user could open somewhere in `region`: they hold the office that
    proposes it, over a region inside or above this one."""
    return [
        (kind, str(ExitKind(kind).label))
        for kind, move in OPEN_MOVES.items()
        if _holds_role_near(user, region, move.role)
    ]


def _holds_role_near(user: AnyUser, region: Region, role: str) -> bool:
    if not user.is_authenticated:
        return False
    level = OFFICE_LEVEL[role]
    for m in Membership.objects.filter(user_id=user.pk, role=role).select_related("region"):
        r = m.region
        if (
            r is not None
            and r.level == level
            and (r.code.startswith(region.prefix) or region.code.startswith(r.prefix))
        ):
            return True
    return False


# --- the case page's and the API's reading of a case ---------------------------------------------


def case_steps(case: ExitCase) -> list[ExitStep]:
    return list(case.steps.select_related("user").order_by("at", "id"))


def case_objections(case: ExitCase) -> list[Objection]:
    return list(
        case.objections.select_related("notice", "recorded_by", "resolution__user").order_by(
            "at", "id"
        )
    )


def case_signatures(case: ExitCase) -> list[Signature]:
    return list(
        case.signatures.select_related(
            "user", "void__user", "stand_in_for", "post__region"
        ).order_by("at", "id")
    )


@dataclass
class GridRow:
    """One capacity of one level in the 3342 grid: the signature that counts, and any voided."""

    level: str
    capacity: Capacity
    current: Signature | None
    voided: list[Signature]
    stale: list[tuple[Signature, str]]
    holders: str = ""  # the post's current holder(s), "" for the household's own signature
    signer: str = ""  # who signed the signature that counts, in words


def holders_text(case: ExitCase, level: str, cap: Capacity) -> str:
    """The current holders of the posts that sign in `cap`, or that the post is vacant."""
    if cap.signer != SignerKind.OFFICE:
        return ""
    holders = capacity_holders(case, level, cap)
    return "、".join(f"{p.get_kind_display()} {person_name(p.holder)}" for p in holders) or "空缺"


@dataclass
class GridLevel:
    level: str
    label: str
    complete: bool
    rows: list[GridRow]

    @property
    def size(self) -> int:
        return len(self.rows)


def signoff_grid(case: ExitCase, states: list[LevelState]) -> list[GridLevel]:
    signatures = case_signatures(case)
    out = []
    for state in states:
        rows = []
        for cap in CAPACITIES[state.level]:
            current = next((s for s in state.current if s.capacity == cap.code), None)
            voided = [
                s
                for s in signatures
                if s.level == state.level and s.capacity == cap.code and s.is_void
            ]
            stale = [(s, why) for s, why in state.stale if s.capacity == cap.code]
            rows.append(
                GridRow(
                    state.level,
                    cap,
                    current,
                    voided,
                    stale,
                    holders=holders_text(case, state.level, cap),
                    signer=signer_text(current) if current is not None else "",
                )
            )
        out.append(GridLevel(state.level, state.label, state.complete, rows))
    return out


def blocking_objection_ids(case: ExitCase) -> set[int]:
    return {o.pk for o in objections_blocking(case)}


def evaluate(case: ExitCase, facts: dict[str, Any] | None = None) -> list[LevelState]:
    return signoff_evaluate(case, facts)


# --- which HTTP status answers a refusal --------------------------------------------------------
#
# The services raise one ExitError with a Chinese message. The status is worked out from the same
# tables and office rules the service applied, in the service's own order: 403 when the user may
# not do it, 409 when the case's state does not allow it, 400 when the request itself is wrong.


def transition_refusal_status(case: ExitCase, user: AnyUser, to: str, opinion: str) -> int:
    case = ExitCase.objects.select_related("region").get(pk=case.pk)
    if case.is_closed:
        return 409
    if to == ExitStatus.TERMINATED:
        if not any(has_office(user, case.region, r) for r in TERMINATE_ROLES[case.kind]):
            return 403
        return 400
    move = TRANSITIONS[case.kind].get((case.status, to))
    if move is None:
        return 409
    if not has_office(user, case.region, move.role):
        return 403
    if move.opinion_required and not opinion.strip():
        return 400
    if move.requires(OPENS_NOTICE):
        return 400  # the dates of the notice, or a date in the future
    return 409  # the notice not yet over, objections, criteria, signatures


def sign_refusal_status(
    case: ExitCase, user: AnyUser, level: str, code: str, stand_in_reason: str = ""
) -> int:
    case = ExitCase.objects.select_related("region").get(pk=case.pk)
    if case.is_closed or case.status not in SIGNABLE_STATUSES:
        return 409
    if level not in SIGNOFF_CHAINS[case.kind] or capacity(level, code) is None:
        return 400
    cap = capacity(level, code)
    if cap is not None and cap.signer == SignerKind.OFFICE:
        holders = capacity_holders(case, level, cap)
        if not holders:
            return 409  # the post is vacant
        if all(p.holder_id != user.pk for p in holders):
            if level not in signer_levels(user, case):  # type: ignore[arg-type]
                return 403
            if not stand_in_reason.strip():
                return 400  # a stand-in must say why
        return 409  # bottom-up order, already signed, signed twice at one level
    if level not in office_levels(user, case.region):
        return 403
    if cap is not None and cap.signer == SignerKind.HOUSEHOLD and case.kind != ExitKind.HOUSEHOLD:
        return 400
    return 409  # bottom-up order, already signed, signed twice at one level


def revoke_refusal_status(case: ExitCase, user: AnyUser, level: str, reason: str) -> int:
    case = ExitCase.objects.select_related("region").get(pk=case.pk)
    if case.is_closed:
        return 409
    if level not in SIGNOFF_CHAINS[case.kind] or not reason.strip():
        return 400
    mine = office_levels(user, case.region)
    if not any(LEVEL_ORDER.index(lv) > LEVEL_ORDER.index(level) for lv in mine):
        return 403
    return 409  # nothing left to revoke


def office_refusal_status(case: ExitCase, user: AnyUser) -> int:
    """For objections and data changes: closed 409, no office 403, otherwise the request (400)."""
    case = ExitCase.objects.select_related("region").get(pk=case.pk)
    if case.is_closed:
        return 409
    if not office_levels(user, case.region):
        return 403
    return 400


def objection_refusal_status(case: ExitCase, user: AnyUser) -> int:
    case = ExitCase.objects.select_related("region").get(pk=case.pk)
    if case.status != ExitStatus.IN_NOTICE:
        return 409
    return office_refusal_status(case, user)


def resolve_refusal_status(objection: Objection, user: AnyUser, opinion: str) -> int:
    case = objection.case
    if case.is_closed or hasattr(Objection.objects.get(pk=objection.pk), "resolution"):
        return 409
    if not opinion.strip():
        return 400
    return 403


def open_refusal_status(message: str, user: AnyUser, kind: str, region: Region | None) -> int:
    if "已有进行中的退出事项" in message or "不能再次退出" in message:
        return 409
    move = OPEN_MOVES.get(kind)
    if move is not None and region is not None and not has_office(user, region, move.role):
        return 403
    return 400


def notices_start_year() -> int | None:
    """The first exit year of any household exit case on the platform: when the exits app came
    into use. None when it holds none (the public-notice rule then does not run)."""
    first = (
        ExitCase.objects.filter(kind="household").order_by("year").values_list("year", flat=True)
    )
    year = first.first()
    return None if year is None else int(year)


def exit_notice_check_input(found: CheckInput) -> dict[str, LedgerColumns | None]:
    """Public notices (村内公示) of household exits as check input (registered in
    ExitsConfig.ready), one row per notice with its case's exit year.

    Exits before `notices_since` are not checked: they happened before the exits app was used and
    their notices are on paper, so such a household gets a row for its exit year (counted as
    noticed) rather than a flag. `notices_since` defaults to `notices_start_year()`; None when the
    app holds no household exit case at all, so that synthetic or legacy registries are not
    flagged wholesale. An exit from the start year on with no exit case, or with a case that never
    opened its notice, is flagged.
    """
    since = found.notices_since
    if since is None:
        since = notices_start_year()
        if since is None:
            return {"exit_notices": None}
    rows = (
        ExitStep.objects.filter(
            case__kind="household",
            case__household__in=found.queryset.values("id"),
            notice_start__isnull=False,
        )
        .values_list("case__household_id", "case__year")
        .iterator(chunk_size=CHUNK)
    )
    noticed = ledger_columns(found.ids, rows)
    hh = found.households
    exempt = np.flatnonzero((hh.exited_year > 0) & (hh.exited_year < since))
    return {
        "exit_notices": LedgerColumns(
            household=np.concatenate([noticed.household, exempt.astype(np.int64)]),
            year=np.concatenate([noticed.year, hh.exited_year[exempt]]),
        )
    }
