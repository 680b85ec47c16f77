"""The assistance app (帮扶): 双到 pairings, the three household ledgers, projects and funds."""

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "fupin.assistance"
    verbose_name = "帮扶"
    default_auto_field = "django.db.models.BigAutoField"
