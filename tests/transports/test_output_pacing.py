"""OutputTransport: real-time pacing on a manual clock, speaking state, interruptions, drain."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from framekit.audio import MULAW_8K, AudioFormat, audio_format, float32_to_pcm16, mulaw_decode
from framekit.clock import ManualClock
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    EndFrame,
    ErrorFrame,
    Frame,
    HangUpFrame,
    InterruptionFrame,
    MarkFrame,
    OutputAudioFrame,
    PlayedUpToFrame,
    StartFrame,
    TextFrame,
    TTSAudioFrame,
    UserStartedSpeakingFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.tasks import live_framekit_tasks
from framekit.transports import OutputTransport
from framekit.transports.base import MAX_LAG_SECONDS

PCM_16K = audio_format(16000)
CHUNK = 640  # 20 ms of 16 kHz PCM16


class ListOutput(OutputTransport):
    """Remembers every chunk with the clock time it was written at."""

    def __init__(
        self,
        *,
        wire_format: AudioFormat | None = None,
        realtime: bool = True,
        send_ahead: float = 0.0,
    ) -> None:
        super().__init__(wire_format=wire_format, realtime=realtime, send_ahead=send_ahead)
        self.writes: list[tuple[float, bytes]] = []
        self.clears: list[float] = []

    async def write_audio(self, chunk: bytes) -> None:
        self.writes.append((self.clock.now(), chunk))

    async def clear_output(self) -> None:
        self.clears.append(self.clock.now())

    @property
    def times(self) -> list[float]:
        return [round(t, 9) for t, _ in self.writes]


class LateClock(ManualClock):
    """A manual clock whose sleeps wake up late, like a busy event loop."""

    def __init__(self, late: list[float]) -> None:
        super().__init__()
        self._late = late

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + (self._late.pop(0) if self._late else 0.0))


class Call:
    """One pipeline task around ``output`` on a manual clock, driven by the test."""

    def __init__(self, output: ListOutput, clock: ManualClock | None = None) -> None:
        self.clock = clock or ManualClock()
        self.output = output
        self.task = PipelineTask(
            Pipeline([output]), params=PipelineParams(idle_timeout=None), clock=self.clock
        )
        self.down: list[tuple[float, Frame]] = []
        self.up: list[tuple[float, Frame]] = []
        self.task.on_downstream_exit(lambda f: self.down.append((self.clock.now(), f)))
        self.task.on_upstream_exit(lambda f: self.up.append((self.clock.now(), f)))
        self._runner: asyncio.Future[None] | None = None

    async def __aenter__(self) -> Call:
        self._runner = asyncio.ensure_future(self.task.run())
        await self.task.wait_started()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        if not self._runner.done():
            await self.task.cancel()
        await self._runner

    async def send(self, *frames: Frame) -> None:
        await self.task.queue_frames(frames)

    async def advance(self, seconds: float, step: float = 0.005) -> None:
        for _ in range(round(seconds / step)):
            await self.clock.advance(step)

    async def finish(self, limit: float = 10.0) -> None:
        """End gracefully, moving the clock until the end has drained."""
        await self.task.stop_when_done()
        for _ in range(round(limit / 0.01)):
            if self.task.has_finished():
                break
            await self.clock.advance(0.01)
        assert self._runner is not None
        await self._runner

    def up_types(self) -> list[type[Frame]]:
        return [type(f) for _, f in self.up]

    def down_types(self) -> list[type[Frame]]:
        return [type(f) for _, f in self.down if not isinstance(f, EndFrame | StartFrame)]

    def up_of(self, kind: type[Frame]) -> list[tuple[float, Frame]]:
        return [(round(t, 9), f) for t, f in self.up if isinstance(f, kind)]

    def down_of(self, kind: type[Frame]) -> list[tuple[float, Frame]]:
        return [(round(t, 9), f) for t, f in self.down if isinstance(f, kind)]


def audio(seconds: float, value: int = 1000) -> OutputAudioFrame:
    samples = round(seconds * 16000)
    return OutputAudioFrame(audio=np.full(samples, value, "<i2").tobytes(), format=PCM_16K)


def grid(n: int, start: float = 0.0) -> list[float]:
    return [round(start + i * 0.02, 9) for i in range(n)]


def played(call: Call) -> list[float]:
    return [round(f.played_seconds, 6) for _, f in call.up if isinstance(f, PlayedUpToFrame)]


async def test_chunks_are_written_at_exact_20ms_instants() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.1), audio(0.06))
        await call.advance(0.5)
        assert call.output.times == grid(8)
        assert {len(chunk) for _, chunk in call.output.writes} == {CHUNK}


async def test_late_wakeups_do_not_accumulate() -> None:
    # Every sleep wakes 7 ms late; a relative schedule would drift 7 ms per chunk.
    async with Call(ListOutput(), LateClock([0.007] * 20)) as call:
        await call.send(audio(0.2))
        await call.advance(0.5)
        times = call.output.times
        assert len(times) == 10
        assert times[0] == 0.0
        assert [round(t - due, 9) for t, due in zip(times[1:], grid(10)[1:], strict=True)] == [
            0.007
        ] * 9


async def test_a_long_stall_restarts_the_schedule_instead_of_bursting() -> None:
    stall = MAX_LAG_SECONDS + 0.1
    async with Call(ListOutput(), LateClock([0.0, stall])) as call:
        await call.send(audio(0.12))
        await call.advance(1.0)
        times = call.output.times
        assert times[:2] == [0.0, 0.02]
        late = round(0.04 + stall, 9)
        assert times[2:] == grid(4, late), "after the stall, chunks keep a 20 ms pace"


async def test_bot_speaking_frames_follow_what_the_caller_hears() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.16))
        await call.advance(0.5)
        assert call.up_types() == [
            BotStartedSpeakingFrame,
            PlayedUpToFrame,
            BotStoppedSpeakingFrame,
        ]
        assert call.down_types() == [BotStartedSpeakingFrame, BotStoppedSpeakingFrame]
        # Started with the first chunk; stopped when the last one (written at 0.14) has played.
        assert [t for t, _ in call.up_of(BotStartedSpeakingFrame)] == [0.0]
        assert [t for t, _ in call.up_of(BotStoppedSpeakingFrame)] == [0.16]
        assert [t for t, _ in call.down_of(BotStoppedSpeakingFrame)] == [0.16]
        assert played(call) == [0.16]


async def test_audio_queued_before_the_end_continues_the_utterance() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.1))
        await call.advance(0.05)
        await call.send(TextFrame(text="between"), audio(0.1))
        await call.advance(0.5)
        assert call.output.times == grid(10), "no gap between the two frames"
        assert call.up_types().count(BotStartedSpeakingFrame) == 1
        assert played(call) == [0.2]
        await call.send(audio(0.04))  # after silence: a new utterance
        await call.advance(0.5)
        assert call.up_types().count(BotStartedSpeakingFrame) == 2
        assert call.output.times[10:] == grid(2, call.output.writes[10][0])
        assert played(call) == [0.2, 0.04]
        assert any(isinstance(f, TextFrame) for _, f in call.down)


async def test_interruption_stops_within_one_chunk_and_reports_what_was_heard() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(1.0))
        await call.advance(0.31)
        written = len(call.output.writes)
        assert call.output.times == grid(16)  # 0.00 .. 0.30
        await call.send(InterruptionFrame())
        await call.advance(1.0)
        assert len(call.output.writes) == written, "nothing written after the interruption"
        assert call.output.clears == [pytest.approx(0.31)]
        assert played(call) == [pytest.approx(0.31)]
        assert call.up_types() == [
            BotStartedSpeakingFrame,
            PlayedUpToFrame,
            BotStoppedSpeakingFrame,
        ]
        assert [t for t, _ in call.down_of(BotStoppedSpeakingFrame)] == [pytest.approx(0.31)]
        # The next utterance starts cleanly.
        await call.send(audio(0.04))
        await call.advance(0.2)
        assert len(call.output.writes) == written + 2
        assert played(call)[-1] == 0.04


async def test_hang_up_waits_for_the_queued_audio_to_play() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.2), HangUpFrame(), TextFrame(text="after"))
        await call.advance(0.5)
        assert call.output.times == grid(10)
        (hang_up_at, _), *_ = call.down_of(HangUpFrame)
        (stopped_at, _), *_ = call.down_of(BotStoppedSpeakingFrame)
        assert hang_up_at == stopped_at == 0.2
        assert call.down_types() == [
            BotStartedSpeakingFrame,
            BotStoppedSpeakingFrame,
            HangUpFrame,
            TextFrame,
        ]


async def test_hang_up_survives_an_interruption() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.2), HangUpFrame())
        await call.advance(0.1)
        await call.send(InterruptionFrame())
        await call.advance(0.1)
        assert len(call.output.writes) == 6
        assert [t for t, _ in call.down_of(HangUpFrame)] == [pytest.approx(0.1)]


async def test_the_end_drains_the_audio_first() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.3))
        await call.finish()
        assert call.output.times == grid(15)
        (end_at, _), *_ = call.down_of(EndFrame)
        assert end_at == 0.3
        assert played(call) == [0.3]
    assert live_framekit_tasks() == []


async def test_a_mark_is_reported_when_the_audio_before_it_has_played() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.1), MarkFrame(mark="m1"), audio(0.1))
        await call.advance(0.5)
        marks = [
            (round(t, 9), f.mark, round(f.played_seconds, 6))
            for t, f in call.up
            if isinstance(f, PlayedUpToFrame) and f.mark
        ]
        assert marks == [(0.1, "m1", 0.1)]
        assert call.output.times == grid(10), "the mark leaves no gap"
        assert call.up_types().count(BotStartedSpeakingFrame) == 1


async def test_a_partial_chunk_is_padded_with_silence_when_the_audio_runs_dry() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.03))
        await call.advance(0.2)
        assert call.output.times == grid(2)
        tail = np.frombuffer(call.output.writes[1][1], "<i2")
        assert (tail[:160] == 1000).all()
        assert (tail[160:] == 0).all()
        assert played(call) == [0.03]


async def test_realtime_off_writes_everything_at_once() -> None:
    async with Call(ListOutput(realtime=False)) as call:
        await call.send(audio(0.4))
        await call.advance(0.005)
        assert call.output.times == [0.0] * 20
        assert played(call) == [0.4]
        assert call.up_types() == [
            BotStartedSpeakingFrame,
            PlayedUpToFrame,
            BotStoppedSpeakingFrame,
        ]


async def test_cancel_reports_what_was_heard() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(1.0))
        await call.advance(0.1)
        await call.task.cancel()
        assert played(call) == [pytest.approx(0.1)]
        assert BotStoppedSpeakingFrame in call.up_types()
    assert live_framekit_tasks() == []


async def test_22khz_voice_into_an_8khz_mulaw_line() -> None:
    rate, seconds = 22050, 0.5
    t = np.arange(round(rate * seconds)) / rate
    voice = TTSAudioFrame(
        audio=float32_to_pcm16(0.5 * np.sin(2 * np.pi * 440.0 * t)), format=audio_format(rate)
    )
    async with Call(ListOutput(wire_format=MULAW_8K, realtime=False)) as call:
        await call.send(voice)
        await call.advance(0.005)
        chunks = [chunk for _, chunk in call.output.writes]
        assert {len(c) for c in chunks} == {160}, "20 ms of 8 kHz mu-law each"
        assert len(chunks) == 25
        assert played(call) == [pytest.approx(seconds, abs=1 / 8000)]
        pcm = np.frombuffer(mulaw_decode(b"".join(chunks)), "<i2").astype(np.float64)
        spectrum = np.abs(np.fft.rfft(pcm[:4000]))
        peak_hz = np.argmax(spectrum) * 8000 / 4000
        assert peak_hz == pytest.approx(440.0, abs=2.0)
        assert np.sqrt(np.mean(pcm[200:3800] ** 2)) == pytest.approx(
            0.5 * 32767 / np.sqrt(2), rel=0.05
        )


async def test_a_frame_of_partial_samples_is_reported_and_dropped() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(0.04), OutputAudioFrame(audio=bytes(641), format=PCM_16K))
        await call.advance(0.2)
        errors = [f for _, f in call.up if isinstance(f, ErrorFrame)]
        assert len(errors) == 1
        assert "641 bytes" in errors[0].error
        assert len(call.output.writes) == 2, "the good audio played, the bad frame did not"
        assert call.up_types()[-1] is BotStoppedSpeakingFrame


async def test_system_frames_pass_at_once_while_the_bot_speaks() -> None:
    async with Call(ListOutput()) as call:
        await call.send(audio(1.0))
        await call.advance(0.1)
        heard = UserStartedSpeakingFrame()
        await asyncio.wait_for(call.send(heard), 1.0)  # must not wait for the audio
        assert [t for t, f in call.down if f is heard] == [pytest.approx(0.1)]


class EchoedOutput(ListOutput):
    """Learns that the caller heard the audio from the far end, like Twilio's mark echoes."""

    def __init__(self) -> None:
        super().__init__()
        self.echo = asyncio.Event()

    async def wait_until_heard(self, deadline: float) -> None:
        await self.echo.wait()


