"""What a user may see: the scope every app's reads apply (healthchecks' `_get_check_for_user`).

`scope_for(user)` computes it once from the user's role rows; each app applies it in its own
selectors (`registry.selectors.households_for` and `regions_for`, `assessments.selectors.campaigns_for`,
…), so that a view cannot forget the scope. The region rule is here; an app that grants more
(pairings, evaluation assignments) adds its part through a scope source it registers in its
AppConfig.ready (`scope_source`), so that this module imports no app but regions:

- superusers (system admins) see everything;
- poverty offices see their region and everything below it, by code prefix, and the campaigns
  that assessed a county of their region once results are out (decided, feedback, closed: never
  during fieldwork or verification);
- helping cadres see the households they are paired with today (`assistance.HouseholdPairing`)
  and those villages; a helping unit's liaison sees the villages the unit is paired with
  (`assistance.selectors.pairing_scope`);
- enumerators see their team's households, experts and institution admins the sampled households of
  their counties, in the assignment in force, and only while the campaign is in fieldwork or
  verification (`assessments.selectors.evaluation_scope`);
- a role tied to a campaign (its working group, department and expert-group staff) sees that
  campaign and every county it assesses (`assessments.selectors.campaign_scope`);
- anyone else, including plain `is_staff` users, sees nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import Exists, Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse

from fupin.accounts.models import OFFICE_LEVEL, Membership
from fupin.regions.models import Region

AnyUser = AbstractBaseUser | AnonymousUser


@dataclass
class Scope:
    """Everything a user may see, computed once from their memberships and assignments."""

    everything: bool = False
    prefixes: list[str] = field(default_factory=list)  # whole subtrees (offices, working groups)
    county_prefixes: list[str] = field(default_factory=list)  # evaluators' counties (regions only)
    households: list[Q] = field(default_factory=list)  # single households (cadres, evaluators)
    village_households: list[Q] = field(default_factory=list)  # whose villages become visible
    # The campaigns: those a source found, and those a source left to be read when first asked
    # for (`campaigns_later`): most pages never ask (only `campaigns_for` does), so that the
    # query of every campaign with results runs only on the pages that read campaigns.
    campaigns_found: set[int] = field(default_factory=set)
    campaigns_pending: list[Callable[[], set[int]]] = field(default_factory=list)

    @property
    def campaign_ids(self) -> set[int]:
        """Every campaign the user may see (reading the pending ones now, once)."""
        while self.campaigns_pending:
            self.campaigns_found |= self.campaigns_pending.pop(0)()
        return self.campaigns_found

    def campaigns_later(self, compute: Callable[[], set[int]]) -> None:
        self.campaigns_pending.append(compute)


def is_active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def minimal_prefixes(prefixes: list[str]) -> list[str]:
    """Drop prefixes covered by a shorter one (a county under a province adds nothing)."""
    out: list[str] = []
    for p in sorted(set(prefixes), key=len):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return sorted(out)


@dataclass(frozen=True)
class Grants:
    """What a scope source reads: the user, their role rows and roles, and the regions of their
    poverty offices (minimal code prefixes)."""

    user: AbstractBaseUser
    memberships: list[Membership]
    roles: set[str]
    office_prefixes: list[str]


ScopeSource = Callable[[Scope, Grants], None]
_SOURCES: list[ScopeSource] = []
# Cheap tests of whether a source can grant the user anything at all, by name: each an
# `Exists(...)` over the user's row (OuterRef("pk")), annotated onto the query that reads the
# signed-in user (`user_flag_annotations`), so that a source skips its queries for the many
# users it grants nothing, at no query of its own.
_FLAGS: dict[str, Exists] = {}
FLAG_PREFIX = "fupin_flag_"


def scope_source(source: ScopeSource, flags: dict[str, Exists] | None = None) -> ScopeSource:
    """Register an app's part of every scope (called from the app's AppConfig.ready), with the
    flags it tests (`user_flag`)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    for name, expression in (flags or {}).items():
        _FLAGS[name] = expression
    return source


def user_flag_annotations() -> dict[str, Exists]:
    """The registered flags, to annotate onto the query that reads the user
    (`accounts.backends.ThrottledModelBackend.get_user`, the API's token authentication); the
    user so read is then stamped with `flags_read`."""
    return {FLAG_PREFIX + name: expression for name, expression in _FLAGS.items()}


def flags_read(user: Any) -> Any:
    """Mark the user's annotated flags as read now: they are trusted only within the same
    request (`request_memo`) and only until the request writes anything (a role, pairing or
    assignment may have changed), as the remembered scope is."""
    memo = _memo.get()
    if user is not None and memo is not None:
        user._fupin_flags_epoch = memo.get(_EPOCH)
    return user


def user_flag(user: AbstractBaseUser, name: str) -> bool | None:
    """A registered flag of the user as read with them in this request, or None when it is not
    known (a user read elsewhere: tests, commands; or the request has written since): the source
    then queries as if the flag were True (never a narrower scope)."""
    memo = _memo.get()
    epoch = getattr(user, "_fupin_flags_epoch", None)
    if memo is None or epoch is None or epoch is not memo.get(_EPOCH):
        return None
    value = getattr(user, FLAG_PREFIX + name, None)
    return None if value is None else bool(value)


