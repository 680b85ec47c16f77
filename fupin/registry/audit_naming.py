"""The audit trail's rows in Chinese: each row's record and its values named rather than keyed
(a household by its number, a region or a campaign by its name, codes by their labels), ID numbers
masked. A page of rows is named in a fixed number of queries (`audit_rows`: every record the page
points to is loaded once per model), whatever the number of rows; a value named by another app's
function (`registry.audit_values`) is named once per page for the same value.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

from fupin.accounts.models import AuditEntry
from fupin.policy import idnumber
from fupin.regions.models import Region
from fupin.registry.audit_values import AuditValue, audit_value, codes_of, value_text
from fupin.registry.models import Household, Person, StatusEvent


def mask_ids(value: Any) -> Any:
    """The value with every ID number masked, at any depth and in free text (policy.idnumber)."""
    return idnumber.mask_all(value)


_REGISTRY_MODELS: dict[str, type[models.Model]] = {
    "Household": Household,
    "Person": Person,
    "StatusEvent": StatusEvent,
}
# Keys that are not model fields: household imports' nested lists and county loads' counts.
_EXTRA_LABELS = {
    "members": "家庭成员",
    "events": "状态变更",
    "household_no": "户编号",
    "villages": "村数",
    "households": "户数",
    "persons": "人数",
    # Account rows (fupin.accounts.auditing) and field submissions.
    "user": "用户",
    "username": "用户名",
    "group": "评估角色",
    "ip": "IP 地址",
    "entrance": "登录入口",
    "answers": "回答数",
}


def _model_named(name: str) -> type[models.Model] | None:
    """The model an audit row names (registry models first, then any installed app's)."""
    if name in _REGISTRY_MODELS:
        return _REGISTRY_MODELS[name]
    return next((m for m in apps.get_models() if m.__name__ == name), None)


def _field(model: str, key: str) -> Any:
    own = _model_named(model)
    # A registry row may nest another registry model's values (a household's members).
    candidates = [own] if own else []
    if model in _REGISTRY_MODELS:
        candidates += list(_REGISTRY_MODELS.values())
    for cls in candidates:
        try:
            field = cls._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        if getattr(field, "verbose_name", None):
            return field
    return None


class _RegionName:
    """Marks a region named by its name alone, from its code or its id (a key among the values);
    a region the row is about is named as any record, by `str()`."""


class AuditNames:
    """The names of the records audit rows point to, loaded per model: everything wanted so far in
    one query per model (`want`, then `load`); a name asked for and not wanted before is loaded on
    its own. A key among the values is named by `name` (a region by its name, from its code or its
    id); the record a row is about by `record` (its `str()`)."""

    def __init__(self) -> None:
        self._wanted: dict[Any, set[Any]] = defaultdict(set)
        self._names: dict[Any, dict[Any, str]] = defaultdict(dict)
        self._loaded: dict[Any, set[Any]] = defaultdict(set)
        self._called: dict[tuple[Any, str], str] = {}

    @staticmethod
    def _kind(model: type[models.Model]) -> Any:
        return _RegionName if model is Region else model

    @staticmethod
    def _key(kind: Any, value: Any) -> Any:
        if kind is _RegionName:
            return None if value is None or isinstance(value, bool) else str(value)
        return _int_or_none(value)

    def want(self, model: type[models.Model], value: Any) -> None:
        """Note a key among a row's values, to be named by `name`."""
        self._want(self._kind(model), value)

    def want_record(self, model: type[models.Model], key: Any) -> None:
        """Note the record a row is about, to be named by `record`."""
        self._want(model, key)

    def _want(self, kind: Any, value: Any) -> None:
        key = self._key(kind, value)
        if key is not None and key not in self._loaded[kind]:
            self._wanted[kind].add(key)

    def load(self) -> None:
        for kind, keys in list(self._wanted.items()):
            if keys:
                self._load(kind, keys)
        self._wanted.clear()

    def _load(self, kind: Any, keys: set[Any]) -> None:
        names = self._names[kind]
        if kind is _RegionName:
            ids = {k for k in map(_int_or_none, keys) if k is not None}
            rows = Region.objects.filter(Q(code__in=keys) | Q(pk__in=ids)).values_list(
                "pk", "code", "name"
            )
            by_code = {}
            for pk, code, name in rows:
                by_code[code] = name
                if str(pk) in keys:
                    names[str(pk)] = name
            names.update(by_code)  # a code before an id that happens to read the same
        else:
            # The records' own names (`__str__`) often read a related record: fetched with them.
            related = [
                f.name
                for f in kind._meta.concrete_fields
                if f.is_relation and (f.many_to_one or f.one_to_one)
            ]
            qs = kind._default_manager.filter(pk__in=keys).select_related(*related)
            names.update({obj.pk: str(obj) for obj in qs})
        self._loaded[kind] |= keys

    def _named(self, kind: Any, value: Any) -> str | None:
        key = self._key(kind, value)
        if key is None:
            return None
        if key not in self._loaded[kind]:
            self._want(kind, value)
            self.load()
        return self._names[kind].get(key)

    def name(self, model: type[models.Model], value: Any) -> str | None:
        """The name of the record a key among the values points to, or None where there is none."""
        return self._named(self._kind(model), value)

    def record(self, model: type[models.Model], key: Any) -> str | None:
        """The record's own name (`str()`), or None where there is no such record."""
        return self._named(model, key)

    def named_by(self, name: Callable[[Any], str], value: Any) -> str:
        """`name(value)` (another app's naming function), asked once per value."""
        key = (name, json.dumps(value, sort_keys=True, default=str))
        if key not in self._called:
            self._called[key] = name(value)
        return self._called[key]


def _related_text(value: Any, field: Any, names: AuditNames | None = None) -> str | None:
    """A foreign key's audited value as the record's name rather than its key (a region's name for
    its code, a campaign's name for its id), or None where there is no such record."""
    return (names or AuditNames()).name(field.related_model, value)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _names_key(value: Any, field: Any) -> bool:
    """Whether `value` of `field` is a key to name by its record."""
    return getattr(field, "many_to_one", False) and not isinstance(value, (dict, list))


def _text(value: Any, field: Any = None, names: AuditNames | None = None) -> str:
    if value is None:
        return ""
    if _names_key(value, field):
        named = _related_text(value, field, names)
        if named is not None:
            return named
    if field is not None and getattr(field, "choices", None) and isinstance(value, str):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dict, list)):
        codes = codes_of(dict(field.flatchoices)) if getattr(field, "choices", None) else {}
        return value_text(value, codes, _EXTRA_LABELS)
    return str(value)


