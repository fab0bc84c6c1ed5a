"""Ids from outside, checked before they reach the database.

An id is typed by anyone who can edit a URL or a form. Past 64 bits the databases disagree on
what to do with it: SQLite's driver raises ``OverflowError`` and PostgreSQL refuses the query,
both a 500. Every URL argument and chosen object goes through here instead, so an id that
cannot exist is a 404 or a form error like any other id that does not exist.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.utils.translation import gettext_lazy as _

#: The largest value of a 64-bit signed integer column (``BigAutoField``, PostgreSQL's bigint).
ID_MAX = 2**63 - 1


def parse_id(value: Any, maximum: int = ID_MAX) -> int | None:
    """``value`` as an id that could be stored (up to ``maximum``), or None when it cannot be
    one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        # Plain ASCII digits only: int() would also take "١٢", "+5" and "1_000".
        if not text.isascii() or not text.isdigit() or len(text) > len(str(ID_MAX)):
            return None
        number = int(text)
    return number if 0 < number <= maximum else None


class IdConverter:
    """``<id:pk>`` in a URL: digits that fit a 64-bit id. Anything longer does not match, so
    the URL is a 404 before a view or the database sees it."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError("Not an id.")
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)


def _largest_id(field: forms.ModelChoiceField) -> int:
    """The largest id the chosen model's table holds: Django's own models (groups,
    permissions) still have 32-bit ids."""
    if field.queryset is None:
        return ID_MAX
    pk = field.queryset.model._meta.pk
    internal = pk.get_internal_type() if pk is not None else "BigAutoField"
    largest = connections[field.queryset.db].ops.integer_field_range(internal)[1]
    return ID_MAX if largest is None else min(largest, ID_MAX)


def _checked(field: forms.ModelChoiceField, value: Any) -> int:
    """``value`` as an id, or the field's "not one of the choices" error, before any lookup."""
    number = parse_id(value, _largest_id(field))
    if number is None:
        raise ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
    return number


class IdChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` over objects with integer ids, safe with any typed value."""

    def to_python(self, value: Any) -> Any:
        model = self.queryset.model if self.queryset is not None else None
        if value in self.empty_values or (model is not None and isinstance(value, model)):
            return super().to_python(value)
        return super().to_python(_checked(self, value))


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` over objects with integer ids, safe with any typed
    value."""

    # Django's own hook for checking the chosen ids (django-stubs does not declare it).
    def _check_values(self, value: Any) -> Any:
        checked = [_checked(self, item) for item in value]
        return super()._check_values(checked)  # type: ignore[misc]


def id_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """A model form's fields, with its foreign keys and many-to-many fields as the bounded
    choice fields above (``Meta.formfield_callback``)."""
    if isinstance(db_field, models.ForeignKey):
        kwargs.setdefault("form_class", IdChoiceField)
    elif isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", IdMultipleChoiceField)
    return db_field.formfield(**kwargs)


class UKDateField(forms.DateField):
    """A date offered as the browser's date picker (which sends ``2026-05-14``), also read when
    typed the UK way (``14/05/2026``), as people here write it; one field for every date form.
    """

    input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": _("Enter a date such as 31/01/2025.")}
