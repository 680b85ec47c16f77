"""Admin for roles and cadres' households (system admins grant roles here).

A role is one Membership row (the role's Chinese name, and the region, institution or campaign it
is tied to), granted on the user's own page or in the role list; Django's Groups carry no domain
role. Every admin view that can change a role (a Membership row, a user's groups or privilege flags)
runs `acting_as(request.user)`, so fupin's audit trail names the administrator, not only
Django's admin log (fupin.accounts.auditing writes the rows).
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse

from fupin.accounts.auditing import acting_as
from fupin.accounts.models import CadreHousehold, LoginThrottle, Membership


class AuditedAdminMixin:
    """Changes made through these admin views are audited as made by the logged-in user."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with acting_as(request.user):
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with acting_as(request.user):
            return super().delete_view(request, *args, **kwargs)  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with acting_as(request.user):  # bulk actions ("delete selected") run here
            return super().changelist_view(request, *args, **kwargs)  # type: ignore[misc]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    """The user's roles, on the user's page: granting a role is adding one row here."""

    model = Membership
    extra = 0
    fields = ["role", "region", "institution", "campaign", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["region", "institution", "campaign"]


@admin.register(User)
class AuditedUserAdmin(AuditedAdminMixin, UserAdmin):  # type: ignore[misc]
    """Django's user admin with the user's roles; a change of roles, groups or of
    superuser/staff/active status is audited."""

    inlines = [MembershipInline]

    def user_change_password(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with acting_as(request.user):
            return super().user_change_password(request, *args, **kwargs)


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "region", "institution", "campaign", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "region__name", "region__code"]
    raw_id_fields = ["user", "region", "institution", "campaign"]


@admin.register(CadreHousehold)
class CadreHouseholdAdmin(admin.ModelAdmin):
    list_display = ["user", "household"]
    raw_id_fields = ["user", "household"]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["username", "ip", "failures", "last_failure_at", "locked_until"]
