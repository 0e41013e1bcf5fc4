"""SensitiveEntryGate: while an entry is open the keys go to the tool, the line is silent."""

from __future__ import annotations

from dataclasses import dataclass

from framekit.frames import (
    DTMFFrame,
    Frame,
    InputAudioFrame,
    InterruptionFrame,
    SensitiveEntry,
    SensitiveEntryEnd,
    SensitiveEntryRequestFrame,
    SystemFrame,
)
from framekit.interruptions import SENSITIVE_ENTRY
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.processors.sensitive import SensitiveEntryGate
from framekit.testing import Advance, run_processor

LOUD = b"\x10\x27" * 160  # 10 ms of PCM16 at 16 kHz, every sample 10000


@dataclass(slots=True, eq=False)
class _GiveUp(SystemFrame):
    """Tells the test's tool to stop waiting."""


class _Tool(FrameProcessor):
    """Below the gate: sends each request it is given back up, as a tool's context does.

    A :class:`_GiveUp` makes it stop waiting (its future cancelled), as a tool that times out.
    """

    asked: SensitiveEntryRequestFrame

    @on_frame(SensitiveEntryRequestFrame)
    async def _ask(self, frame: SensitiveEntryRequestFrame, direction: FrameDirection) -> None:
        if direction is FrameDirection.DOWNSTREAM:
            self.asked = frame
            await self.push_frame(frame, FrameDirection.UPSTREAM)

    @on_frame(_GiveUp)
    async def _give_up(self, frame: _GiveUp, direction: FrameDirection) -> None:
        self.asked.answer.cancel()


def keys(text: str) -> list[Frame | Advance]:
    items: list[Frame | Advance] = []
    for key in text:
        items += [DTMFFrame(digit=key), Advance(0.2)]
    return items


def audio() -> InputAudioFrame:
    return InputAudioFrame(audio=LOUD)


async def test_keys_go_to_the_tool_and_the_line_is_silent_only_while_the_entry_is_open() -> None:
    request = SensitiveEntryRequestFrame(max_digits=16, terminator="#", trailing_silence=0.0)
    before, during, after = audio(), audio(), audio()
    out = await run_processor(
        [SensitiveEntryGate(), _Tool()],
        [
            before,
            DTMFFrame(digit="1"),
            request,
            during,
            *keys("4111111111111111"),
            after,
            DTMFFrame(digit="5"),
        ],
    )
    entry = request.answer.result()
    assert (entry.reveal(), entry.end) == ("4111111111111111", SensitiveEntryEnd.COMPLETE)
    # Keys outside the entry pass; none of the entry's does.
    assert [f.digit for f in out.downstream_of(DTMFFrame)] == ["1", "5"]
    heard = out.downstream_of(InputAudioFrame)
    assert heard[0] is before
    assert heard[2] is after
    assert heard[1] is not during
    assert (heard[1].audio, heard[1].format) == (bytes(len(LOUD)), during.format)
    assert out.upstream_of(SensitiveEntryRequestFrame) == []  # the gate keeps the request


async def test_the_line_stays_silent_for_the_trailing_silence_after_the_entry() -> None:
    request = SensitiveEntryRequestFrame(trailing_silence=0.02)  # two 10 ms frames
    later = [audio() for _ in range(3)]
    out = await run_processor([SensitiveEntryGate(), _Tool()], [request, *keys("1#"), *later])
    heard = out.downstream_of(InputAudioFrame)
    assert [frame.audio == bytes(len(LOUD)) for frame in heard] == [True, True, False]
    assert heard[2] is later[2]


async def test_the_terminator_ends_the_entry_and_star_starts_it_over() -> None:
    request = SensitiveEntryRequestFrame(max_digits=16)
    await run_processor([SensitiveEntryGate(), _Tool()], [request, *keys("99*4242#7")])
    entry = request.answer.result()
    assert (entry.reveal(), entry.end) == ("4242", SensitiveEntryEnd.COMPLETE)


async def test_the_entry_times_out_from_when_the_gate_took_it() -> None:
    request = SensitiveEntryRequestFrame(timeout=1.0)
    gate = SensitiveEntryGate()
    out = await run_processor([gate, _Tool()], [request, *keys("12"), Advance(0.7), *keys("3")])
    entry = request.answer.result()
    assert (entry.reveal(), entry.end) == ("12", SensitiveEntryEnd.TIMEOUT)
    assert [f.digit for f in out.downstream_of(DTMFFrame)] == ["3"]  # the line is back


async def test_an_interruption_ends_the_entry_as_the_rulebook_says() -> None:
    assert SENSITIVE_ENTRY.ends_on_interruption
    assert not SENSITIVE_ENTRY.caller_may_interrupt
    request = SensitiveEntryRequestFrame()
    out = await run_processor(
        [SensitiveEntryGate(), _Tool()], [request, *keys("41"), InterruptionFrame(), *keys("9")]
    )
    assert request.answer.result().end is SensitiveEntryEnd.INTERRUPTED
    assert [f.digit for f in out.downstream_of(DTMFFrame)] == ["9"]


async def test_the_end_of_the_call_ends_the_entry() -> None:
    for end in (True, False):  # hung up gracefully, or cancelled
        request = SensitiveEntryRequestFrame()
        await run_processor([SensitiveEntryGate(), _Tool()], [request, *keys("41")], end=end)
        entry = request.answer.result()
        assert (entry.reveal(), entry.end) == ("41", SensitiveEntryEnd.ENDED)


async def test_a_second_request_while_one_is_open_is_busy() -> None:
    first, second = SensitiveEntryRequestFrame(), SensitiveEntryRequestFrame()
    await run_processor([SensitiveEntryGate(), _Tool()], [first, second, *keys("12#")])
    assert second.answer.result().end is SensitiveEntryEnd.BUSY
    assert first.answer.result().reveal() == "12"


async def test_a_tool_that_stops_waiting_ends_the_entry() -> None:
    request = SensitiveEntryRequestFrame()
    tool = _Tool()
    out = await run_processor(
        [SensitiveEntryGate(), tool], [request, *keys("1"), _GiveUp(), Advance(0.1), *keys("2")]
    )
    assert request.answer.cancelled()
    assert [f.digit for f in out.downstream_of(DTMFFrame)] == ["2"]


def test_an_entry_never_prints_its_keys() -> None:
    entry = SensitiveEntry("4111111111111111", SensitiveEntryEnd.COMPLETE)
    assert "4111" not in repr(entry)
    assert "4111" not in str(entry)
    assert "4111" not in f"{entry}"
    assert repr(entry) == "SensitiveEntry(16 keys, complete)"
    assert len(entry) == 16
