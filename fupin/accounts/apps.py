"""Accounts: who a user is in fupin (role, region, assignments) and what they may see."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fupin.accounts"
    verbose_name = _("账号与权限")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fupin import textfields
        from fupin.accounts import auditing

        auditing.connect()
        # Every form's and serializer's text fields refuse control characters (issue #18).
        textfields.install()