async def test_a_transport_can_wait_for_the_far_end_to_confirm_playback() -> None:
    output = EchoedOutput()
    async with Call(output) as call:
        await call.send(audio(0.1))
        await call.advance(0.5)
        assert len(output.writes) == 5
        assert BotStoppedSpeakingFrame not in call.up_types(), "no echo yet: still speaking"
        output.echo.set()
        await call.advance(0.01)
        assert call.up_types()[-2:] == [PlayedUpToFrame, BotStoppedSpeakingFrame]


async def test_send_ahead_writes_early_but_speaking_follows_playback() -> None:
    output = ListOutput(send_ahead=0.04)
    async with Call(output) as call:
        await call.send(audio(0.2))
        await call.advance(0.5)
        # Chunks 0-2 go at once (due at -0.04, -0.02, 0), then one every 20 ms.
        assert output.times == [0.0, 0.0, 0.0, *grid(7, 0.02)]
        assert [t for t, _ in call.up_of(BotStoppedSpeakingFrame)] == [0.2]
        assert played(call) == [0.2]


async def test_the_tail_of_an_utterance_is_written_at_its_slot_with_send_ahead() -> None:
    # 0.13 s: six whole chunks and a 10 ms tail, padded when the audio runs dry. The tail
    # is chunk 6, due at 6 * 20 ms - send_ahead like every other chunk; written at the end
    # of playout instead, it left send_ahead (80 ms on Twilio) late and the far end's
    # buffer ran dry before the last syllable.
    output = ListOutput(send_ahead=0.08)
    async with Call(output) as call:
        await call.send(audio(0.13))
        await call.advance(0.5)
        # Chunks 0-4 are due at -0.08 .. 0 (sent at once), chunk 5 at 0.02, the tail at 0.04.
        assert output.times == [0.0] * 5 + [0.02, 0.04]
        assert [t for t, _ in call.up_of(BotStoppedSpeakingFrame)] == [0.14]
        assert played(call) == [0.13]


async def test_the_tail_held_by_the_converter_is_paced_like_the_other_chunks() -> None:
    # A 16 kHz voice on an 8 kHz mu-law line (Twilio): the resampler holds samples back
    # until the utterance ends, so the last chunk comes from the converter's flush.
    output = ListOutput(wire_format=MULAW_8K, send_ahead=0.08)
    async with Call(output) as call:
        await call.send(audio(0.1), audio(0.1))
        await call.advance(0.5)
        times = output.times
        assert len(times) == 10
        assert times == [0.0] * 5 + grid(5, 0.02), "every chunk on its slot, the last too"


async def test_audio_arriving_while_the_output_runs_dry_keeps_its_slots() -> None:
    # The TTS hands over the next frame 10 ms after the output ran out of queued audio:
    # its chunks are due from 0.02 on, not once the send-ahead margin has played away.
    output = ListOutput(send_ahead=0.08)
    async with Call(output) as call:
        await call.send(audio(0.1))
        await call.advance(0.01)
        await call.send(audio(0.1))
        await call.advance(0.5)
        assert output.times == [0.0] * 5 + grid(5, 0.02)
        assert call.up_types().count(BotStartedSpeakingFrame) == 1
        assert played(call) == [0.2]
