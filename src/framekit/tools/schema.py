"""JSON Schema from Python type hints: what a tool's parameters look like to a model.

Every LLM provider describes tool parameters with (a subset of) JSON Schema. This
module turns the annotations of a plain Python function into that schema, so a
tool is declared once, in Python, and the schema can never disagree with the code
that validates the arguments (:mod:`framekit.tools.validation` walks the same types).

Supported: ``str``, ``int``, ``float``, ``bool``, ``Literal[...]``, ``Enum``
subclasses, ``X | None`` / ``Optional[X]``, other unions, ``list[X]``,
``tuple[X, ...]``, ``dict[str, X]``, ``datetime.date`` and ``datetime.datetime``
(strings with ``format`` date / date-time), ``TypedDict`` and dataclasses whose
fields are themselves supported, ``Annotated[X, "description"]`` and ``Any``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

__all__ = ["UnsupportedTypeError", "json_schema", "split_annotated"]

JsonSchema = dict[str, Any]
_SIMPLE: dict[type, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}


class UnsupportedTypeError(TypeError):
    """A parameter's annotation has no JSON Schema equivalent (declare it differently)."""


def split_annotated(tp: Any) -> tuple[Any, str | None]:
    """``Annotated[X, "text", ...]`` -> ``(X, "text")``; any other type -> ``(tp, None)``."""
    if get_origin(tp) is typing.Annotated:
        base, *extras = get_args(tp)
        text = next((extra for extra in extras if isinstance(extra, str)), None)
        return base, text
    return tp, None


def is_union(tp: Any) -> bool:
    """True for ``X | Y`` and ``Union[X, Y]`` (``Optional[X]`` included)."""
    origin = get_origin(tp)
    return origin is Union or origin is types.UnionType


def is_typed_dict(tp: Any) -> bool:
    """True for classes made with :class:`typing.TypedDict`."""
    return isinstance(tp, type) and typing.is_typeddict(tp)


def json_schema(tp: Any) -> JsonSchema:
    """The JSON Schema of values of type ``tp``.

    Raises :class:`UnsupportedTypeError` for types a model cannot send as JSON
    (bytes, callables, arbitrary classes): better a clear error when the tool is
    registered than a schema the provider rejects at the first call.
    """
    tp, description = split_annotated(tp)
    schema = _schema(tp)
    if description:
        schema = {**schema, "description": description}
    return schema


def _schema(tp: Any) -> JsonSchema:
    if tp is Any or tp is object:
        return {}
    if tp is type(None) or tp is None:
        return {"type": "null"}
    if isinstance(tp, type) and tp in _SIMPLE:
        return {"type": _SIMPLE[tp]}
    if tp is dt.datetime:
        return {"type": "string", "format": "date-time"}
    if tp is dt.date:
        return {"type": "string", "format": "date"}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_schema([member.value for member in tp])
    origin = get_origin(tp)
    if origin is Literal:
        return _enum_schema(list(get_args(tp)))
    if is_union(tp):
        return _union_schema(get_args(tp))
    if origin in (list, tuple, set, frozenset):
        args = get_args(tp)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            raise UnsupportedTypeError(f"only tuple[X, ...] is supported, not {tp!r}")
        item = json_schema(args[0]) if args else {}
        schema: JsonSchema = {"type": "array", "items": item}
        if origin in (set, frozenset):
            schema["uniqueItems"] = True
        return schema
    if origin is dict or tp is dict:
        args = get_args(tp)
        if args and args[0] is not str:
            raise UnsupportedTypeError(f"dict keys must be str in JSON, not {args[0]!r}")
        return {"type": "object", "additionalProperties": json_schema(args[1]) if args else {}}
    if tp is list:
        return {"type": "array", "items": {}}
    if is_typed_dict(tp):
        hints = get_type_hints(tp, include_extras=True)
        required = [name for name in hints if name in tp.__required_keys__]
        return _object_schema(hints, required)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = get_type_hints(tp, include_extras=True)
        fields = [f for f in dataclasses.fields(tp) if f.init]
        required = [
            f.name
            for f in fields
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        return _object_schema({f.name: hints[f.name] for f in fields}, required)
    raise UnsupportedTypeError(f"no JSON Schema for {tp!r}")


def _object_schema(hints: dict[str, Any], required: list[str]) -> JsonSchema:
    schema: JsonSchema = {
        "type": "object",
        "properties": {name: json_schema(hint) for name, hint in hints.items()},
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def _enum_schema(values: list[Any]) -> JsonSchema:
    schema: JsonSchema = {"enum": values}
    kinds = {_json_type(value) for value in values}
    if len(kinds) == 1:
        schema = {"type": kinds.pop(), **schema}
    return schema


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for python_type, name in _SIMPLE.items():
        if type(value) is python_type:
            return name
    raise UnsupportedTypeError(f"enum value {value!r} is not a JSON scalar")


def _union_schema(members: tuple[Any, ...]) -> JsonSchema:
    nullable = type(None) in members
    others = [member for member in members if member is not type(None)]
    if len(others) == 1:
        schema = json_schema(others[0])
        return _nullable(schema) if nullable else schema
    variants = [json_schema(member) for member in others]
    if nullable:
        variants.append({"type": "null"})
    return {"anyOf": variants}


def _nullable(schema: JsonSchema) -> JsonSchema:
    """Allow ``null`` in ``schema`` the simplest way both providers accept."""
    kind = schema.get("type")
    if isinstance(kind, str) and set(schema) <= {"type", "format", "description", "enum"}:
        widened = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            widened["enum"] = [*schema["enum"], None]
        return widened
    return {"anyOf": [schema, {"type": "null"}]}
