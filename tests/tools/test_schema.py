"""Tool schemas from type hints and docstrings, and the provider adapters."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional, TypedDict

import pytest

from framekit.tools import Tool, ToolContext, ToolRegistry, UnsupportedTypeError, json_schema
from framekit.tools.docstrings import parse_docstring


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Address(TypedDict):
    street: str
    zip_code: str


@dataclass
class Item:
    sku: str
    quantity: int = 1
    tags: list[str] = field(default_factory=list)


@pytest.mark.parametrize(
    ("hint", "schema"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (Any, {}),
        (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
        (Literal[1, "x"], {"enum": [1, "x"]}),
        (Color, {"type": "string", "enum": ["red", "green"]}),
        (Priority, {"type": "integer", "enum": [1, 2]}),
        (str | None, {"type": ["string", "null"]}),
        (Optional[int], {"type": ["integer", "null"]}),  # noqa: UP045 - the old spelling too
        (Literal["a"] | None, {"type": ["string", "null"], "enum": ["a", None]}),
        (int | str, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
        (list[int], {"type": "array", "items": {"type": "integer"}}),
        (tuple[str, ...], {"type": "array", "items": {"type": "string"}}),
        (set[str], {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
        (dict[str, float], {"type": "object", "additionalProperties": {"type": "number"}}),
        (dt.date, {"type": "string", "format": "date"}),
        (dt.datetime, {"type": "string", "format": "date-time"}),
        (
            list[dt.date] | None,
            {
                "anyOf": [
                    {"type": "array", "items": {"type": "string", "format": "date"}},
                    {"type": "null"},
                ]
            },
        ),
        (Annotated[int, "how many"], {"type": "integer", "description": "how many"}),
        (
            Address,
            {
                "type": "object",
                "properties": {"street": {"type": "string"}, "zip_code": {"type": "string"}},
                "additionalProperties": False,
                "required": ["street", "zip_code"],
            },
        ),
        (
            Item,
            {
                "type": "object",
                "properties": {
                    "sku": {"type": "string"},
                    "quantity": {"type": "integer"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": False,
                "required": ["sku"],
            },
        ),
    ],
)
def test_each_supported_type_has_its_schema(hint: Any, schema: dict[str, Any]) -> None:
    assert json_schema(hint) == schema


@pytest.mark.parametrize("hint", [bytes, dict[int, str], tuple[int, str], complex])
def test_types_a_model_cannot_send_are_refused_at_registration(hint: Any) -> None:
    with pytest.raises(UnsupportedTypeError):
        json_schema(hint)


def test_google_docstring_gives_description_and_parameters() -> None:
    doc = parse_docstring(
        """Look up an order.

        Uses the shop's database, which is
        updated every minute.

        Args:
            order_number (str): The number printed on the
                confirmation email.
            include_items: Whether to list the items.

        Returns:
            The order, as a dict.
        """
    )
    assert doc.description == (
        "Look up an order.\n\nUses the shop's database, which is updated every minute."
    )
    assert doc.params == {
        "order_number": "The number printed on the confirmation email.",
        "include_items": "Whether to list the items.",
    }


def test_rest_docstring_gives_description_and_parameters() -> None:
    doc = parse_docstring(
        """Book a table.

        :param str name: Who the table is for,
            as the guest spells it.
        :param party_size: How many people.
        :returns: the booking reference.
        :raises ValueError: never.
        """
    )
    assert doc.description == "Book a table."
    assert doc.params == {
        "name": "Who the table is for, as the guest spells it.",
        "party_size": "How many people.",
    }


def test_no_docstring_gives_empty_description() -> None:
    assert parse_docstring(None).description == ""
    assert parse_docstring("Just a summary.").params == {}


def test_function_schema_required_defaults_descriptions_and_context_left_out() -> None:
    registry = ToolRegistry()

    @registry.tool
    async def book_table(
        name: str,
        party_size: int,
        day: dt.date,
        context: ToolContext,
        seating: Literal["inside", "terrace"] = "inside",
        note: Annotated[str | None, "Anything the restaurant should know"] = None,
    ) -> str:
        """Book a table at the restaurant.

        Args:
            name: Who the table is for.
            party_size: How many people.
            day: The day of the booking.
            seating: Where to sit.
        """
        return "ok"

    tool = registry.get("book_table")
    assert tool is not None
    assert tool.context_parameter == "context"
    assert tool.is_async
    assert tool.description == "Book a table at the restaurant."
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "Who the table is for."},
            "party_size": {"type": "integer", "description": "How many people."},
            "day": {"type": "string", "format": "date", "description": "The day of the booking."},
            "seating": {
                "type": "string",
                "enum": ["inside", "terrace"],
                "description": "Where to sit.",
                "default": "inside",
            },
            "note": {
                "type": ["string", "null"],
                "description": "Anything the restaurant should know",
                "default": None,
            },
        },
        "required": ["name", "party_size", "day"],
        "additionalProperties": False,
    }
    assert registry.to_anthropic() == [
        {
            "name": "book_table",
            "description": "Book a table at the restaurant.",
            "input_schema": tool.parameters,
        }
    ]
    assert registry.to_openai() == [
        {
            "type": "function",
            "function": {
                "name": "book_table",
                "description": "Book a table at the restaurant.",
                "parameters": tool.parameters,
            },
        }
    ]
    assert registry.schemas() == [
        {
            "name": "book_table",
            "description": "Book a table at the restaurant.",
            "parameters": tool.parameters,
        }
    ]


def test_decorator_options_and_the_function_stays_plain() -> None:
    registry = ToolRegistry(default_timeout=4.0)

    @registry.tool(name="lookup-order", description="Find an order.", timeout=2.5)
    def lookup(order_number: str) -> str:
        """Ignored, the description is overridden."""
        return order_number.upper()

    @registry.tool
    def ping() -> str:
        return "pong"

    assert lookup("ab12") == "AB12"
    tool = registry.get("lookup-order")
    assert tool is not None
    assert (tool.description, tool.timeout, tool.is_async) == ("Find an order.", 2.5, False)
    ping_tool = registry.get("ping")
    assert ping_tool is not None
    assert ping_tool.timeout == 4.0
    assert ping_tool.parameters == {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
    }
    assert [t.name for t in registry] == ["lookup-order", "ping"]
    assert "ping" in registry
    assert len(registry) == 2


def test_bad_declarations_are_refused() -> None:
    registry = ToolRegistry()

    def ok() -> None:
        """Fine."""

    registry.tool(ok)
    with pytest.raises(ValueError, match="already registered"):
        registry.tool(ok)
    with pytest.raises(ValueError, match="must match"):
        Tool.from_function(ok, name="has space")
    with pytest.raises(ValueError, match="timeout must be positive"):
        Tool.from_function(ok, timeout=0)

    def star(*args: int) -> None: ...

    with pytest.raises(TypeError, match=r"\*args"):
        Tool.from_function(star)

    def raw(data: bytes) -> None: ...

    with pytest.raises(UnsupportedTypeError):
        Tool.from_function(raw)
