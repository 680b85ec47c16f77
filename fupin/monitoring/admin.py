"""Admin for the configurable monitoring range; objects and reports go through the audited
services and pages."""

from django.contrib import admin

from fupin.monitoring.models import MonitoringSettings


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "province",
        "line_multiple",
        "income_fall_share",
        "rigid_spending_share",
        "transition_years",
        "source",
    ]
    raw_id_fields = ["province"]
