"""The East-West cooperation app (东西部扶贫协作, DOMAIN.md §7): pairings, agreements, ledger, grades."""

from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "fupin.cooperation"
    verbose_name = "东西部扶贫协作"
    default_auto_field = "django.db.models.BigAutoField"
