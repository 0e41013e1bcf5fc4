"""CallAudioRecorder: two aligned tracks, what the caller said and what the caller heard."""

from __future__ import annotations

import asyncio
import tracemalloc
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from framekit.audio import audio_format, read_wav, silence, write_wav
from framekit.clock import ManualClock
from framekit.frames import (
    Frame,
    InterruptionFrame,
    TextFrame,
    TTSAudioFrame,
)
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameDirection, FrameProcessor
from framekit.processors.recording import CallAudioRecorder, Recording
from framekit.processors.recording._disk import _writer_thread
from framekit.testing import Advance, run_processor
from framekit.transports.base.input import InputTransport
from framekit.transports.base.output import OutputTransport
from framekit.transports.local import WavFileInput, WavFileOutput

PCM_16K = audio_format(16000)
PCM_8K = audio_format(8000)
LOUD = 1000  # samples above this are speech; the signals below peak at 8000


def tone(rate: int, seconds: float, freq: float) -> bytes:
    t = np.arange(round(rate * seconds)) / rate
    return (8000 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


def caller_wav(path: Path, spans: Sequence[tuple[float, float]], total: float) -> Path:
    """A caller who speaks (a 300 Hz tone) during ``spans`` and is silent otherwise."""
    audio = bytearray(silence(PCM_16K, PCM_16K.bytes_for(total)))
    for start, end in spans:
        begin = PCM_16K.bytes_for(start)
        piece = tone(16000, end - start, 300.0)
        audio[begin : begin + len(piece)] = piece
    write_wav(path, bytes(audio), PCM_16K)
    return path


def bot_audio(seconds: float) -> TTSAudioFrame:
    return TTSAudioFrame(audio=tone(16000, seconds, 1000.0), format=PCM_16K)


def spans(samples: NDArray[np.int16], rate: int) -> list[tuple[float, float]]:
    """Where a track is loud, in seconds, to 10 ms (windows merged across short dips)."""
    window = rate // 100
    count = len(samples) // window
    loud = np.abs(samples[: count * window].reshape(count, window)).max(axis=1) > LOUD
    found: list[tuple[float, float]] = []
    for index in np.flatnonzero(loud):
        start, end = index / 100, (index + 1) / 100
        if found and start - found[-1][1] < 0.05:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))
    return found


def tracks(recording: Recording) -> tuple[NDArray[np.int16], NDArray[np.int16], int]:
    """(caller, bot, rate) read back from the files, checked against the stdlib reader."""
    decoded = []
    for path in recording.paths:
        data, fmt = read_wav(path)
        with wave.open(str(path)) as reader:  # the header sizes are final and consistent
            assert reader.getnframes() * reader.getnchannels() * 2 == len(data)
        assert path.stat().st_size == 44 + len(data)
        decoded.append((np.frombuffer(data, dtype="<i2"), fmt))
    if recording.stereo:
        [(both, fmt)] = decoded
        assert fmt.channels == 2
        return both[0::2], both[1::2], fmt.sample_rate
    (caller, fmt), (bot, bot_fmt) = decoded
    assert fmt == bot_fmt
    assert len(caller) == len(bot)
    return caller, bot, fmt.sample_rate


class NullOutput(OutputTransport):
    """An output transport whose wire goes nowhere: the base paces and reports as usual."""

    def __init__(self, **kwargs: float) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.written = 0

    async def write_audio(self, chunk: bytes) -> None:
        self.written += len(chunk)


class MarkedOutput(NullOutput):
    """Like Twilio: chunks go out ``send_ahead`` early, and what was heard is known only
    from echoes of marks sent every ``mark_every`` chunks (whole marks, never more)."""

    def __init__(self, mark_every: int = 5) -> None:
        super().__init__(send_ahead=0.1)
        self._mark_s = mark_every * 0.02
        self._start = 0.0
        self.written_at_cut = 0.0

    async def on_utterance_start(self, at: float) -> None:
        self._start = at

    def played_seconds(self) -> float:
        elapsed = self.clock.now() - self._start
        heard = int(elapsed / self._mark_s + 1e-9) * self._mark_s
        return min(heard, self.written / PCM_16K.bytes_per_frame / 16000)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self.written_at_cut = self.written / PCM_16K.bytes_per_frame / 16000
        await super().on_interruption(frame)


