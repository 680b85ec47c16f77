"""What the exit services share: the error type and the user type (audit rows and fingerprints
come from fupin.accounts.audit, the office checks from fupin.accounts.scoping)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

User = AbstractBaseUser | AnonymousUser


class ExitError(ValueError):
    """A step the exit rules do not allow; the message is for the user (Chinese)."""
