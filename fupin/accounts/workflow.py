"""The one workflow mechanism: the Move shape every transition table uses, the abstract
transition row, the Workflow each app declares once, and the one helper every
`<thing>_transition` service calls.

A table maps (from status, action) to a Move; for workflows whose pages post the target status
(campaigns, exits, monitoring) the action is the target status code. A `Workflow` declares, once,
what is the same on every move of one workflow: its table, its step model and link, who holds a
role, how a refusal is worded, its error types, the audit row's action and household. The helper
(`transition`) takes only what varies per call: it checks the table and the actor's role,
re-reads and locks the object, writes the transition row and the audit row, and saves the object
with `update_fields`: the shape of django-oscar's `Order.set_status()` with its
`OrderStatusChange` rows, and of DHIS2's data approval. Checks that belong to one workflow
(opinion wording, notice dates, signatures, windows) stay in that app's service: the `check` it
passes runs on the locked object, between the role check and the writes. `transitions` takes a
batch the same way and writes its rows in bulk (the five verification steps' batch pages).

Who holds a role is the app's question (`Workflow.holds`): `fupin.accounts.roles.has_role` for the
assessment roles, an office over the object's region for exits and monitoring, the side a user
acts for on the cooperation ledger (`acting_for`); `holds=None` where the app checks roles itself
(`check`) or for trusted commands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


class WorkflowError(ValueError):
    """A move the table or the actor's roles do not allow; the message is for the user (Chinese).

    Apps raise their own error types (AssessmentError, ExitError…) through `Workflow.error`."""


@dataclass(frozen=True)
class Move:
    """One allowed move of a transition table.

    `roles`: who may take it (codes of `fupin.accounts.models.Role`, or an app's own actor
    codes such as a pairing's side, checked by the app's `holds`); `needs`: what else the move
    requires, named by the app that reads it (e.g. "notice", "amount", "final"); `step`: the
    stage it belongs to where a workflow has stages (the five verification steps)."""

    to: str
    roles: frozenset[str]
    label: str = ""
    opinion_required: bool = False
    needs: frozenset[str] = field(default_factory=frozenset)
    step: str = ""

    @property
    def role(self) -> str:
        """The one role of a move that has exactly one (most moves)."""
        if len(self.roles) != 1:
            raise ValueError(f"move to {self.to} has {len(self.roles)} roles")
        return next(iter(self.roles))

    def requires(self, need: str) -> bool:
        return need in self.needs


def move(
    to: str,
    *roles: str,
    label: str = "",
    opinion: bool = False,
    needs: Iterable[str] = (),
    step: str = "",
) -> Move:
    """A Move written the short way: `move(S.APPROVED, Role.COUNTY_OFFICE, label="…")`."""
    return Move(
        to=str(to),
        roles=frozenset(str(r) for r in roles),
        label=label,
        opinion_required=opinion,
        needs=frozenset(needs),
        step=str(step),
    )


Table = Mapping[tuple[str, str], Move]


def moves_from(table: Table, status: str) -> list[tuple[str, Move]]:
    """The (action, move) pairs the table allows from `status`, in table order."""
    return [(a, m) for (f, a), m in table.items() if f == status]


class TransitionRow(models.Model):
    """One move of a workflow: who, when, from, to, opinion and evidence (append-only in use).

    Each step model inherits it and adds its link to the object and what its workflow records
    besides (the action, a step, a notice's dates…); a subclass redeclares a column where its
    table differs (choices, length, a required user, evidence as links to files)."""

    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    # a default rather than auto_now_add, so that a simulated run can pass its clock (`now=`)
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)
    opinion = models.TextField(_("意见"), blank=True)
    evidence = models.JSONField(_("佐证材料"), default=list, blank=True)

    class Meta:
        abstract = True


M = TypeVar("M", bound=models.Model)
R = TypeVar("R", bound=TransitionRow)

# holds(user, role, locked object, acting_for): whether the user may take a move of that role.
Holds = Callable[[Any, str, Any, str | None], bool]


@dataclass(frozen=True)
class Workflow(Generic[M, R]):
    """What is the same on every move of one workflow, declared once next to its service.

    `table`: the transition table, or a function of the object giving it (an exit's procedure
    depends on its kind); `step_model`: the TransitionRow subclass written, `link` its foreign key
    to the object; `holds(user, role, obj, acting_for)`: whether the user holds a role of a move
    (None: no role check here, for workflows whose `check` asks it or trusted commands).
    The one way refusals are worded: `refused(obj, status, action)` when the table has no such
    move, `denied(obj, action, move, user)` (required with `holds`) when the user holds none of
    its roles, raised as `error` and `denied_error` (default: `error`). `queryset`: how the
    object is re-read and locked (the related rows the checks and messages read); `household`:
    the household the audit row is filed under; `audit_action`: the audit row's action (an
    AuditEntry.Action)."""

    table: Table | Callable[[M], Table]
    step_model: type[R]
    link: str
    holds: Holds | None
    refused: Callable[[M, str, str], str]
    denied: Callable[[M, str, Move, Any], str] | None
    error: type[Exception] = WorkflowError
    denied_error: type[Exception] | None = None
    status_field: str = "status"
    queryset: Callable[[], models.QuerySet[M]] | None = None
    household: Callable[[M], models.Model | None] | None = None
    audit_action: str = "event"

    def __post_init__(self) -> None:
        if self.holds is not None and self.denied is None:
            raise ValueError("a workflow that checks roles (holds) words its denials (denied)")

    def table_of(self, obj: M) -> Table:
        return self.table(obj) if callable(self.table) else self.table

    def locking(self, model: type[M]) -> models.QuerySet[M]:
        """The rows to lock: the declared queryset, else the model's; joined rows may be NULL."""
        qs = self.queryset() if self.queryset is not None else model._default_manager.all()
        return qs.select_for_update(of=("self",))

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """The error types its refusals raise (a batch reports the first with its index)."""
        return (self.error,) if self.denied_error is None else (self.error, self.denied_error)