def bot_side(recorder: CallAudioRecorder) -> list[FrameProcessor]:
    """The bot tap and the output transport it polls, in pipeline order."""
    output = NullOutput()
    return [recorder.bot_tap(output), output]


async def record(
    tmp_path: Path,
    items: Sequence[Frame | Advance],
    *,
    caller: Sequence[tuple[float, float]] = (),
    total: float = 4.0,
    output: OutputTransport | None = None,
    recorder: CallAudioRecorder | None = None,
    end: bool = True,
    middle: Sequence[FrameProcessor] = (),
) -> tuple[Recording, CallAudioRecorder]:
    recorder = recorder or CallAudioRecorder(tmp_path / "rec")
    wav = caller_wav(tmp_path / "caller.wav", caller, total)
    output = output or NullOutput()
    pipeline = [
        WavFileInput(wav),
        recorder.caller_tap(),
        *middle,
        recorder.bot_tap(output),
        output,
    ]
    await run_processor(pipeline, items, end=end)
    recording = recorder.recording
    assert recording is not None
    return recording, recorder


async def test_both_tracks_line_up_on_the_calls_clock(tmp_path: Path) -> None:
    items: list[Frame | Advance] = [
        Advance(0.5),
        bot_audio(0.4),
        Advance(1.7),
        bot_audio(0.6),
        Advance(1.8),
    ]
    line = WavFileOutput(tmp_path / "line.wav")  # the local transport's own recording
    recording, _ = await record(tmp_path, items, caller=[(1.0, 2.0), (3.2, 3.6)], output=line)
    caller, bot, rate = tracks(recording)
    # Sample for sample what the transport wrote to its line, at the same instants.
    written = np.frombuffer(read_wav(line.path)[0], dtype="<i2")
    same = min(len(written), len(bot))
    assert same > 3.9 * rate
    assert np.array_equal(bot[:same], written[:same])
    assert rate == 16000
    assert recording.stereo
    assert recording.paths == (tmp_path / "rec" / f"{recording.call_id}.wav",)
    # The caller speaks at 1.0-2.0 s and 3.2-3.6 s of the call; the bot at 0.5 and 2.2 s.
    assert spans(caller, rate) == [
        pytest.approx((1.0, 2.0), abs=0.011),
        pytest.approx((3.2, 3.6), abs=0.011),
    ]
    assert spans(bot, rate) == [
        pytest.approx((0.5, 0.9), abs=0.011),
        pytest.approx((2.2, 2.8), abs=0.011),
    ]
    timeline = recording.timeline
    segments = [(s.start, s.duration, s.interrupted) for s in timeline.bot_segments]
    assert [(round(a, 3), round(b, 3), c) for a, b, c in segments] == [
        (0.5, 0.4, False),
        (2.2, 0.6, False),
    ]
    assert timeline.duration == pytest.approx(4.0, abs=0.03)
    # A transcript's clock time maps to the same offset in both tracks.
    assert timeline.offset_of(timeline.clock_start + 1.0) == pytest.approx(1.0)
    assert timeline.sample_of(timeline.clock_start + 2.2) == 2.2 * 16000


async def test_the_bot_track_is_the_audio_itself_sample_for_sample(tmp_path: Path) -> None:
    speech = bot_audio(0.37)  # not a whole number of 20 ms chunks
    recording, _ = await record(tmp_path, [Advance(0.3), speech, Advance(1.0)], total=1.5)
    _, bot, rate = tracks(recording)
    start = round(0.3 * rate)
    expected = np.frombuffer(speech.audio, dtype="<i2")
    assert np.array_equal(bot[start : start + len(expected)], expected)
    assert not bot[:start].any()
    assert not bot[start + len(expected) :].any()


