"""Account pages: login and password change behind the failed-login lock, and the logged full-ID
view of one household member. There is no password reset: fupin sends no mail; an office's
system administrator sets a new password (`fupin` admin or `manage.py changepassword`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fupin.accounts.forms import ThrottledAuthenticationForm, ThrottledPasswordChangeForm
from fupin.accounts.services import FullIdDenied, person_view_full_id
from fupin.registry.models import Person
from fupin.registry.selectors import can_view_full_id, households_for


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def person_full_id(request: HttpRequest, household_no: str, person_pk: int) -> HttpResponse:
    """GET asks for confirmation (the number stays masked); POST shows it and logs the view."""
    person = (
        Person.objects.select_related("household__village")
        .filter(
            pk=person_pk,
            household__household_no=household_no,
            household__in=households_for(request.user),
        )
        .first()
    )
    if person is None:
        raise Http404("没有这个人，或无权查看")
    if not can_view_full_id(request.user, person.household):
        return render(
            request, "accounts/full_id.html", {"person": person, "denied": True}, status=403
        )
    full_id = None
    if request.method == "POST":
        try:
            full_id = person_view_full_id(
                user=request.user,
                household_no=household_no,
                person_pk=person_pk,
            ).id_number
        except (Person.DoesNotExist, FullIdDenied) as e:  # changed between the two reads
            raise Http404("没有这个人，或无权查看") from e
    return render(request, "accounts/full_id.html", {"person": person, "full_id": full_id})
