"""Who may call the API's write endpoints (reads are open to every signed-in user, then scoped)."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from fupin.api.errors import NOT_FOUND
from fupin.assessments.models import Campaign, Enumerator
from fupin.assessments.selectors import campaigns_for
from fupin.assessments.services.common import in_working_group


def campaign_visible(request: Request, campaign_id: int) -> Campaign | None:
    """The campaign the caller may see (the pages' `campaigns_for`), or None: a 404 to them."""
    return campaigns_for(request.user).filter(pk=campaign_id).first()


def working_group_campaign(
    request: Request, campaign_id: int, forbidden: str
) -> Campaign | Response:
    """The campaign, when the caller is on its working group; otherwise the refusal to return
    (404 when they may not see it, 403 with `forbidden` when they see it but are not on its
    working group)."""
    campaign = campaign_visible(request, campaign_id)
    if campaign is None:
        return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
    if not in_working_group(request.user, campaign):
        return Response({"detail": forbidden}, status=status.HTTP_403_FORBIDDEN)
    return campaign


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
