"""Saving tracked models with the who and why that django-simple-history records."""

from django.db import models


def save_as(obj: models.Model, *, actor, reason: str = "", update_fields=None) -> None:
    obj._history_user = actor
    obj._change_reason = reason or None
    obj.save(update_fields=update_fields)


def delete_as(obj: models.Model, *, actor, reason: str = "") -> None:
    obj._history_user = actor
    obj._change_reason = reason or None
    obj.delete()
