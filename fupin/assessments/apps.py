"""Django app config for assessments (考核评估)."""

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "fupin.assessments"
    verbose_name = "考核评估"
    default_auto_field = "django.db.models.BigAutoField"
