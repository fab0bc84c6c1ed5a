"""History with django-simple-history, kept so that it always says who did what.

simple-history's default ``history_user`` is a foreign key with ``on_delete=SET_NULL``: deleting
an account would erase its name from every change it made. Here the user is kept as a plain id
that nothing rewrites, and pages that show history fetch the users in one query.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models
from simple_history.models import HistoricalRecords

_NOT_FETCHED = object()


def _history_user(row):
    cached = getattr(row, "_history_user_cache", _NOT_FETCHED)
    if cached is not _NOT_FETCHED:
        return cached
    if row.history_user_id is None:
        return None
    row._history_user_cache = get_user_model().objects.filter(pk=row.history_user_id).first()
    return row._history_user_cache


def _set_history_user(row, user) -> None:
    row.history_user_id = user.pk if user is not None else None
    row._history_user_cache = user


def kept_history(**options) -> HistoricalRecords:
    return HistoricalRecords(
        history_user_id_field=models.BigIntegerField(null=True, blank=True, db_index=True),
        history_user_getter=_history_user,
        history_user_setter=_set_history_user,
        **options,
    )


def attach_users(rows: Iterable) -> None:
    """Fetch the users of many history rows in one query."""
    rows = list(rows)
    ids = {row.history_user_id for row in rows if row.history_user_id is not None}
    users = get_user_model().objects.in_bulk(ids)
    for row in rows:
        row._history_user_cache = users.get(row.history_user_id)


def save_as(obj: models.Model, *, actor, reason: str = "", update_fields=None) -> None:
    obj._history_user = actor
    obj._change_reason = reason or None
    obj.save(update_fields=update_fields)


def delete_as(obj: models.Model, *, actor, reason: str = "") -> None:
    obj._history_user = actor
    obj._change_reason = reason or None
    obj.delete()


# Reading history: each version with who, when, why, and what changed from the one before.


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: object
    new: object


@dataclass(frozen=True)
class Version:
    row: object
    kind: str
    changes: list[Change]

    @property
    def user(self):
        return self.row.history_user

    @property
    def at(self):
        return self.row.history_date

    @property
    def reason(self) -> str:
        return self.row.history_change_reason or ""


_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _display(field, value, related: dict):
    if value is None or value == "":
        return None
    if field.is_relation:
        return related.get(field.related_model, {}).get(value, f"#{value}")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def versions(rows: Iterable, *, model: type[models.Model], fields: list[str]) -> list[Version]:
    """The versions of one object, newest first, each with the fields that changed.

    ``rows`` are its history rows newest first; only ``fields`` are compared and shown. Users and
    every related object named in those fields are fetched in one query per model.
    """
    rows = list(rows)
    attach_users(rows)
    model_fields = {name: model._meta.get_field(name) for name in fields}
    related: dict = {}
    for field in model_fields.values():
        if field.is_relation:
            ids = {getattr(row, field.attname) for row in rows} - {None}
            related.setdefault(field.related_model, {}).update(
                {
                    pk: str(obj)
                    for pk, obj in field.related_model._default_manager.in_bulk(ids).items()
                }
            )
    out = []
    for index, row in enumerate(rows):
        previous = rows[index + 1] if index + 1 < len(rows) else None
        changes = []
        for name, field in model_fields.items():
            new = getattr(row, field.attname)
            old = getattr(previous, field.attname) if previous is not None else None
            if previous is not None and new == old:
                continue
            if previous is None and new in (None, ""):
                continue
            changes.append(
                Change(
                    name,
                    str(field.verbose_name).capitalize(),
                    _display(field, old, related),
                    _display(field, new, related),
                )
            )
        out.append(Version(row, _KINDS.get(row.history_type, row.history_type), changes))
    return out