# Within one request a page asks for the scope from several selectors (households_for,
# regions_for, sees_whole_region, the breadcrumb, the navigation): it is read once per user and
# request (`request_memo`), and read again after any write the request makes.
_memo: ContextVar[dict[Any, Any] | None] = ContextVar("fupin_scope_memo", default=None)
_EPOCH = "epoch"  # the memo's key of the flags' stamp: a new object after every write


def _forget_on_write(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    memo = _memo.get()
    if memo is not None and sql.lstrip()[:6].upper() != "SELECT":
        memo.clear()  # a role, pairing or assignment may have changed
        memo[_EPOCH] = object()  # and the flags read with the user are stale
    return execute(sql, params, many, context)


@contextmanager
def request_memo() -> Iterator[None]:
    """Remember each user's role rows and scope until the block ends or a statement other than
    a SELECT runs on the database (tests and commands outside it read afresh each time)."""
    token = _memo.set({_EPOCH: object()})
    try:
        with connection.execute_wrapper(_forget_on_write):
            yield
    finally:
        _memo.reset(token)


class RequestScopeMiddleware:
    """One request, one reading of the user's roles and scope (`request_memo`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_memo():
            return self.get_response(request)


def _remembered(kind: str, user: AbstractBaseUser, compute: Callable[[], Any]) -> Any:
    memo = _memo.get()
    if memo is None:
        return compute()
    key = (kind, user.pk)
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def memberships_of(user: AbstractBaseUser) -> list[Membership]:
    """The user's role rows with their regions and campaigns (read once per request)."""
    return _remembered("memberships", user, lambda: _read_memberships(user))  # type: ignore[no-any-return]


def _read_memberships(user: AbstractBaseUser) -> list[Membership]:
    # The region comes in the same query; a campaign only where a row has one (a campaign's
    # working group and staff), in a second query: joining the campaign's columns into every
    # page's first query cost more than the join saved.
    rows = list(Membership.objects.filter(user_id=user.pk).select_related("region"))
    if any(m.campaign_id is not None for m in rows):
        prefetch_related_objects(rows, "campaign")
    return rows


def scope_for(user: AnyUser) -> Scope:
    """The user's whole scope: the region rule here, then every registered source (computed
    once per request; each caller gets its own copy to extend)."""
    if not is_active(user):
        return Scope()
    if getattr(user, "is_superuser", False):
        return Scope(everything=True, prefixes=[""])
    assert isinstance(user, AbstractBaseUser)
    scope: Scope = _remembered("scope", user, lambda: _compute_scope(user))
    return Scope(
        everything=scope.everything,
        prefixes=list(scope.prefixes),
        county_prefixes=list(scope.county_prefixes),
        households=list(scope.households),
        village_households=list(scope.village_households),
        # Still pending: read through the remembered scope, so that it is read once per request.
        campaigns_found=set() if scope.campaigns_pending else set(scope.campaigns_found),
        campaigns_pending=[lambda: scope.campaign_ids] if scope.campaigns_pending else [],
    )


def _compute_scope(user: AbstractBaseUser) -> Scope:
    memberships = memberships_of(user)
    roles = {m.role for m in memberships}
    scope = Scope()
    for m in memberships:
        if (
            m.role in OFFICE_LEVEL
            and m.region is not None
            and m.region.level == OFFICE_LEVEL[m.role]
        ):
            scope.prefixes.append(m.region.prefix)
    grants = Grants(user, memberships, roles, minimal_prefixes(scope.prefixes))
    for source in _SOURCES:
        source(scope, grants)
    scope.prefixes = minimal_prefixes(scope.prefixes)
    return scope


def region_prefixes_for(user: AnyUser) -> list[str]:
    """Code prefixes of the regions whose every household the user may see ("" for everything)."""
    return scope_for(user).prefixes


def sees_whole_region(user: AnyUser, region: Region) -> bool:
    """Whether every household of the region is in the user's scope (an office of it or above)."""
    scope = scope_for(user)
    return scope.everything or any(region.prefix.startswith(p) for p in scope.prefixes)


def office_regions(user: AnyUser | None) -> list[Region]:
    """The regions of the user's poverty-office memberships held at the office's own level
    (a county office on a county). No superuser shortcut: the procedures' steps belong to the
    offices (分工负责)."""
    if user is None or not is_active(user):  # type: ignore[arg-type]
        return []
    assert isinstance(user, AbstractBaseUser)
    return [
        m.region
        for m in memberships_of(user)
        if m.role in OFFICE_LEVEL
        and m.region is not None
        and m.region.level == OFFICE_LEVEL[m.role]
    ]


def office_levels(user: AnyUser | None, region: Region) -> set[str]:
    """The levels at which the user holds a poverty office covering `region` (the office's
    region code is a prefix of the region's code)."""
    return {r.level for r in office_regions(user) if region.code.startswith(r.prefix)}


def has_office(user: AnyUser | None, region: Region, role: str) -> bool:
    return OFFICE_LEVEL[role] in office_levels(user, region)
