"""Any Embedder plugs into the engine, what one returns is checked, and the docs example runs.

No model here: the embedders are a few lines of numpy, so these run without the
'intents' extra.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from doc_examples import check_complete_example
from framekit.intents import Embedder, Intent, IntentClassifier, IntentEngine, SlotSpec
from framekit.text.numbers import tokenize

F32 = npt.NDArray[np.float32]


class Words:
    """Each word hashed to one of 256 dimensions, rows scaled by ``length`` (1: unit)."""

    def __init__(self, length: float = 1.0, width: int = 256) -> None:
        self.length = length
        self.width = width
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> F32:
        self.calls.append(len(texts))
        rows = np.zeros((len(texts), self.width), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            for word in tokenize(text) or ["<empty>"]:
                row[zlib.crc32(word.encode()) % self.width] += 1.0
        scaled: F32 = rows / np.linalg.norm(rows, axis=1, keepdims=True) * self.length
        return scaled


INTENTS = (
    Intent(
        "order_status",
        ("where is my order", "track my order", "has my order shipped"),
        slots=(SlotSpec("order_number", "order_number", "What's your order number?"),),
        tool="order_status",
        answer="Order {order_number} is {status}.",
    ),
    Intent("opening_hours", ("when are you open", "what are your opening hours"), answer="9 to 5."),
)


async def test_a_custom_embedder_serves_a_request_end_to_end() -> None:
    embedder = Words()
    assert isinstance(embedder, Embedder)
    called: list[tuple[str, dict[str, object]]] = []

    def tools(name: str, arguments: dict[str, object]) -> dict[str, str]:
        called.append((name, arguments))
        return {"status": "shipped"}

    engine = IntentEngine(tools, INTENTS, topics=(), embedder=embedder)
    assert embedder.calls == [5]  # every example in one batch, when the engine is built
    state = engine.new_state()
    asked = await engine.respond(state, "where is my order")
    assert asked.text.startswith("What's your order number?")
    reply = await engine.respond(state, "4271")
    assert called == [("order_status", {"order_number": "4271"})]
    assert reply.text.startswith("Order 4 2 7 1 is shipped.")
    hours = await engine.respond(engine.new_state(), "when are you open")
    assert (hours.intent, hours.text) == ("opening_hours", "9 to 5.")


def test_rows_that_are_not_unit_length_are_refused_naming_the_embedder() -> None:
    with pytest.raises(ValueError, match=r"Words\.encode returned a row of length 2 .*unit-length"):
        IntentClassifier(INTENTS, Words(length=2.0))


class OneRowShort(Words):
    def encode(self, texts: Sequence[str]) -> F32:
        return super().encode(texts)[:-1]


def test_a_row_missing_is_refused_with_the_shape() -> None:
    with pytest.raises(ValueError, match=r"shape \(4, 256\) for 5 text\(s\)"):
        IntentClassifier(INTENTS, OneRowShort())


async def test_a_turn_of_another_width_is_refused() -> None:
    embedder = Words()
    classifier = IntentClassifier(INTENTS, embedder)
    embedder.width = 128
    with pytest.raises(ValueError, match="width 128 for a turn, 256 for the examples"):
        await classifier.classify_async("where is my order")


def test_the_docs_example_of_a_custom_embedder_runs(tmp_path: Path) -> None:
    check_complete_example("intents.md", tmp_path)
