"""Django app config for the registry (建档立卡)."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fupin.registry"
    verbose_name = "建档立卡"

    def ready(self) -> None:
        from fupin.policy.contact import mask_phone
        from fupin.registry.audit_values import audit_value_source

        # 联系电话 is personal data: the audit list shows it masked, as it does ID numbers.
        audit_value_source("Household", "phone", "联系电话", name=lambda v: mask_phone(str(v)))
