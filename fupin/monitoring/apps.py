"""The monitoring app (防止返贫监测, DOMAIN.md §8): monitoring objects, reports, slackening signals."""

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "fupin.monitoring"
    verbose_name = "防止返贫监测"
    default_auto_field = "django.db.models.BigAutoField"
