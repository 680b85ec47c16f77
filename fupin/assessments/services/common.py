"""What every assessment service shares: the error type, role labels and who is on a campaign's
working group (audit rows and checksums come from fupin.accounts.audit)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from fupin.accounts.models import Membership, Role

User = AbstractBaseUser | AnonymousUser


class AssessmentError(ValueError):
    """A step the assessment's rules do not allow; the message is for the user (Chinese)."""


def role_label(role: str) -> str:
    return str(Role(role).label)


def in_working_group(user: User | None, campaign: Any = None) -> bool:
    """Whether the active user is on the working group of `campaign` (a working-group row tied to
    it, or to no campaign); without a campaign, whether they hold the role at all: who creates,
    draws, registers, assigns, computes and decides."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    rows = Membership.objects.filter(user_id=user.pk, role=Role.WORKING_GROUP)
    if campaign is not None:
        rows = rows.filter(Q(campaign=campaign) | Q(campaign__isnull=True))
    return bool(rows.exists())
