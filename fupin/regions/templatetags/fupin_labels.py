"""A field's Chinese label for its stored code, cheaply: `{% load fupin_labels %}`, then
`{{ m|label:"relation" }}` where a template would write `{{ m.get_relation_display }}`.

Django's `get_FOO_display` rebuilds the whole choices table on every call, translating every
label of it; a list of 50 households with three coded columns paid that 150 times a page. Here the
table is built once per field and language and kept.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Field, Model
from django.utils.translation import get_language

register = template.Library()

_TABLES: dict[tuple[Field[Any, Any], str | None], dict[Any, str]] = {}


def label_of(obj: Model, name: str) -> Any:
    """What `obj.get_<name>_display()` returns: the label of the stored value, or the value
    itself when it is not one of the choices."""
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)  # type: ignore[union-attr]
    key = (field, get_language())
    table = _TABLES.get(key)
    if table is None:
        table = {v: str(text) for v, text in field.flatchoices}  # type: ignore[union-attr]
        _TABLES[key] = table
    try:
        return table.get(value, value)
    except TypeError:  # an unhashable value (a list in a JSON field): shown as it is
        return value


@register.filter
def label(obj: Model, name: str) -> Any:
    return label_of(obj, name)
