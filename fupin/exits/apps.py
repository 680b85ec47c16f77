"""Django app config for exit procedures and the 3342 sign-off (贫困退出)."""

from django.apps import AppConfig


class ExitsConfig(AppConfig):
    name = "fupin.exits"
    verbose_name = "贫困退出"

    def ready(self) -> None:
        from fupin.exits.selectors import exit_notice_check_input
        from fupin.registry.checking import check_input_source

        check_input_source(exit_notice_check_input)

        from fupin.exits import procedure_records

        procedure_records.register()

        from fupin.exits.audit_values import audit_values_register

        audit_values_register()