async def test_a_barge_in_keeps_only_what_was_heard(tmp_path: Path) -> None:
    items: list[Frame | Advance] = [
        Advance(0.5),
        bot_audio(2.0),  # 0.5 .. 2.5 if nobody interrupts
        Advance(0.7),
        InterruptionFrame(),  # at 1.2 s: the caller heard 0.7 s
        Advance(0.8),
        bot_audio(0.3),  # the next answer, after the interruption, at 2.0 s
        Advance(1.5),
    ]
    recording, _ = await record(tmp_path, items, caller=[(1.1, 1.6)])
    caller, bot, rate = tracks(recording)
    assert spans(bot, rate) == [
        pytest.approx((0.5, 1.2), abs=0.021),
        pytest.approx((2.0, 2.3), abs=0.011),
    ]
    assert spans(caller, rate) == [pytest.approx((1.1, 1.6), abs=0.011)]
    segments = recording.timeline.bot_segments
    assert [(s.interrupted, round(s.duration, 2)) for s in segments] == [(True, 0.7), (False, 0.3)]


async def test_with_marks_the_track_holds_what_was_echoed_not_what_was_sent(
    tmp_path: Path,
) -> None:
    output = MarkedOutput(mark_every=5)  # heard in steps of 0.1 s; sent 0.1 s ahead
    items: list[Frame | Advance] = [
        Advance(0.5),
        bot_audio(2.0),
        Advance(0.75),
        InterruptionFrame(),
    ]
    recording, _ = await record(tmp_path, [*items, Advance(1.0)], output=output, total=2.5)
    _, bot, rate = tracks(recording)
    # At 1.25 s, 0.85 s had been sent but the last echo covered 0.7 s.
    assert output.written_at_cut == pytest.approx(0.86, abs=0.021)
    assert spans(bot, rate) == [pytest.approx((0.5, 1.2), abs=0.011)]
    assert recording.timeline.bot_segments[0].duration == pytest.approx(0.7)


async def test_long_speech_reaches_the_disk_while_it_plays(tmp_path: Path) -> None:
    recorder = CallAudioRecorder(tmp_path / "rec", flush_seconds=0.5)
    wav = caller_wav(tmp_path / "caller.wav", [], 10.0)
    clock = ManualClock()
    task = PipelineTask(
        Pipeline([WavFileInput(wav), recorder.caller_tap(), *bot_side(recorder)]),
        params=PipelineParams(idle_timeout=None),
        clock=clock,
    )
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    await task.queue_frame(bot_audio(8.0))
    await clock.advance(6.0)
    await asyncio.sleep(0.05)  # the writer thread
    [path] = recorder.paths
    data, _ = read_wav(path)  # a valid file mid-call, holding ~5.5 s already
    assert len(data) / 4 / 16000 == pytest.approx(5.5, abs=0.6)
    await task.cancel()
    await runner


@pytest.mark.parametrize("how", ["cancel", "fatal error", "runner cancelled"])
async def test_the_files_are_complete_however_the_call_ends(tmp_path: Path, how: str) -> None:
    class Crasher(FrameProcessor):
        async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
            if isinstance(frame, TextFrame):
                await self.push_error("boom", fatal=True, exception=RuntimeError("boom"))
                return
            await self.push_frame(frame, direction)

    recorder = CallAudioRecorder(tmp_path / "rec")
    wav = caller_wav(tmp_path / "caller.wav", [(0.2, 0.6)], 5.0)
    clock = ManualClock()
    pipeline = Pipeline([WavFileInput(wav), recorder.caller_tap(), Crasher(), *bot_side(recorder)])
    task = PipelineTask(pipeline, params=PipelineParams(idle_timeout=None), clock=clock)
    runner = asyncio.ensure_future(task.run())
    await task.wait_started()
    await clock.advance(0.5)
    await task.queue_frame(bot_audio(3.0))
    await clock.advance(0.5)  # the bot is mid-sentence at 1.0 s
    if how == "cancel":
        await task.cancel()
    elif how == "fatal error":
        await task.queue_frame(TextFrame(text="crash"))
        await clock.advance(0.0)
        await asyncio.wait_for(task.wait_finished(), 5)
    else:
        runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    recording = await asyncio.wait_for(recorder.wait_recording(), 5)
    caller, bot, rate = tracks(recording)
    assert spans(caller, rate) == [pytest.approx((0.2, 0.6), abs=0.011)]
    assert spans(bot, rate) == [pytest.approx((0.5, 1.0), abs=0.021)]
    assert recording.timeline.bot_segments[0].interrupted
    assert recording.error is None


