"""The STT fallback's members, without a vendor: each provider in its own child pipeline.

The providers are queued processors that say their name when the caller stops and
again ("flushed") when the call ends, on their worker: what leaves the wrapper shows
which provider it let out, and when. Runs without the 'deepgram' extra.
"""

from __future__ import annotations

from framekit.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    InputAudioFrame,
    InterruptionFrame,
    StartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors import FrameDirection, QueuedFrameProcessor
from framekit.processors.stt.fallback import FallbackSTTProcessor
from framekit.testing import FrameCapture, run_processor

AUDIO = bytes(640)  # 20 ms of 16 kHz silence: only the speaking events make it speech


class Provider(QueuedFrameProcessor):
    """Names itself in a transcript at each stop and at the end; can fail on its first audio."""

    def __init__(self, name: str, *, fail_on_audio: bool = False) -> None:
        super().__init__(name=name)
        self.heard: list[type[Frame]] = []
        self._fail_on_audio = fail_on_audio

    async def on_start(self, frame: StartFrame) -> None:
        self.heard.append(StartFrame)

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        self.heard.append(InterruptionFrame)

    async def on_end(self, frame: EndFrame) -> None:
        """Runs on the worker, after the wrapper has handed the end in."""
        self.heard.append(EndFrame)
        await self.push_frame(TranscriptionFrame(text=f"{self.name} flushed"))

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        self.heard.append(type(frame))
        await self.push_frame(frame, direction)
        if isinstance(frame, InputAudioFrame) and self._fail_on_audio:
            self._fail_on_audio = False
            await self.push_error(f"{self.name} lost its connection")
        elif isinstance(frame, UserStoppedSpeakingFrame):
            await self.push_frame(TranscriptionFrame(text=self.name))


def _transcripts(out: FrameCapture) -> list[str]:
    return [f.text for f in out.downstream_of(TranscriptionFrame)]


def _utterance(audio_frames: int) -> list[Frame]:
    audio = [InputAudioFrame(audio=AUDIO) for _ in range(audio_frames)]
    return [UserStartedSpeakingFrame(), *audio, UserStoppedSpeakingFrame()]


async def test_each_provider_runs_in_its_own_child_pipeline_set_up_by_the_task() -> None:
    a, b = Provider("a"), Provider("b")
    stt = FallbackSTTProcessor([a, b])
    out = await run_processor(stt, [*_utterance(1), InterruptionFrame()])

    inside = list(stt.processors())
    assert inside[0] is stt
    assert a in inside
    assert b in inside
    assert a.context is stt.context  # set up by the task, not by the wrapper
    assert b.context is stt.context
    # the caller's frames and the lifecycle frames leave once: the providers' copies stay in
    kinds = out.downstream_types(lifecycle=True)
    for kind in (StartFrame, UserStartedSpeakingFrame, InputAudioFrame, InterruptionFrame):
        assert kinds.count(kind) == 1, kind
    assert kinds[-1] is EndFrame
    assert kinds.count(EndFrame) == 1
    # the active provider's words, its last ones before the end; none of the standby's
    assert _transcripts(out) == ["a", "a flushed"]
    assert a.heard == [
        StartFrame,
        UserStartedSpeakingFrame,
        InputAudioFrame,
        UserStoppedSpeakingFrame,
        InterruptionFrame,
        EndFrame,
    ]
    assert b.heard == [StartFrame, EndFrame]  # started with the call, fed nothing
    assert not stt.stats.switches


async def test_an_error_from_inside_a_child_pipeline_switches_and_replays() -> None:
    a, b = Provider("a", fail_on_audio=True), Provider("b")
    stt = FallbackSTTProcessor([a, b])
    out = await run_processor(stt, _utterance(3))

    (switch,) = stt.stats.switches
    assert (switch.old, switch.new) == ("a", "b")
    assert switch.reason == "error: a lost its connection"
    assert stt.active is b
    (error,) = out.upstream_of(ErrorFrame)
    assert not error.fatal
    # b got the utterance so far (replayed), then the rest live; a was told the caller
    # stopped, and what it said then stayed in
    assert b.heard == [
        StartFrame,
        UserStartedSpeakingFrame,
        *([InputAudioFrame] * 3),
        UserStoppedSpeakingFrame,
        EndFrame,
    ]
    assert a.heard == [
        StartFrame,
        UserStartedSpeakingFrame,
        InputAudioFrame,
        UserStoppedSpeakingFrame,
        EndFrame,
    ]
    assert _transcripts(out) == ["b", "b flushed"]


async def test_a_provider_flushes_before_the_end_in_every_call_of_a_reused_wrapper() -> None:
    a = Provider("a")
    stt = FallbackSTTProcessor([a, Provider("b")])
    for _ in range(2):
        out = await run_processor(stt, _utterance(1))
        assert _transcripts(out) == ["a", "a flushed"]
        assert isinstance(out.downstream[-1], EndFrame)
