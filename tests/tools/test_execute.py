"""Calling tools: argument checks and conversion, errors and timeouts become results."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import threading
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import pytest

from framekit.clock import ManualClock
from framekit.tools import ToolArgumentError, ToolContext, ToolRegistry, to_jsonable


class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


class Address(TypedDict):
    street: str
    zip_code: str


@dataclass
class Line:
    sku: str
    quantity: int = 1


registry = ToolRegistry()
received: dict[str, Any] = {}


@registry.tool
def order(
    order_number: str,
    quantity: int,
    size: Size,
    day: dt.date,
    at: dt.datetime | None = None,
    gift: bool = False,
    mode: Literal["pickup", "delivery"] = "pickup",
    lines: list[Line] | None = None,
    address: Address | None = None,
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Place an order."""
    received.update(
        order_number=order_number,
        quantity=quantity,
        size=size,
        day=day,
        at=at,
        gift=gift,
        mode=mode,
        lines=lines,
        address=address,
        weights=weights,
    )
    return {"size": size, "day": day, "lines": lines}


VALID = {"order_number": "A1", "quantity": 2, "size": "small", "day": "2026-11-27"}


async def test_arguments_are_converted_to_the_declared_types() -> None:
    outcome = await registry.execute(
        "order",
        {
            "order_number": 48213,
            "quantity": "3",
            "size": "large",
            "day": "2026-11-27",
            "at": "2026-11-27T14:00:00Z",
            "gift": "true",
            "mode": "delivery",
            "lines": [{"sku": "X1"}, {"sku": "X2", "quantity": 4.0}],
            "address": {"street": "Main St 1", "zip_code": "1000"},
            "weights": {"a": 1},
        },
    )
    assert outcome.error is None
    assert received == {
        "order_number": "48213",
        "quantity": 3,
        "size": Size.LARGE,
        "day": dt.date(2026, 11, 27),
        "at": dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC),
        "gift": True,
        "mode": "delivery",
        "lines": [Line("X1", 1), Line("X2", 4)],
        "address": {"street": "Main St 1", "zip_code": "1000"},
        "weights": {"a": 1.0},
    }
    assert outcome.result == {
        "size": "large",
        "day": "2026-11-27",
        "lines": [{"sku": "X1", "quantity": 1}, {"sku": "X2", "quantity": 4}],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quantity": "two"}, "argument 'quantity': expected an integer, got 'two'"),
        ({"quantity": True}, "argument 'quantity': expected an integer, got True"),
        ({"quantity": 2.5}, "argument 'quantity': expected an integer, got 2.5"),
        ({"size": "medium"}, "argument 'size': expected one of 'small', 'large', got 'medium'"),
        ({"mode": "drone"}, "argument 'mode': expected one of 'pickup', 'delivery', got 'drone'"),
        ({"day": "next friday"}, "argument 'day': expected an ISO 8601 date (YYYY-MM-DD)"),
        ({"gift": "maybe"}, "argument 'gift': expected true or false, got 'maybe'"),
        ({"order_number": None}, "argument 'order_number': must not be null"),
        ({"order_number": ["A1"]}, "argument 'order_number': expected a string"),
        ({"lines": [{"sku": "X"}, {"sku": "Y", "qty": 1}]}, "argument 'lines[1].qty': unknown"),
        ({"lines": [{"quantity": 1}]}, "argument 'lines[0].sku': is required"),
        ({"lines": "X1"}, "argument 'lines': expected a list"),
        ({"address": {"street": "x"}}, "argument 'address.zip_code': is required"),
        ({"weights": {"a": "heavy"}}, "argument 'weights.a': expected a number"),
        ({"coupon": "FREE"}, "argument 'coupon': unknown argument (known: order_number,"),
    ],
)
async def test_bad_arguments_become_an_error_naming_the_argument(
    change: dict[str, Any], message: str
) -> None:
    received.clear()
    outcome = await registry.execute("order", {**VALID, **change})
    assert outcome.result is None
    assert outcome.error is not None
    assert outcome.error.startswith("invalid arguments for order: ")
    assert message in outcome.error
    assert received == {}, "the tool must not run with bad arguments"


