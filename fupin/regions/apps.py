"""Django app config for the region tree."""

from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "fupin.regions"
    verbose_name = "行政区划"
