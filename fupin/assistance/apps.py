"""The assistance app (帮扶): 双到 pairings, the three household ledgers, projects and funds."""

from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "fupin.assistance"
    verbose_name = "帮扶"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fupin.accounts.scoping import scope_source
        from fupin.assistance.audit_values import audit_values_register
        from fupin.assistance.selectors import (
            ledger_check_input,
            pairing_scope,
            pairing_scope_flags,
        )
        from fupin.registry.checking import check_input_source

        scope_source(pairing_scope, pairing_scope_flags())
        check_input_source(ledger_check_input)
        audit_values_register()
        from fupin.assistance.uploads import register

        register()  # the help's XLSX as a kind of the registry's web upload
