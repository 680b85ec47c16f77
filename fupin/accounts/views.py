"""Account pages: login and password change behind the failed-login lock. There is no self-service
password reset: fupin sends no mail; the office that manages a user gives a one-time password
(fupin.accounts.people_views). The logged full-ID view of one household member is the
registry's (`fupin.registry.views.person_full_id`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views

from fupin.accounts.forms import ThrottledAuthenticationForm, ThrottledPasswordChangeForm


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}