async def test_two_mono_files_at_8_khz(tmp_path: Path) -> None:
    recorder = CallAudioRecorder(tmp_path / "rec", sample_rate=8000, stereo=False)
    items: list[Frame | Advance] = [Advance(0.4), bot_audio(0.5), Advance(1.6)]
    recording, _ = await record(tmp_path, items, caller=[(1.0, 1.5)], total=2.0, recorder=recorder)
    assert [p.name for p in recording.paths] == [
        f"{recording.call_id}.caller.wav",
        f"{recording.call_id}.bot.wav",
    ]
    caller, bot, rate = tracks(recording)
    assert rate == 8000
    assert recording.caller_path != recording.bot_path
    # Resampled to 8 kHz: edges blur by the filter, not by the placement.
    assert spans(caller, rate) == [pytest.approx((1.0, 1.5), abs=0.021)]
    assert spans(bot, rate) == [pytest.approx((0.4, 0.9), abs=0.021)]


async def test_the_uploader_gets_the_finished_files_and_its_failure_keeps_them(
    tmp_path: Path,
) -> None:
    class Uploader:
        def __init__(self, fail: bool) -> None:
            self.fail = fail
            self.seen: list[int] = []

        async def upload(self, recording: Recording) -> Sequence[str]:
            self.seen.append(len(recording.paths[0].read_bytes()))
            if self.fail:
                raise ConnectionError("bucket unreachable")
            return [f"s3://calls/{recording.paths[0].name}"]

    for fail in (False, True):
        uploader = Uploader(fail)
        recorder = CallAudioRecorder(tmp_path / f"rec{fail}", uploader=uploader)
        recording, _ = await record(tmp_path, [Advance(1.0)], total=1.0, recorder=recorder)
        size = recording.paths[0].stat().st_size
        assert uploader.seen == [size]  # the upload saw the complete file
        expected = () if fail else (f"s3://calls/{recording.paths[0].name}",)
        assert recording.remote == expected


async def test_an_unwritable_directory_is_reported_and_the_call_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    recorder = CallAudioRecorder(blocker / "rec")
    wav = caller_wav(tmp_path / "caller.wav", [], 1.0)
    out = await run_processor(
        [WavFileInput(wav), recorder.caller_tap(), *bot_side(recorder)],
        [Advance(0.5), bot_audio(0.2), Advance(0.5)],
    )
    assert out.task.end_reason == "completed"
    assert recorder.recording is not None
    assert recorder.recording.error is not None


class GeneratedCaller(InputTransport):
    """A caller who talks for ``seconds``: 20 ms frames, generated as the line delivers them."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._seconds = seconds
        self._piece = tone(8000, 0.02, 300.0)

    async def on_pipeline_started(self) -> None:
        self.context.tasks.create_task(self._talk(), "caller")

    async def _talk(self) -> None:
        start = self.clock.now()
        for n in range(round(self._seconds / 0.02)):
            await self.clock.sleep(start + (n + 1) * 0.02 - self.clock.now())
            await self.feed_audio(self._piece, PCM_8K)


async def _disk_caught_up() -> None:
    """Return once the process's recorder thread has run every job queued before now."""
    await asyncio.get_running_loop().run_in_executor(_writer_thread(), lambda: None)