def _registered_text(registered: AuditValue, value: Any, names: AuditNames | None = None) -> str:
    """A value of a key another app registered (audit_values): named by its function (once per
    page for the same value), or written with its codes' labels."""
    if value is None:
        return ""
    if registered.name is not None:
        if names is None:
            return registered.name(value)
        return names.named_by(registered.name, value)
    return value_text(value, registered.codes)


def _member_text(values: Any, names: AuditNames | None = None) -> str:
    """One member's audited values with Person's field labels and choice labels."""
    if not isinstance(values, dict):
        return "（无）" if values is None else _text(values)
    parts = []
    for k, v in values.items():
        field = _field("Person", k)
        label = str(field.verbose_name) if field is not None else k
        parts.append(f"{label}：{_text(v, field, names) or '—'}")
    return "，".join(parts)


def _members(value: Any) -> list[Any]:
    """A household import's members: a list (new household) or a mapping keyed by the member's
    internal id (an update; None before = added, None after = removed)."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []


def _members_text(value: Any, names: AuditNames | None = None) -> str:
    if isinstance(value, list):
        return "；".join(_member_text(m, names) for m in value)
    if isinstance(value, dict):
        return "；".join(f"成员 #{k}：{_member_text(v, names)}" for k, v in value.items())
    return _text(value)


def audit_model_label(entry: AuditEntry) -> str:
    """The Chinese name of the kind of record an audit row is about (户, 家庭成员, 评估项目 …)."""
    cls = _model_named(entry.model)
    return str(cls._meta.verbose_name) if cls is not None else entry.model


def _named_object(entry: AuditEntry) -> type[models.Model] | None:
    """The model of the record the row is about where that record is named by itself."""
    cls = _model_named(entry.model)
    if cls is None or cls is Household or cls.__str__ is models.Model.__str__:
        return None
    return cls


def audit_object_text(entry: AuditEntry, names: AuditNames | None = None) -> str:
    """The record an audit row is about, by its name rather than its database key: a household by
    its number, a record whose model names itself (`__str__`) by that name, ID numbers masked; a
    record without a name of its own or no longer there by nothing more than its kind."""
    cls = _model_named(entry.model)
    if cls is None or cls is Household:
        return str(mask_ids(entry.object_key))
    if cls.__str__ is models.Model.__str__:
        return ""
    if _int_or_none(entry.object_key) is None:
        return "（已删除）"
    name = (names or AuditNames()).record(cls, entry.object_key)
    return str(mask_ids(name)) if name is not None else "（已删除）"


def _want(names: AuditNames, entry: AuditEntry) -> None:
    """Note every record `entry` names (itself and the keys among its values), for one load."""
    cls = _named_object(entry)
    if cls is not None:
        names.want_record(cls, entry.object_key)
    for values in (entry.before, entry.after):
        if not isinstance(values, dict):
            continue
        for k, v in values.items():
            if k == "members":
                for member in _members(v):
                    for mk, mv in member.items() if isinstance(member, dict) else ():
                        field = _field("Person", mk)
                        if _names_key(mv, field) and mv is not None:
                            names.want(field.related_model, mv)
                continue
            if k in _EXTRA_LABELS or audit_value(entry.model, k) is not None:
                continue
            field = _field(entry.model, k)
            if v is not None and _names_key(v, field):
                names.want(field.related_model, v)


def audit_rows(entries: Iterable[AuditEntry]) -> list[dict[str, Any]]:
    """A page of audit rows as the audit page shows them (kind, record, note, changes), the
    records they point to named in one query per model."""
    entries = list(entries)
    names = AuditNames()
    for e in entries:
        _want(names, e)
    names.load()
    return [
        {
            "entry": e,
            "model": audit_model_label(e),
            "object_key": audit_object_text(e, names),
            "note": mask_ids(e.note),
            "changes": audit_changes(e, names),
        }
        for e in entries
    ]


def audit_changes(entry: AuditEntry, names: AuditNames | None = None) -> list[dict[str, str]]:
    """The entry's before/after values as rows (field label, before, after), ID numbers masked.

    An update shows only the fields that changed; a creation or deletion shows every value.
    """
    if names is None:  # one row alone: its records still named in one query per model
        names = AuditNames()
        _want(names, entry)
        names.load()
    before = mask_ids(entry.before) or {}
    after = mask_ids(entry.after) or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [{"field": "", "before": _text(before), "after": _text(after)}]
    keys = list(before) + [k for k in after if k not in before]
    rows = []
    for k in keys:
        if k in before and k in after and before[k] == after[k]:
            continue
        registered = audit_value(entry.model, k)
        field = None if k in _EXTRA_LABELS or registered else _field(entry.model, k)
        label = _EXTRA_LABELS.get(k) or (str(field.verbose_name) if field is not None else k)
        if registered is not None:
            label = registered.label
            old = _registered_text(registered, before.get(k), names)
            new = _registered_text(registered, after.get(k), names)
        elif k == "members":
            old, new = _members_text(before.get(k), names), _members_text(after.get(k), names)
        else:
            old, new = _text(before.get(k), field, names), _text(after.get(k), field, names)
        rows.append({"field": label, "before": old, "after": new})
    return rows
