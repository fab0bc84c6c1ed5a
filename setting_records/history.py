"""History with django-simple-history, kept so that it always says who did what.

simple-history's default ``history_user`` is a foreign key with ``on_delete=SET_NULL``: deleting
an account would erase its name from every change it made. Here the user is kept as a plain id
that nothing rewrites, and pages that show history fetch the users in one query.

The change reason is a text column: simple-history's default ``varchar(100)`` refuses a longer
reason on PostgreSQL (a 500 where SQLite stored it silently), and a reason is kept in full.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from setting_records.word_diff import Piece, word_diff

if TYPE_CHECKING:
    # For annotations only: setting_records.models imports this module to keep its history.
    from setting_records.models import User


class HistoryRow(Protocol):
    """One row of a model's history, as simple-history builds it (a class made at run time)."""

    history_user_id: int | None
    history_date: datetime.datetime
    history_change_reason: str | None
    history_type: str
    _history_user_cache: "User | None"

    @property
    def history_user(self) -> "User | None": ...


class _HistoryMarks(Protocol):
    """What simple-history reads from a model instance as it writes that instance's history."""

    _history_user: "User | None"
    _change_reason: str | None
    _history_date: datetime.datetime


_NOT_FETCHED = object()


def _history_user(row: HistoryRow) -> "User | None":
    cached = getattr(row, "_history_user_cache", _NOT_FETCHED)
    if cached is not _NOT_FETCHED:
        return cast("User | None", cached)
    if row.history_user_id is None:
        return None
    row._history_user_cache = get_user_model().objects.filter(pk=row.history_user_id).first()
    return row._history_user_cache


def _set_history_user(row: HistoryRow, user: "User | None") -> None:
    row.history_user_id = user.pk if user is not None else None
    row._history_user_cache = user


def kept_history(**options: Any) -> HistoricalRecords:
    return HistoricalRecords(
        history_user_id_field=models.BigIntegerField(null=True, blank=True, db_index=True),
        history_user_getter=_history_user,
        history_user_setter=_set_history_user,
        history_change_reason_field=models.TextField(null=True),
        **options,
    )


def attach_users(rows: Iterable[HistoryRow]) -> None:
    """Fetch the users of many history rows in one query."""
    rows = list(rows)
    ids = {row.history_user_id for row in rows if row.history_user_id is not None}
    users = get_user_model().objects.in_bulk(ids)
    for row in rows:
        row._history_user_cache = users.get(row.history_user_id)


def mark(
    obj: models.Model,
    *,
    actor: "User | None",
    reason: str = "",
    at: datetime.datetime | None = None,
) -> None:
    """Say who changes ``obj`` and why (and, for back-dated demo rows, when) before it is saved.

    simple-history reads these from the instance, also in ``bulk_create_with_history``.
    """
    marks = cast(_HistoryMarks, obj)
    marks._history_user = actor
    marks._change_reason = reason or None
    if at is not None:
        marks._history_date = at


def save_as(
    obj: models.Model,
    *,
    actor: "User | None",
    reason: str = "",
    update_fields: Iterable[str] | None = None,
) -> None:
    mark(obj, actor=actor, reason=reason)
    obj.save(update_fields=update_fields)


def delete_as(obj: models.Model, *, actor: "User | None", reason: str = "") -> None:
    mark(obj, actor=actor, reason=reason)
    obj.delete()


# Reading history: each version with who, when, why, and what changed from the one before.


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: object
    new: object
    # For a long text: the words removed and added (``word_diff``), shown instead of old and new.
    diff: list[Piece] | None = None


@dataclass(frozen=True)
class Version:
    row: HistoryRow
    kind: str
    changes: list[Change]

    @property
    def user(self) -> "User | None":
        return self.row.history_user

    @property
    def at(self) -> datetime.datetime:
        return self.row.history_date

    @property
    def reason(self) -> str:
        return self.row.history_change_reason or ""


_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}

# For each related model, the names of its objects by primary key.
_Related = dict[type[models.Model], dict[Any, str]]


# A change of text longer than this is shown as a word diff, as is any change of a TextField.
LONG_TEXT = 80


def _display(field: models.Field, value: object, related: _Related) -> object:
    """A value as the reader knows it: a choice by its label, a related object by its name, a
    yes/no as Yes or No, dates and times UK style in the setting's local time (Europe/London),
    so that a change made at 23:30 UTC in summer shows the next day's date."""
    if value is None or value == "":
        return None
    if field.related_model is not None:
        return related.get(field.related_model, {}).get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return f"{value:%d/%m/%Y} at {value:%H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return value


def _text_diff(field: models.Field, old: object, new: object) -> list[Piece] | None:
    """The word diff of a long text's change; None for anything else (and for a text first
    set or emptied, shown whole)."""
    if not isinstance(old, str) or not isinstance(new, str) or not old or not new:
        return None
    if field.choices:
        return None
    if not isinstance(field, models.TextField) and max(len(old), len(new)) <= LONG_TEXT:
        return None
    return word_diff(old, new)


def _kept_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(
            f"{model.__name__}.{name} is a reverse relation, which history does not keep."
        )
    return field


def versions(
    rows: Iterable[HistoryRow], *, model: type[models.Model], fields: list[str]
) -> list[Version]:
    """The versions of one object, newest first, each with the fields that changed.

    ``rows`` are its history rows newest first; only ``fields`` are compared and shown. Users and
    every related object named in those fields are fetched in one query per model.
    """
    rows = list(rows)
    attach_users(rows)
    model_fields = {name: _kept_field(model, name) for name in fields}
    related: _Related = {}
    for field in model_fields.values():
        if field.related_model is not None:
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
                    _text_diff(field, old, new) if previous is not None else None,
                )
            )
        out.append(Version(row, _KINDS.get(row.history_type, row.history_type), changes))
    return out
