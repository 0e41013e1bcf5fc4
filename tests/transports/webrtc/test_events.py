"""The page's live events count a frame once, also when a record point saw a redacted view.

The contact center wraps its record points in the redaction pair
(:mod:`framekit.processors.redaction`): the point gets a redacted copy of the caller's
words and of every tool result. Counted by identity, the page received each tool twice
("finished", "finished") and a caller's words with personal data twice, once as said
and once redacted. Here a real task with the pair around a point and the page's
observer: one event per frame, the first one (as said).
"""

from __future__ import annotations

import json

from framekit.frames import FunctionCallResultFrame, TranscriptionFrame
from framekit.observers.seen import SeenFrames
from framekit.privacy.redact import Redactor
from framekit.processors import FrameProcessor
from framekit.processors.redaction import Redaction
from framekit.testing.run import run_processor
from framekit.transports.webrtc.events import CallEvents

CARD = "4111 1111 1111 1111"


class Page:
    """The data channel's sending side: keeps every message."""

    def __init__(self) -> None:
        self.events: list[dict[str, object]] = []

    def send_event(self, text: str) -> None:
        self.events.append(json.loads(text))


async def test_a_redacted_view_is_the_same_event_for_the_page() -> None:
    page = Page()
    redaction = Redaction(Redactor())
    line = [FrameProcessor(), *redaction.around(FrameProcessor()), FrameProcessor()]
    said = f"my card is {CARD}"
    frames = [
        TranscriptionFrame(text=said, user_id="caller"),
        FunctionCallResultFrame(
            call_id="t1", function_name="take_payment", arguments={"card": CARD}, result={}
        ),
    ]
    await run_processor(line, frames, observers=[CallEvents(page)])
    transcripts = [e for e in page.events if e["type"] == "transcript"]
    tools = [e for e in page.events if e["type"] == "tool"]
    assert [e["text"] for e in transcripts] == [said]
    assert [(e["name"], e["phase"]) for e in tools] == [("take_payment", "finished")]


def test_seen_frames_forget_the_oldest_beyond_their_capacity() -> None:
    seen = SeenFrames(capacity=2)
    first, second, third = (TranscriptionFrame(text=str(n)) for n in range(3))
    assert seen.first_time(first)
    assert seen.first_time(second)
    assert not seen.first_time(first)
    assert seen.first_time(third)  # first is forgotten now
    assert len(seen) == 2
    assert seen.first_time(first)
    assert not seen.first_time(third)
