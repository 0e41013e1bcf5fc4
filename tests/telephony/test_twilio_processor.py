"""TwilioCallControlProcessor in a running pipeline, against the fake Twilio REST API."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Sequence

import pytest

pytest.importorskip("twilio", reason="needs the 'twilio' extra: pip install 'framekit[twilio]'")

from framekit.audio import audio_format
from framekit.clock import Clock, ManualClock
from framekit.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    GenerationHangUpFrame,
    HangUpFrame,
    OutputAudioFrame,
    TransferCallFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors.base import FrameProcessor
from framekit.telephony import TwilioCallControl, TwilioCallControlProcessor
from framekit.testing.fakes.twilio_api import FakeTwilioAPI, RecordedTwilioRequest
from framekit.transports import OutputTransport

ACCOUNT = "AC" + "2e" * 16
TOKEN = "another-token"
PCM_16K = audio_format(16000)


@pytest.fixture
async def api() -> AsyncIterator[FakeTwilioAPI]:
    async with FakeTwilioAPI(ACCOUNT, TOKEN) as server:
        yield server


@pytest.fixture
async def control(api: FakeTwilioAPI) -> AsyncIterator[TwilioCallControl]:
    async with TwilioCallControl(ACCOUNT, TOKEN, api_base_url=api.url, timeout=5.0) as ctl:
        yield ctl


class Call:
    """A pipeline task around ``processors``; records what leaves it and the errors."""

    def __init__(self, processors: Sequence[FrameProcessor], clock: Clock | None = None) -> None:
        kwargs = {"clock": clock} if clock is not None else {}
        self.task = PipelineTask(
            Pipeline(list(processors)), params=PipelineParams(idle_timeout=None), **kwargs
        )
        self.down: list[Frame] = []
        self.errors: list[ErrorFrame] = []
        self.task.on_downstream_exit(self.down.append)
        self.task.on_error(self.errors.append)

    async def run_until_it_ends(self, *frames: Frame, limit: float = 5.0) -> None:
        """Queue ``frames`` and wait for the call to end by itself (no stop from the test)."""
        await self.task.queue_frames(frames)
        await asyncio.wait_for(self.task.run(), limit)

    def down_types(self) -> list[type[Frame]]:
        return [type(f) for f in self.down]


def processor(control: TwilioCallControl, sid: str | Callable[[], str | None]) -> FrameProcessor:
    return TwilioCallControlProcessor(control, sid, caller_id="+15559870002")


async def test_hang_up_ends_the_twilio_call_then_the_pipeline(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    call = Call([processor(control, sid)])
    await call.run_until_it_ends(HangUpFrame(reason="goodbye"))
    assert api.calls[sid].status == "completed"
    assert [r.form for r in api.requests] == [(("Status", "completed"),)]
    assert call.task.end_reason == "hang-up: goodbye"
    assert HangUpFrame in call.down_types()
    assert call.down_types().index(HangUpFrame) < call.down_types().index(EndFrame)
    assert call.errors == []


async def test_a_model_requested_hang_up_is_carried_out_too(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    call = Call([processor(control, sid)])
    await call.run_until_it_ends(GenerationHangUpFrame())
    assert api.calls[sid].status == "completed"


async def test_the_caller_hung_up_first_the_pipeline_ends_without_error(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    api.caller_hangs_up(sid)
    call = Call([processor(control, sid)])
    await call.run_until_it_ends(HangUpFrame())
    assert len(api.requests) == 1
    assert call.task.end_reason == "hang-up: completed"
    assert call.errors == []


async def test_network_failure_is_a_non_fatal_error_and_the_call_still_ends(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    await api.close()
    call = Call([processor(control, sid)])
    await call.run_until_it_ends(HangUpFrame())
    (error,) = call.errors
    assert not error.fatal
    assert f"hanging up {sid}" in error.error
    assert call.task.end_reason == "hang-up: completed"


async def test_the_call_sid_is_looked_up_when_the_hang_up_comes(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    known: list[str] = []
    call = Call([processor(control, lambda: known[0] if known else None)])
    sid = api.add_call()
    known.append(sid)
    await call.run_until_it_ends(HangUpFrame())
    assert api.calls[sid].status == "completed"


async def test_without_a_call_sid_the_pipeline_ends_with_an_error(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    call = Call([processor(control, lambda: None)])
    await call.run_until_it_ends(HangUpFrame())
    (error,) = call.errors
    assert "call SID is not known" in error.error
    assert api.requests == []


async def test_transfer_dials_the_target_and_a_later_hang_up_is_ignored(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    call = Call([processor(control, sid)])
    await call.run_until_it_ends(TransferCallFrame(target="+15550001111"), HangUpFrame())
    (request,) = api.requests  # no hang-up after the transfer: the human keeps the caller
    dial = ET.fromstring(request.field("Twiml") or "").find("Dial")
    assert dial is not None
    assert dial.get("callerId") == "+15559870002"
    assert dial.findtext("Number") == "+15550001111"
    assert api.calls[sid].status == "in-progress"
    assert call.task.end_reason == "transferred to +15550001111"
    assert call.errors == []


async def test_a_failed_transfer_keeps_the_caller_on_the_line(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    api.auth_token = "rotated"  # Twilio now refuses our credentials: 401 / 20003
    call = Call([processor(control, sid)])
    await call.task.queue_frame(TransferCallFrame(target="+15550001111"))
    await call.task.stop_when_done("test over")
    await asyncio.wait_for(call.task.run(), 5)
    (error,) = call.errors
    assert not error.fatal
    assert "transfer to '+15550001111' failed" in error.error
    assert "20003" in error.error
    assert call.task.end_reason == "test over"


async def test_transfer_of_a_call_that_already_ended_just_ends_the_pipeline(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    api.forget(sid)
    call = Call([processor(control, sid)])
    await call.run_until_it_ends(TransferCallFrame(target="+15550001111"))
    assert call.task.end_reason == "the caller left before the transfer"
    assert call.errors == []


class ListOutput(OutputTransport):
    """A paced output that remembers how many chunks it has written."""

    def __init__(self) -> None:
        super().__init__(realtime=True)
        self.writes = 0

    async def write_audio(self, chunk: bytes) -> None:
        self.writes += 1

    async def clear_output(self) -> None:
        pass


def audio(seconds: float) -> OutputAudioFrame:
    return OutputAudioFrame(audio=b"\x10\x00" * round(seconds * 16000), format=PCM_16K)


async def test_hang_up_reaches_twilio_only_after_the_last_words_played(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    clock = ManualClock()
    output = ListOutput()
    call = Call([output, processor(control, sid)], clock=clock)
    seen: list[tuple[float, int]] = []

    def note(_: RecordedTwilioRequest) -> None:
        seen.append((clock.now(), output.writes))

    api.on_request.append(note)
    runner = asyncio.ensure_future(call.task.run())
    await call.task.wait_started()
    await call.task.queue_frames([audio(0.2), HangUpFrame()])
    for _ in range(10):  # 0.1 s: half the goodbye has played
        await clock.advance(0.01)
    assert api.requests == []
    for _ in range(20):
        await clock.advance(0.01)
    await asyncio.wait_for(api.wait_for_requests(1), 5)
    ((at, writes),) = seen
    assert writes == 10  # every 20 ms chunk of the 0.2 s goodbye
    assert at >= 0.2 - 1e-9
    assert api.calls[sid].status == "completed"
    await call.task.cancel()
    await runner


async def test_after_the_output_transport_the_pipeline_ends_by_itself(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    sid = api.add_call()
    output = ListOutput()
    call = Call([output, processor(control, sid)])
    await call.run_until_it_ends(audio(0.04), HangUpFrame(), limit=1.0)
    assert api.calls[sid].status == "completed"


async def test_a_call_sid_lookup_that_raises_counts_as_unknown(
    api: FakeTwilioAPI, control: TwilioCallControl
) -> None:
    def not_started() -> str:
        raise RuntimeError("the stream has not started")

    call = Call([processor(control, not_started)])
    await call.run_until_it_ends(HangUpFrame())
    (error,) = call.errors
    assert "call SID is not known" in error.error
    assert call.task.end_reason == "hang-up: completed"
