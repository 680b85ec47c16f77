"""Admin for the editable parts of East-West cooperation: the indicator catalogue and grade rules
(data, changed by year), and read access to pairings and agreements."""

from django.contrib import admin

from fupin.cooperation.models import (
    Agreement,
    AgreementTarget,
    GradeRule,
    Indicator,
    Pairing,
    PartnerPairing,
)


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "side",
        "area",
        "name",
        "unit",
        "aggregation",
        "weight",
        "from_year",
        "to_year",
    ]
    list_filter = ["side", "area", "aggregation"]
    search_fields = ["code", "name"]
    raw_id_fields = ["base", "counterpart"]


@admin.register(GradeRule)
class GradeRuleAdmin(admin.ModelAdmin):
    list_display = [
        "order",
        "grade",
        "side",
        "min_score",
        "min_done_share",
        "max_not_done",
        "max_open_disputes",
        "from_year",
        "to_year",
    ]
    list_editable = ["min_score", "min_done_share", "max_not_done", "max_open_disputes"]
    list_display_links = ["order"]


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "level", "start_year", "end_year", "parent"]
    list_filter = ["level"]
    raw_id_fields = ["east", "west", "parent"]


@admin.register(PartnerPairing)
class PartnerPairingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "pairing", "start_year", "end_year"]
    list_filter = ["kind"]
    raw_id_fields = ["pairing", "west_region"]


class TargetInline(admin.TabularInline):
    model = AgreementTarget
    raw_id_fields = ["indicator"]
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "year", "status", "signed_on"]
    list_filter = ["year", "status"]
    raw_id_fields = ["pairing"]
    inlines = [TargetInline]
