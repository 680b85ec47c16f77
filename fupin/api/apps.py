"""The REST API as a Django app, so that its token rules are connected at start-up."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "fupin.api"
    label = "fupin_api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from fupin.api.tokens import revoke_on_credentials_change

        pre_save.connect(
            revoke_on_credentials_change,
            sender=get_user_model(),
            dispatch_uid="fupin.api.tokens.revoke_on_credentials_change",
        )
