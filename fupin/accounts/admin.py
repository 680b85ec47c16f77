"""Admin for roles, cadres' households and working groups (system admins grant roles here)."""

from django.contrib import admin

from fupin.accounts.models import CadreHousehold, CampaignMember, LoginThrottle, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "institution", "created_at"]
    list_filter = ["role"]
    raw_id_fields = ["user", "region"]


@admin.register(CadreHousehold)
class CadreHouseholdAdmin(admin.ModelAdmin):
    list_display = ["user", "household"]
    raw_id_fields = ["user", "household"]


@admin.register(CampaignMember)
class CampaignMemberAdmin(admin.ModelAdmin):
    list_display = ["campaign", "user"]
    raw_id_fields = ["user"]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["username", "ip", "failures", "last_failure_at", "locked_until"]
