"""Django app config for assessments (考核评估)."""

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "fupin.assessments"
    verbose_name = "考核评估"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fupin.accounts.scoping import scope_source
        from fupin.assessments import people_source
        from fupin.assessments.audit_values import audit_values_register
        from fupin.assessments.selectors import (
            campaign_scope,
            evaluation_scope,
            evaluation_scope_flags,
        )

        scope_source(campaign_scope)
        scope_source(evaluation_scope, evaluation_scope_flags())
        audit_values_register()
        people_source.register()  # the working group's grants on the people pages
        from fupin.assessments import uploads

        uploads.register()  # the department's list of problems as a kind of the web upload
