"""Who may call the API's write endpoints (reads are open to every signed-in user, then scoped)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from fupin.assessments.models import Enumerator


def enumerator_of(user: Any) -> Enumerator | None:
    """The active user's enumerator record: fieldwork goes by the record and its team, as the
    field pages and scoping do; the enumerator role is for the verification steps."""
    if not (user.is_authenticated and user.is_active):
        return None
    return Enumerator.objects.filter(user=user).first()


class IsEnumerator(BasePermission):
    message = "只有调查员可以提交入户调查问卷"

    def has_permission(self, request: Request, view: Any) -> bool:
        return enumerator_of(request.user) is not None
