"""Account pages: login and password change behind the failed-login lock. There is no self-service
password reset: fupin sends no mail; the office that manages a user gives a one-time password
(fupin.accounts.people_views). The logged full-ID view of one household member is the
registry's (`fupin.registry.views.person_full_id`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from fupin.accounts.first_login import must_change_password, password_changed_by_self
from fupin.accounts.forms import ThrottledAuthenticationForm, ThrottledPasswordChangeForm


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["must_change"] = must_change_password(self.request.user)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        """The user's own password replaces a one-time password: its mark is cleared."""
        response = super().form_valid(form)
        password_changed_by_self(self.request.user)
        return response
