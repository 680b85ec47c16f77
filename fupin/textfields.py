"""The text rules (fupin.policy.text) on every text field of every form and API serializer.

Installed once at start-up (AccountsConfig.ready): each `django.forms.CharField` and each
`rest_framework.fields.CharField` — and so their subclasses (e-mail, slug, URL, regex fields), in
forms written by hand, ModelForms, the admin and ModelSerializers alike — gets one validator that
refuses control characters and, where the field states no length, text longer than
FREE_TEXT_MAX. A hook on the two field classes rather than a base class for the ~120 forms and
serializers, so that a form added later cannot forget it. The validator replaces the libraries'
own NUL check so that a NUL byte gets one message, in Chinese, naming the field.

An API field that names a row by a text key (`SlugRelatedField`) looks the row up before any
validator runs: there the same rule is applied to the key before the lookup (a NUL byte in it
was a server error on PostgreSQL, which refuses NUL in a query).

Multi-line: a form field whose widget is a textarea, or any field without a stated length or with
one above a line (LINE_TEXT_MAX), may hold tab and newline; a name or a code may not.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.deconstruct import deconstructible

from fupin.policy.text import FREE_TEXT_MAX, LINE_TEXT_MAX, text_problem

_installed = False


def _label(field: Any) -> str:
    """The form field's label; for an API field, the label given in code, else the field's name
    as the client sends it (DRF's own fallback, "Raised by name", helps nobody)."""
    label = getattr(field, "fupin_label", None) or getattr(field, "label", None)
    if hasattr(field, "field_name") and not getattr(field, "fupin_label", None):
        label = field.field_name
    return str(label or "")


@deconstructible
class TextValidator:
    """Control characters and over-long text refused, the message naming the field."""

    code = "bad_text"

    def __init__(self, field: Any, *, multiline: bool, max_length: int | None) -> None:
        self.field = field
        self.multiline = multiline
        self.max_length = max_length

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str):
            return
        problem = text_problem(
            value, max_length=self.max_length, multiline=self.multiline, field=_label(self.field)
        )
        if problem:
            raise ValidationError(problem, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and (self.multiline, self.max_length) == (
            other.multiline,
            other.max_length,
        )


def _is_nul_check(validator: Any) -> bool:
    return isinstance(validator, ProhibitNullCharactersValidator)


def _multiline(max_length: int | None, textarea: bool) -> bool:
    return textarea or max_length is None or max_length > LINE_TEXT_MAX


def _form_field_init(original: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        from django.forms import Textarea

        textarea = isinstance(self.widget, Textarea)
        self.validators = [v for v in self.validators if not _is_nul_check(v)]
        self.validators.append(
            TextValidator(
                self,
                multiline=_multiline(self.max_length, textarea),
                max_length=None if self.max_length is not None else FREE_TEXT_MAX,
            )
        )

    return __init__


def _api_field_init(original: Any) -> Any:
    def __init__(self: Any, **kwargs: Any) -> None:
        original(self, **kwargs)
        self.fupin_label = kwargs.get("label")
        self.validators = [v for v in self.validators if not _is_nul_check(v)]
        self.validators.append(
            TextValidator(
                self,
                multiline=_multiline(self.max_length, False),
                max_length=None if self.max_length is not None else FREE_TEXT_MAX,
            )
        )

    return __init__


def _slug_lookup(original: Any) -> Any:
    def to_internal_value(self: Any, data: Any) -> Any:
        # Django's ValidationError: the serializer reports it under the field, as for a validator.
        TextValidator(self, multiline=False, max_length=LINE_TEXT_MAX)(data)
        return original(self, data)

    return to_internal_value


def install() -> None:
    """Hook the validator into the two CharField classes, and the rule into text-key lookups of
    the API (once per process)."""
    global _installed
    if _installed:
        return
    from django import forms
    from rest_framework import fields as api_fields
    from rest_framework import relations as api_relations

    forms.CharField.__init__ = _form_field_init(forms.CharField.__init__)  # type: ignore[method-assign]
    api_fields.CharField.__init__ = _api_field_init(api_fields.CharField.__init__)  # type: ignore[method-assign]
    api_relations.SlugRelatedField.to_internal_value = _slug_lookup(  # type: ignore[method-assign]
        api_relations.SlugRelatedField.to_internal_value
    )
    _installed = True