def move_check(
    workflow: Workflow[M, Any],
    obj: M,
    action: str,
    user: AnyUser | None,
    acting_for: str | None = None,
) -> Move:
    """The table's move for (the object's status, action) if `user` may take it, else the
    workflow's refusal (`refused` as `error`, `denied` as `denied_error`)."""
    status = getattr(obj, workflow.status_field)
    found = workflow.table_of(obj).get((status, action))
    if found is None:
        raise workflow.error(workflow.refused(obj, status, action))
    holds = workflow.holds
    if holds is not None and not any(holds(user, r, obj, acting_for) for r in found.roles):
        assert workflow.denied is not None  # required with holds (__post_init__)
        raise (workflow.denied_error or workflow.error)(workflow.denied(obj, action, found, user))
    return found


@dataclass
class Outcome:
    """What a workflow's own checks decide about one move (returned by `transition`'s `check`).

    `to` overrides the move's target where the table leaves a choice (a disputed review
    conclusion); `step`: more fields of the transition row; `changes`: more fields of the object
    to save with the status; `before`/`after`: more audit values (`after` may be a function of
    the object and the row written); `note`: the audit row's reason."""

    to: str | None = None
    step: Mapping[str, Any] = field(default_factory=dict)
    changes: Mapping[str, Any] = field(default_factory=dict)
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] | Callable[[Any, Any], Mapping[str, Any]] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Request(Generic[M]):
    """One move of a batch (`transitions`): what `transition` takes for one call."""

    obj: M
    action: str
    user: AnyUser | None
    check: Callable[[M, Move], Outcome | None] | None = None
    opinion: str = ""
    evidence: Any = None
    actor: str = ""
    acting_for: str | None = None
    note: str = ""
    now: dt.datetime | None = None


