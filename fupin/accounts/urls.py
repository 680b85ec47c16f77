"""Account pages: login, logout and password change (Django's views, fupin's throttled forms),
and the offices' people pages under /people/ (fupin.accounts.people_urls).

Self-service password reset is not offered: fupin sends no mail; an official's password is reset
by the office that manages them (a one-time password, /people/<id>/password/). The admin's login
page uses the same lock-aware form.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fupin.accounts import views
from fupin.accounts.forms import AdminLoginForm

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("people/", include("fupin.accounts.people_urls")),  # offices manage their people
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
