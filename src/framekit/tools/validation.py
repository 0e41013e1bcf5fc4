"""Check and convert the arguments a model sent before a tool sees them.

Models send JSON, and not always the JSON the schema asked for: an order number
as ``12345`` for a string parameter, ``"3"`` for an integer, a date as text. A tool
written with type hints should receive values of those types, or not be called
at all. :func:`coerce` walks the same annotations as :mod:`framekit.tools.schema`,
converts the harmless mismatches, and raises :class:`ToolArgumentError` naming the
argument (``items[2].quantity``) for the rest, so the model can correct itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from typing import Any, Literal, get_args, get_origin, get_type_hints

from framekit.tools.schema import is_typed_dict, is_union, split_annotated

__all__ = ["ToolArgumentError", "coerce"]

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


class ToolArgumentError(ValueError):
    """An argument is missing, unknown, or of a value the tool cannot take."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"argument '{path}': {message}")
        self.path = path
        self.reason = message


def coerce(value: Any, tp: Any, path: str) -> Any:
    """Return ``value`` converted to ``tp``, or raise :class:`ToolArgumentError` at ``path``."""
    tp, _ = split_annotated(tp)
    if tp is Any or tp is object:
        return value
    if tp is type(None) or tp is None:
        if value is None:
            return None
        raise ToolArgumentError(path, f"expected null, got {_show(value)}")
    if is_union(tp):
        return _coerce_union(value, get_args(tp), path)
    if value is None:
        raise ToolArgumentError(path, f"must not be null (expected {_name(tp)})")
    scalar = _SCALARS.get(tp)
    if scalar is not None:
        return scalar(value, path)
    if tp is dt.datetime:
        return _datetime(value, path)
    if tp is dt.date:
        return _date(value, path)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum(value, tp, path)
    origin = get_origin(tp)
    if origin is Literal:
        return _literal(value, get_args(tp), path)
    if origin in (list, tuple, set, frozenset) or tp is list:
        return _sequence(value, tp, path)
    if origin is dict or tp is dict:
        return _mapping(value, tp, path)
    if is_typed_dict(tp):
        hints = get_type_hints(tp, include_extras=True)
        return _object_fields(value, hints, set(tp.__required_keys__), path)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = get_type_hints(tp, include_extras=True)
        init = [f for f in dataclasses.fields(tp) if f.init]
        required = {
            f.name
            for f in init
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        return tp(**_object_fields(value, {f.name: hints[f.name] for f in init}, required, path))
    raise ToolArgumentError(path, f"cannot check values of type {tp!r}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", repr(tp))


def _str(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ToolArgumentError(path, f"expected a string, got {_show(value)}")


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool):
        raise ToolArgumentError(path, f"expected an integer, got {_show(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ToolArgumentError(path, f"expected an integer, got {_show(value)}")


def _float(value: Any, path: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ToolArgumentError(path, f"expected a number, got {_show(value)}") from None
    else:
        raise ToolArgumentError(path, f"expected a number, got {_show(value)}")
    if not math.isfinite(number):
        raise ToolArgumentError(path, f"expected a finite number, got {_show(value)}")
    return number


def _bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ToolArgumentError(path, f"expected true or false, got {_show(value)}")


_SCALARS: dict[Any, Any] = {str: _str, int: _int, float: _float, bool: _bool}


def _datetime(value: Any, path: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
    raise ToolArgumentError(path, f"expected an ISO 8601 date-time, got {_show(value)}")


def _date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ToolArgumentError(path, f"expected an ISO 8601 date (YYYY-MM-DD), got {_show(value)}")


def _enum(value: Any, tp: type[enum.Enum], path: str) -> enum.Enum:
    if isinstance(value, tp):
        return value
    for member in tp:
        if member.value == value and type(member.value) is type(value):
            return member
    allowed = ", ".join(repr(member.value) for member in tp)
    raise ToolArgumentError(path, f"expected one of {allowed}, got {_show(value)}")


def _literal(value: Any, options: tuple[Any, ...], path: str) -> Any:
    for option in options:
        if option == value and type(option) is type(value):
            return option
    allowed = ", ".join(repr(option) for option in options)
    raise ToolArgumentError(path, f"expected one of {allowed}, got {_show(value)}")


def _coerce_union(value: Any, members: tuple[Any, ...], path: str) -> Any:
    if value is None:
        if type(None) in members:
            return None
        raise ToolArgumentError(path, "must not be null")
    candidates = [member for member in members if member is not type(None)]
    # An exact type match wins before any conversion, so int | str keeps 3 as 3.
    for member in candidates:
        base, _ = split_annotated(member)
        if isinstance(base, type) and type(value) is base:
            return value
    if len(candidates) == 1:
        return coerce(value, candidates[0], path)
    errors: list[ToolArgumentError] = []
    for member in candidates:
        try:
            return coerce(value, member, path)
        except ToolArgumentError as exc:
            errors.append(exc)
    deeper = [error for error in errors if error.path != path]
    if deeper:
        raise deeper[0]
    raise ToolArgumentError(path, " or ".join(error.reason for error in errors))


def _sequence(value: Any, tp: Any, path: str) -> Any:
    if not isinstance(value, list | tuple):
        raise ToolArgumentError(path, f"expected a list, got {_show(value)}")
    args = get_args(tp)
    item_type = args[0] if args else Any
    items = [coerce(item, item_type, f"{path}[{index}]") for index, item in enumerate(value)]
    origin = get_origin(tp)
    if origin is tuple:
        return tuple(items)
    if origin in (set, frozenset):
        return origin(items)
    return items


def _mapping(value: Any, tp: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ToolArgumentError(path, f"expected an object, got {_show(value)}")
    args = get_args(tp)
    value_type = args[1] if args else Any
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise ToolArgumentError(path, f"keys must be strings, got {_show(key)}")
        out[key] = coerce(item, value_type, f"{path}.{key}")
    return out


def _object_fields(
    value: Any, hints: dict[str, Any], required: set[str], path: str
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ToolArgumentError(path, f"expected an object, got {_show(value)}")
    unknown = sorted(set(value) - set(hints))
    if unknown:
        raise ToolArgumentError(f"{path}.{unknown[0]}", f"unknown field (known: {_list(hints)})")
    missing = [name for name in hints if name in required and name not in value]
    if missing:
        raise ToolArgumentError(f"{path}.{missing[0]}", "is required")
    return {name: coerce(item, hints[name], f"{path}.{name}") for name, item in value.items()}


def _list(names: Any) -> str:
    return ", ".join(names) or "none"
