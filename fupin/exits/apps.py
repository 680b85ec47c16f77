"""Django app config for exit procedures and the 3342 sign-off (贫困退出)."""

from django.apps import AppConfig


class ExitsConfig(AppConfig):
    name = "fupin.exits"
    verbose_name = "贫困退出"