async def test_missing_required_argument_is_named() -> None:
    outcome = await registry.execute("order", {"order_number": "A1"})
    assert outcome.error == "invalid arguments for order: argument 'day': is required"


async def test_unknown_tool_lists_the_available_ones() -> None:
    outcome = await registry.execute("refund", {})
    assert outcome.error == "unknown tool 'refund' (available: order)"


def test_validate_raises_a_typed_error_with_the_path() -> None:
    tool = registry.get("order")
    assert tool is not None
    with pytest.raises(ToolArgumentError) as caught:
        tool.validate({**VALID, "lines": [{"sku": 1, "quantity": "many"}]})
    assert caught.value.path == "lines[0].quantity"


async def test_an_exception_in_the_tool_becomes_an_error_result() -> None:
    tools = ToolRegistry()

    @tools.tool
    async def explode(reason: str) -> None:
        raise RuntimeError(reason)

    outcome = await tools.execute("explode", {"reason": "database down"})
    assert outcome.error == "explode failed: RuntimeError: database down"
    assert not outcome.timed_out


async def test_sync_tools_run_in_a_worker_thread_and_async_tools_on_the_loop() -> None:
    tools = ToolRegistry()
    loop_thread = threading.get_ident()

    @tools.tool
    def sync_tool() -> bool:
        return threading.get_ident() == loop_thread

    @tools.tool
    async def async_tool() -> bool:
        return threading.get_ident() == loop_thread

    assert (await tools.execute("sync_tool", {})).result is False
    assert (await tools.execute("async_tool", {})).result is True


async def test_an_async_tool_times_out_on_the_calls_clock() -> None:
    tools = ToolRegistry()
    clock = ManualClock()
    entered = asyncio.Event()
    cancelled = asyncio.Event()

    @tools.tool(timeout=3.0)
    async def slow() -> str:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    call = asyncio.ensure_future(tools.execute("slow", {}, clock=clock))
    await entered.wait()
    await clock.advance(2.9)
    assert not call.done()
    await clock.advance(0.2)
    outcome = await call
    assert outcome.timed_out
    assert outcome.error == "slow did not finish within 3 s"
    assert cancelled.is_set(), "the tool itself was cancelled"
    assert asyncio.current_task() is not None
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_sync_tool_times_out_and_its_thread_is_abandoned() -> None:
    tools = ToolRegistry()
    clock = ManualClock()
    entered = threading.Event()
    release = threading.Event()

    @tools.tool(timeout=1.0)
    def blocking() -> str:
        entered.set()
        release.wait(5)
        return "late"

    call = asyncio.ensure_future(tools.execute("blocking", {}, clock=clock))
    await asyncio.to_thread(entered.wait, 5)
    await clock.advance(1.0)
    outcome = await call
    release.set()
    assert outcome.timed_out
    assert outcome.error == "blocking did not finish within 1 s"


async def test_cancelling_the_caller_is_not_reported_as_a_timeout() -> None:
    tools = ToolRegistry()
    entered = asyncio.Event()

    @tools.tool(timeout=60)
    async def wait_forever() -> None:
        entered.set()
        await asyncio.Event().wait()

    call = asyncio.ensure_future(tools.execute("wait_forever", {}, clock=ManualClock()))
    await entered.wait()
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call


async def test_a_context_is_made_when_called_outside_a_pipeline() -> None:
    tools = ToolRegistry()

    @tools.tool
    def hang_up(ctx: ToolContext, reason: str = "done") -> str:
        ctx.end_call(reason)
        return ctx.function_name

    outcome = await tools.execute("hang_up", {})
    assert outcome.result == "hang_up"


def test_results_are_made_json_ready() -> None:
    assert to_jsonable(
        {1: (Size.SMALL, {dt.date(2026, 1, 2)}), "line": Line("A"), "x": object.__name__}
    ) == {"1": ["small", ["2026-01-02"]], "line": {"sku": "A", "quantity": 1}, "x": "object"}
