"""The one workflow mechanism: the Move shape every transition table uses, the abstract
transition row, and the one helper every `<thing>_transition` service calls.

A table maps (from status, action) to a Move; for workflows whose pages post the target status
(campaigns, exits, monitoring) the action is the target status code. The helper checks the table
and the actor's role, re-reads and locks the object, writes the transition row and the audit row,
and saves the object with `update_fields`: the shape of django-oscar's `Order.set_status()` with
its `OrderStatusChange` rows, and of DHIS2's data approval. Checks that belong to one workflow
(opinion wording, notice dates, signatures, windows) stay in that app's service: the `check` it
passes runs on the locked object, between the role check and the writes.

Who holds a role is the app's question (`holds`): `fupin.accounts.roles.has_role` for the
assessment roles, an office over the object's region for exits and monitoring, the pairing's
side for the cooperation ledger; `holds=None` only for trusted commands (no user). The batched
verification actions (`problems_transition`) use `move_check` and write their rows in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


class WorkflowError(ValueError):
    """A move the table or the actor's roles do not allow; the message is for the user (Chinese).

    Apps raise their own error types (AssessmentError, ExitError…) through `error=`."""


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

Holds = Callable[[Any, str], bool]


def _label(labels: Any, code: str) -> str:
    if labels is None:
        return code
    try:
        return str(labels(code).label)
    except ValueError:
        return code


def move_check(
    *,
    table: Table,
    status: str,
    action: str,
    user: AnyUser | None,
    holds: Holds | None,
    error: type[Exception] = WorkflowError,
    denied_error: type[Exception] | None = None,
    statuses: Any = None,
    actions: Any = None,
    what: str = "",
    refused: Callable[[str, str], str] | None = None,
    denied: Callable[[Move], str] | None = None,
) -> Move:
    """The table's move for (status, action) if `user` may take it, else `error`/`denied_error`.

    `holds(user, role)` decides whether the user holds a role of the move (required: None only
    for a trusted command, which takes no role check). `statuses`/`actions` are the TextChoices that label the codes in
    the default messages; `refused`/`denied` build an app's own wording."""
    found = table.get((status, action))
    if found is None:
        if refused is not None:
            raise error(refused(status, action))
        raise error(
            f"{what}当前为“{_label(statuses, status)}”，不能进行“{_label(actions, action)}”"
        )
    if holds is not None and not any(holds(user, r) for r in found.roles):
        if denied is not None:
            raise (denied_error or error)(denied(found))
        raise (denied_error or error)(f"当前用户无权进行“{found.label or _label(actions, action)}”")
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


def transition(
    *,
    obj: M,
    table: Table,
    action: str,
    user: AnyUser | None,
    step_model: type[R],
    link: str,
    holds: Holds | None,
    check: Callable[[M, Move], Outcome | None] | None = None,
    opinion: str = "",
    evidence: Any = None,
    actor: str = "",
    queryset: models.QuerySet[M] | None = None,
    status_field: str = "status",
    error: type[Exception] = WorkflowError,
    denied_error: type[Exception] | None = None,
    statuses: Any = None,
    actions: Any = None,
    what: str = "",
    refused: Callable[[str, str], str] | None = None,
    denied: Callable[[Move], str] | None = None,
    note: str = "",
    audit_action: str = "event",
    household: models.Model | Callable[[M], models.Model | None] | None = None,
    now: dt.datetime | None = None,
) -> R:
    """Take one move of `obj` by `table`; returns the transition row written.

    Runs in one transaction (the caller's, if any): re-reads and locks `obj` (through `queryset`
    when the checks need related rows), checks the table and the actor's role (`move_check`),
    runs the workflow's own `check(locked obj, move)` (refuses by raising; may return an
    Outcome), writes the `step_model` row (`link` names its foreign key to the object), sets the
    status and the Outcome's `changes`, saves them with `update_fields`, and writes the audit row
    (before/after: the status, plus the Outcome's values). `now` is the time recorded on both rows
    (default: the clock). `audit_action`: the audit row's action (an AuditEntry.Action, by default a
    status change). `household`: the household the audit row is filed under (or a function of the
    locked object). The caller's `obj` is left as it was; read the new state from the row's object."""
    # The audit trail's module imports the models; tables import this module from models.py.
    from fupin.accounts.audit import actor_name, audit_record, real_user

    with transaction.atomic():
        qs = queryset if queryset is not None else type(obj)._default_manager.all()
        locked = qs.select_for_update(of=("self",)).get(pk=obj.pk)  # joined rows may be NULL
        current = getattr(locked, status_field)
        found = move_check(
            table=table,
            status=current,
            action=action,
            user=user,
            holds=holds,
            error=error,
            denied_error=denied_error,
            statuses=statuses,
            actions=actions,
            what=what,
            refused=refused,
            denied=denied,
        )
        outcome = (check(locked, found) if check is not None else None) or Outcome()
        target = outcome.to if outcome.to is not None else found.to
        fields: dict[str, Any] = {
            link: locked,
            "from_status": current,
            "to_status": target,
            "user": real_user(user),
            "actor": actor_name(user, actor),
            "opinion": opinion,
            **outcome.step,
        }
        if evidence is not None:
            fields["evidence"] = evidence
        if now is not None:
            fields["at"] = now
        row = step_model._default_manager.create(**fields)
        setattr(locked, status_field, target)
        update = [status_field]
        for name, value in outcome.changes.items():
            setattr(locked, name, value)
            update.append(name)
        locked.save(update_fields=update)
        after = outcome.after(locked, row) if callable(outcome.after) else outcome.after
        audit_record(
            actor=user,
            actor_label=actor,
            action=audit_action,
            obj=locked,
            household=household(locked) if callable(household) else household,
            before={status_field: current, **outcome.before},
            after={status_field: target, **after},
            reason=outcome.note if outcome.note is not None else note,
            now=now,
        )
    return row