class BatchRefused(Exception):
    """A move of a batch was refused: `error` is what `transition` raises for it alone, `index`
    its position in the batch; nothing of the batch was written."""

    def __init__(self, error: Exception, index: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.index = index


@dataclass
class _Taken:
    """One move checked and applied in memory: the row to write, the fields to save, the audit."""

    row: Any
    obj: Any
    update: list[str]
    before: dict[str, Any]
    after: Mapping[str, Any] | Callable[[Any, Any], Mapping[str, Any]]
    target: str
    reason: str
    household: models.Model | None


def _take(workflow: Workflow[M, R], locked: M, request: Request[M]) -> _Taken:
    """Check one move on the locked object and apply it in memory (nothing saved yet)."""
    from fupin.accounts.audit import actor_name, real_user

    current = getattr(locked, workflow.status_field)
    found = move_check(workflow, locked, request.action, request.user, request.acting_for)
    check = request.check
    outcome = (check(locked, found) if check is not None else None) or Outcome()
    target = outcome.to if outcome.to is not None else found.to
    fields: dict[str, Any] = {
        workflow.link: locked,
        "from_status": current,
        "to_status": target,
        "user": real_user(request.user),
        "actor": actor_name(request.user, request.actor),
        "opinion": request.opinion,
        **outcome.step,
    }
    if request.evidence is not None:
        fields["evidence"] = request.evidence
    if request.now is not None:
        fields["at"] = request.now
    row = workflow.step_model(**fields)
    setattr(locked, workflow.status_field, target)
    update = [workflow.status_field]
    for name, value in outcome.changes.items():
        setattr(locked, name, value)
        update.append(name)
    return _Taken(
        row=row,
        obj=locked,
        update=update,
        before={workflow.status_field: current, **outcome.before},
        after=outcome.after,
        target=target,
        reason=outcome.note if outcome.note is not None else request.note,
        household=workflow.household(locked) if workflow.household is not None else None,
    )


def _audit_values(workflow: Workflow[Any, Any], taken: _Taken) -> dict[str, Any]:
    after = taken.after(taken.obj, taken.row) if callable(taken.after) else taken.after
    return {
        "action": workflow.audit_action,
        "obj": taken.obj,
        "household": taken.household,
        "before": taken.before,
        "after": {workflow.status_field: taken.target, **after},
        "reason": taken.reason,
    }


def transition(
    workflow: Workflow[M, R],
    *,
    obj: M,
    action: str,
    user: AnyUser | None,
    check: Callable[[M, Move], Outcome | None] | None = None,
    opinion: str = "",
    evidence: Any = None,
    actor: str = "",
    acting_for: str | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> R:
    """Take one move of `obj` by `workflow`; returns the transition row written.

    Runs in one transaction (the caller's, if any): re-reads and locks `obj` (the workflow's
    `queryset`), checks the table and the actor's role (`move_check`; `acting_for`: the side or
    office the user acts for, passed to `holds`), runs the workflow's own `check(locked obj,
    move)` (refuses by raising; may return an Outcome), writes the step row, sets the status and
    the Outcome's `changes`, saves them with `update_fields`, and writes the audit row
    (before/after: the status, plus the Outcome's values; reason: the Outcome's note, else
    `note`). `actor` names a trusted command that has no user; `now` is the time recorded on both
    rows (default: the clock). The caller's `obj` is left as it was; read the new state from the
    row's object."""
    # The audit trail's module imports the models; tables import this module from models.py.
    from fupin.accounts.audit import audit_record

    request = Request(
        obj=obj,
        action=action,
        user=user,
        check=check,
        opinion=opinion,
        evidence=evidence,
        actor=actor,
        acting_for=acting_for,
        note=note,
        now=now,
    )
    with transaction.atomic():
        locked = workflow.locking(type(obj)).get(pk=obj.pk)
        taken = _take(workflow, locked, request)
        taken.row.save(force_insert=True)
        locked.save(update_fields=taken.update)
        audit_record(actor=user, actor_label=actor, now=now, **_audit_values(workflow, taken))
    return taken.row  # type: ignore[no-any-return]


def _save_changed(
    model: type[models.Model], objs: list[Any], fields: list[str], *, chunk: int
) -> None:
    """Save `fields` of `objs` as they stand in memory: one UPDATE for each set of values that
    objects share (a batch mostly moves its objects to the same status, with the same window or
    flag), rather than `bulk_update`'s CASE over every object and field. The same rows result."""
    attnames = [model._meta.get_field(name).attname for name in fields]
    groups: dict[tuple[Any, ...], list[Any]] = {}
    try:
        for obj in objs:
            values = tuple(getattr(obj, name) for name in attnames)
            groups.setdefault(values, []).append(obj.pk)
    except TypeError:  # a value that cannot be a key (a JSON field's dict): Django's own way
        model._default_manager.bulk_update(objs, fields)
        return
    for values, ids in groups.items():
        for start in range(0, len(ids), chunk):
            model._default_manager.filter(pk__in=ids[start : start + chunk]).update(
                **dict(zip(attnames, values, strict=True))
            )


def transitions(
    workflow: Workflow[M, R], requests: Iterable[Request[M]], *, chunk: int = 500
) -> list[R]:
    """Take a batch of moves in one transaction, all or nothing: the rows written, in order.

    Each request is checked exactly as `transition` checks one, in order and against the state
    the requests before it left (an object may appear more than once). The objects are locked and
    read in one query per `chunk` of them; the step rows, the objects' changed fields and the
    audit rows are then written with one bulk insert or update each (an `after` function sees the
    object as the whole batch left it). The first request refused raises BatchRefused (its index
    and the error `transition` would raise) and nothing is written."""
    from fupin.accounts.audit import audit_entry, audit_record_many

    batch = list(requests)
    if not batch:
        return []
    model = type(batch[0].obj)
    with transaction.atomic():
        ids = sorted({request.obj.pk for request in batch})
        locked: dict[Any, M] = {}
        for start in range(0, len(ids), chunk):
            rows = workflow.locking(model).filter(pk__in=ids[start : start + chunk])
            locked.update((o.pk, o) for o in rows)
        taken: list[_Taken] = []
        for index, request in enumerate(batch):
            obj = locked.get(request.obj.pk)
            if obj is None:
                raise model.DoesNotExist(f"{model.__name__} matching query does not exist.")  # type: ignore[attr-defined]
            try:
                taken.append(_take(workflow, obj, request))
            except workflow.errors as refused:
                raise BatchRefused(refused, index) from None
        workflow.step_model._default_manager.bulk_create([t.row for t in taken])
        changed = {t.obj.pk: t.obj for t in taken}
        update = list(dict.fromkeys(name for t in taken for name in t.update))
        _save_changed(model, list(changed.values()), update, chunk=chunk)
        audit_record_many(
            audit_entry(
                actor=request.user,
                actor_label=request.actor,
                now=request.now,
                **_audit_values(workflow, t),
            )
            for request, t in zip(batch, taken, strict=True)
        )
    return [t.row for t in taken]
