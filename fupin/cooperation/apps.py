"""The East-West cooperation app (东西部扶贫协作, DOMAIN.md §7): pairings, agreements, ledger, grades."""

from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "fupin.cooperation"
    verbose_name = "东西部扶贫协作"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fupin.cooperation.uploads import register

        register()  # the ledger as a kind of the registry's web upload
