"""Freezing a pack's content: dataclasses to canonical JSON and back, with its SHA-256.

The pack content (``access_requests.pack_content.PackContent`` and what it holds) is plain
data made of dataclasses, strings, numbers, booleans, dates, datetimes, lists and dicts. It is
serialised here generically, from the dataclasses' own fields and type hints, so that a field
added to the pack later is frozen with the rest without anyone remembering to list it here.

- ``to_plain`` turns a value into JSON-ready data (dates and datetimes as ISO 8601 strings);
- ``from_plain`` rebuilds a value of a given type from that data, guided by the type hints;
- ``canonical_json`` and ``digest`` give the one byte string (sorted keys, no spaces) whose
  SHA-256 fingerprints what was frozen.
"""

import dataclasses
import datetime
import enum
import hashlib
import json
import types
import typing
from typing import Any

__all__ = ["canonical_json", "digest", "from_plain", "to_plain"]


def to_plain(value: Any) -> Any:
    """JSON-ready data for ``value``: dataclasses become dicts of their fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return to_plain(value.value)
    if isinstance(value, (datetime.date, datetime.time)):
        # datetime is a date too: both give their full ISO form, time zone included.
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_plain(item) for item in value]
        return sorted(items, key=canonical_json) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    # Lazy translation strings and the like: frozen as the text they say now.
    return str(value)


def _build(hint: Any, value: Any) -> Any:
    if value is None or hint is Any:
        return value
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        for option in options:
            try:
                return _build(option, value)
            except (TypeError, ValueError, KeyError):
                continue
        raise ValueError(f"{value!r} fits none of {hint}")
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:
            return tuple(_build(arg, item) for arg, item in zip(args, value, strict=True))
        item_hint = args[0] if args else Any
        return origin(_build(item_hint, item) for item in value)
    if origin is dict:
        key_hint, value_hint = typing.get_args(hint) or (Any, Any)
        return {_build(key_hint, k): _build(value_hint, v) for k, v in value.items()}
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            return from_plain(hint, value)
        if issubclass(hint, datetime.datetime):
            return datetime.datetime.fromisoformat(value)
        if issubclass(hint, datetime.date):
            return datetime.date.fromisoformat(value)
        if issubclass(hint, datetime.time):
            return datetime.time.fromisoformat(value)
        if issubclass(hint, enum.Enum):
            return hint(value)
        if hint in (list, tuple, set, frozenset, dict):
            return hint(value)
        if hint in (str, int, float, bool) and not isinstance(value, hint):
            raise TypeError(f"{value!r} is not a {hint.__name__}")
    return value


def from_plain(cls: type, data: dict) -> Any:
    """Rebuild the dataclass ``cls`` from ``to_plain`` output.

    A field missing from ``data`` (frozen before the field existed) takes its default; a key
    that is no longer a field is ignored.
    """
    hints = typing.get_type_hints(cls)
    kwargs = {
        f.name: _build(hints.get(f.name, Any), data[f.name])
        for f in dataclasses.fields(cls)
        if f.init and f.name in data
    }
    return cls(**kwargs)


def canonical_json(plain: Any) -> str:
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(plain: Any) -> str:
    """The SHA-256 of the canonical JSON of ``plain`` (already ``to_plain`` data)."""
    return hashlib.sha256(canonical_json(plain).encode("utf-8")).hexdigest()