async def _peak_memory(tmp_path: Path, seconds: float) -> tuple[int, int]:
    recorder = CallAudioRecorder(tmp_path / f"rec{seconds}", sample_rate=8000)
    speech = TTSAudioFrame(audio=tone(8000, 1.0, 1000.0), format=PCM_8K)
    params = PipelineParams(
        audio_in_sample_rate=8000, audio_out_sample_rate=8000, idle_timeout=None
    )
    pipeline = Pipeline([GeneratedCaller(seconds), recorder.caller_tap(), *bot_side(recorder)])
    clock = ManualClock()
    # A bare task: run_processor would keep every frame that leaves the pipeline.
    task = PipelineTask(pipeline, params=params, clock=clock)
    tracemalloc.start()
    try:
        runner = asyncio.ensure_future(task.run())
        await task.wait_started()
        for _ in range(round(seconds / 5)):
            await task.queue_frame(speech)  # the bot speaks 1 s in every 5 s
            await clock.advance(5.0)
            # A real call gives the disk thread 5 s for these 5 s of audio; the manual
            # clock gives it none, so wait for it: the backlog is then what a real
            # call would hold, not how far one thread lags behind a loop at full speed.
            await _disk_caught_up()
        await task.stop_when_done()
        await asyncio.wait_for(runner, 30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert recorder.recording is not None
    return peak, recorder.recording.paths[0].stat().st_size


async def test_memory_does_not_grow_with_the_length_of_the_call(tmp_path: Path) -> None:
    short_peak, short_size = await _peak_memory(tmp_path, 6.0)
    long_peak, long_size = await _peak_memory(tmp_path, 60.0)
    assert long_size > 9 * short_size  # 60 s of stereo at 8 kHz: 1.9 MB on disk
    # Ten times the call, not ten times the memory: the extra 1.7 MB went to disk.
    # (Seen: the longer call's peak 60-110 kB higher; keeping it would cost 1.7 MB.)
    extra_audio = long_size - short_size
    assert long_peak - short_peak < extra_audio / 5, (short_peak, long_peak, extra_audio)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        CallAudioRecorder(sample_rate=0)
    with pytest.raises(ValueError, match="flush_seconds"):
        CallAudioRecorder(flush_seconds=0)


async def test_on_twilio_the_bot_track_is_what_the_mark_echoes_say_was_heard(
    tmp_path: Path,
) -> None:
    """A real Media Stream on 127.0.0.1: Twilio's buffer holds audio sent ahead; a barge-in
    clears it, and the recording keeps only what the echoed marks covered."""
    from aiohttp import web

    from framekit.frames import PlayedUpToFrame
    from framekit.servers.twilio.server import TwilioServer, TwilioSettings
    from framekit.transports.twilio import StartMessage, TwilioMediaStreamTransport
    from transports.twilio.helpers import AUTH_TOKEN, PUBLIC_BASE, Bot, Call, LocalTwilio
    from transports.twilio.test_calls import loud_mulaw

    recorders: dict[str, CallAudioRecorder] = {}

    class RecordedTwilio(LocalTwilio):
        def factory(
            self, transport: TwilioMediaStreamTransport, start: StartMessage
        ) -> PipelineTask:
            recorder = recorders[start.call_sid] = CallAudioRecorder(tmp_path, sample_rate=8000)
            bot = Bot(barge=True, reply=0.4)
            pipeline = Pipeline(
                [
                    transport.input(),
                    recorder.caller_tap(),
                    bot,
                    recorder.bot_tap(transport.output()),
                    transport.output(),
                ]
            )
            task = PipelineTask(
                pipeline, params=PipelineParams(idle_timeout=None), call_id=start.call_sid
            )
            greeting = TTSAudioFrame(audio=tone(16000, 3.0, 440.0), format=PCM_16K)
            asyncio.get_running_loop().create_task(task.queue_frame(greeting))
            self.calls[start.call_sid] = Call(transport, start, bot, task)
            self.call_started.set()
            return task

    settings = TwilioSettings(
        webhook_base_url=PUBLIC_BASE,
        account_sid="AC" + "0" * 32,
        auth_token=AUTH_TOKEN,
        phone_number="+15550000000",
    )
    holder: list[RecordedTwilio] = []
    server = TwilioServer(settings, lambda t, s: holder[0].factory(t, s))
    runner = web.AppRunner(server.make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    local = RecordedTwilio(server, f"http://{host}:{port}")
    holder.append(local)
    try:
        async with local.caller(playout_delay=0.2) as caller:
            call = await local.wait_call(caller.call_sid)
            await caller.wait_for_audio(1.0, within=5.0)
            await caller.send_audio(loud_mulaw(0.3))  # the caller talks over the greeting
            await caller.wait_for(lambda: bool(caller.clears), within=5.0)
            await caller.wait_for(lambda: len(caller.heard_audio) >= 0.4 * 8000, within=5.0)
            await caller.wait_for(lambda: call.bot.seen.of(PlayedUpToFrame) != [], within=5.0)
            await asyncio.sleep(0.8)  # the reply plays out
            sent = sum(len(m.payload) for m in caller.media if m.clears_before == 0) / 8000
        recorder = recorders[caller.call_sid]
        recording = await asyncio.wait_for(recorder.wait_recording(), 5.0)
    finally:
        await runner.cleanup()

    greeting_reported = call.bot.seen.of(PlayedUpToFrame)[0].played_seconds
    heard = len(caller.heard_audio) / 8000 - 0.4  # the greeting's part of what was heard
    first, reply = recording.timeline.bot_segments[:2]
    assert first.interrupted
    assert not reply.interrupted
    # The track holds what the echoes reported, which is what the caller heard (to a
    # mark), and less than what was sent into Twilio's buffer before the clear.
    assert first.duration == pytest.approx(greeting_reported, abs=0.021)
    assert abs(first.duration - heard) <= 0.15
    assert sent - first.duration >= 0.15
    assert reply.duration == pytest.approx(0.4, abs=0.03)
    assert reply.start >= first.start + first.duration
    caller_track, bot_track, rate = tracks(recording)
    loud = spans(bot_track, rate)
    assert loud[0] == pytest.approx((first.start, first.start + first.duration), abs=0.03)
    # The far end plays 0.2 s behind the local schedule (the simulator's playout buffer):
    # the bot track is shifted by it, so the caller's barge-in lands where the caller
    # stopped hearing the greeting, not 0.2 s after it.
    assert 0.18 <= recording.timeline.bot_delay <= 0.35
    assert 0.18 <= first.start <= 0.4  # placed by the lag of its first echo
    barge = [s for s in spans(caller_track, rate) if s[1] - s[0] > 0.2]
    assert abs(barge[0][0] - (first.start + first.duration)) <= 0.1


class GappyCaller(InputTransport):
    """Talks 0-1 s, sends nothing 1-2 s (lost packets), talks 2-3 s; 16 kHz 20 ms frames."""

    async def on_pipeline_started(self) -> None:
        self.context.tasks.create_task(self._talk(), "caller")

    async def _talk(self) -> None:
        piece = tone(16000, 0.02, 300.0)
        start = self.clock.now()
        for n in range(150):
            if 50 <= n < 100:
                continue
            await self.clock.sleep(start + (n + 1) * 0.02 - self.clock.now())
            await self.feed_audio(piece, PCM_16K)


async def test_missing_caller_audio_is_a_gap_and_a_tap_far_from_the_output_still_works(
    tmp_path: Path,
) -> None:
    recorder = CallAudioRecorder(tmp_path / "rec")

    class Passthrough(FrameProcessor):
        pass

    pipeline = [
        GappyCaller(),
        recorder.caller_tap(),
        recorder.bot_tap(),
        Passthrough(),  # the bot tap cannot poll the transport: whole utterances only
        NullOutput(),
    ]
    await run_processor(pipeline, [Advance(1.5), bot_audio(0.4), Advance(2.0)])
    recording = recorder.recording
    assert recording is not None
    caller, bot, rate = tracks(recording)
    assert spans(caller, rate) == [
        pytest.approx((0.0, 1.0), abs=0.011),
        pytest.approx((2.0, 3.0), abs=0.011),
    ]
    assert spans(bot, rate) == [pytest.approx((1.5, 1.9), abs=0.011)]
