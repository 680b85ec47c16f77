"""Account pages; the rest of login/logout/password change comes from django.contrib.auth.urls."""

from django.urls import path

from fupin.accounts import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path(
        "households/<str:household_no>/id/<int:person_pk>/",
        views.person_full_id,
        name="person_full_id",
    ),
]
