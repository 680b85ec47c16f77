"""Admin for the configurable policy and the helping units (pairings and ledgers go through the
audited services and pages, so they are read-only here)."""

from django.contrib import admin

from fupin.assistance.models import HelpingUnit, HelpingUnitMember, ProvincePolicy


@admin.register(ProvincePolicy)
class ProvincePolicyAdmin(admin.ModelAdmin):
    list_display = ["province", "max_households_per_cadre", "tracking_years", "source"]
    raw_id_fields = ["province"]


class HelpingUnitMemberInline(admin.TabularInline):
    model = HelpingUnitMember
    raw_id_fields = ["user"]
    extra = 0


@admin.register(HelpingUnit)
class HelpingUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    raw_id_fields = ["region"]
    inlines = [HelpingUnitMemberInline]
