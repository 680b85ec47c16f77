"""What every assessment service shares: the error type and role labels (audit rows and
checksums come from fupin.accounts.audit)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from fupin.accounts.models import Role

User = AbstractBaseUser | AnonymousUser


class AssessmentError(ValueError):
    """A step the assessment's rules do not allow; the message is for the user (Chinese)."""


def role_label(role: str) -> str:
    return str(Role(role).label)
