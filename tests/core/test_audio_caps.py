"""Declared audio formats, checked once at start; caller audio stops after its last consumer."""

from __future__ import annotations

import pytest

from framekit.audio import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    AudioCaps,
    AudioFormat,
    PipelineFormat,
    audio_format,
)
from framekit.frames import Frame, InputAudioFrame, TextFrame
from framekit.observers import Observer
from framekit.pipeline import DEFAULT_ACTIVITY_FRAMES, ParallelPipeline, Pipeline, PipelineParams
from framekit.pipeline.negotiation import AudioChainError
from framekit.processors import FrameDirection, FrameProcessor, on_frame
from framekit.processors.convert import AudioConverterProcessor
from framekit.processors.recording import CallAudioRecorder
from framekit.testing import run_processor
from framekit.transports.base.input import InputTransport

from .helpers import Recorder


class Heard(FrameProcessor):
    """Consumes caller audio in the declared format and keeps the formats it got."""

    def __init__(self, accepts: AudioFormat | PipelineFormat, name: str) -> None:
        super().__init__(name=name)
        self.audio_caps = AudioCaps(consumes={InputAudioFrame: accepts})
        self.formats: list[AudioFormat] = []

    @on_frame(InputAudioFrame)
    async def _on_audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        self.formats.append(frame.format)
        await self.push_frame(frame, direction)


class Speaks(FrameProcessor):
    """Stands for an LLM, a TTS or an output transport: handles text, passes the rest."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name)
        self.audio_seen = 0

    @on_frame(TextFrame)
    async def _on_text(self, frame: TextFrame, direction: FrameDirection) -> None:
        await self.push_frame(frame, direction)

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InputAudioFrame):
            self.audio_seen += 1
        await super().receive(frame, direction)


class Wire(InputTransport):
    """An input transport fed by the test, in ``fmt``."""

    def __init__(self, fmt: AudioFormat) -> None:
        super().__init__(name="wire")
        self.fmt = fmt

    async def on_pipeline_started(self) -> None:
        await self.feed_audio(bytes(self.fmt.bytes_for(0.02)), self.fmt)


class Hops(Observer):
    """Counts the hops of caller audio, by receiver."""

    def __init__(self) -> None:
        self.receivers: list[str] = []

    def on_push(
        self,
        source: FrameProcessor,
        destination: FrameProcessor,
        frame: Frame,
        direction: FrameDirection,
        timestamp: float,
    ) -> None:
        if isinstance(frame, InputAudioFrame):
            name = destination.name.split("#")[0]  # the recorder's taps end in an id
            self.receivers.append("exit" if name.endswith(".sink") else name)


def _audio(fmt: AudioFormat = PCM16_16K) -> InputAudioFrame:
    return InputAudioFrame(audio=bytes(fmt.bytes_for(0.02)), format=fmt)


# --- formats --------------------------------------------------------------------------------


async def test_a_mismatch_fails_at_start_naming_both_processors_and_formats() -> None:
    vad = Heard(PCM16_8K, name="vad")
    with pytest.raises(AudioChainError) as caught:
        await run_processor([Wire(PCM16_16K), vad], [])
    message = str(caught.value)
    assert "vad consumes InputAudioFrame as pcm16/8000Hz/1ch" in message
    assert "wire produces it as pcm16/16000Hz/1ch" in message
    assert vad.formats == []


async def test_the_check_uses_the_start_frames_rates() -> None:
    stt = Heard(PCM16_16K, name="stt")
    with pytest.raises(AudioChainError, match=r"stt consumes .* wire produces it as pcm16/8000Hz"):
        await run_processor(
            [Wire(MULAW_8K), stt], [], params=PipelineParams(audio_in_sample_rate=8000)
        )


async def test_a_matching_chain_starts_and_hears_the_pipeline_format() -> None:
    vad, stt = Heard(PipelineFormat.INPUT, name="vad"), Heard(PCM16_8K, name="stt")
    params = PipelineParams(idle_timeout=None, audio_in_sample_rate=8000)
    await run_processor([Wire(MULAW_8K), vad, stt], [], params=params)
    assert vad.formats == stt.formats == [PCM16_8K]


async def test_an_explicit_converter_makes_a_chain_match() -> None:
    stt = Heard(PCM16_16K, name="stt")
    chain = [Wire(PCM16_8K), AudioConverterProcessor(PCM16_16K), stt]
    await run_processor(chain, [], params=PipelineParams(audio_in_sample_rate=8000))
    assert stt.formats
    assert set(stt.formats) == {PCM16_16K}


async def test_a_mismatch_inside_a_parallel_branch_is_found() -> None:
    branch = Heard(PCM16_8K, name="branch")
    pipeline = Pipeline([Wire(PCM16_16K), ParallelPipeline([Recorder()], [branch])])
    with pytest.raises(AudioChainError, match="branch consumes"):
        await run_processor(pipeline, [])


async def test_the_converter_converts_queued_audio_to_the_input_format() -> None:
    stt = Heard(PipelineFormat.INPUT, name="stt")
    frames = [_audio(audio_format(48000, channels=2)) for _ in range(5)]
    out = await run_processor([AudioConverterProcessor(), stt], frames)
    assert set(stt.formats) == {PCM16_16K}
    heard = sum(len(f.audio) for f in out.downstream_of(InputAudioFrame))
    assert heard == PCM16_16K.bytes_for(0.1)  # every sample, the resampler's tail included


# --- where caller audio stops ---------------------------------------------------------------


def _contact_center_like() -> tuple[list[FrameProcessor], list[Speaks]]:
    """input -> recorder tap -> VAD -> STT -> nine stages that only handle text -> output."""
    recorder = CallAudioRecorder(call_id="hops", sample_rate=16000)
    stages = [Speaks(name) for name in ("relay", "gate", "dtmf", "intents", "flow", "tts")]
    output = Speaks("output")
    chain: list[FrameProcessor] = [
        Wire(PCM16_16K),
        recorder.caller_tap(),
        Heard(PipelineFormat.INPUT, name="vad"),
        Heard(PCM16_16K, name="stt"),
        *stages,
        recorder.bot_tap(),
        output,
    ]
    return chain, [*stages, output]


async def test_caller_audio_skips_the_processors_after_its_last_consumer() -> None:
    chain, after = _contact_center_like()
    hops = Hops()
    out = await run_processor(chain, [], observers=[hops])
    assert hops.receivers == ["CallerRecorderTap", "vad", "stt", "exit"]  # 12 hops before
    assert all(stage.audio_seen == 0 for stage in after)
    assert len(out.downstream_of(InputAudioFrame)) == 1  # exit listeners still get it


async def test_when_the_exit_needs_caller_audio_nothing_is_skipped() -> None:
    chain, after = _contact_center_like()
    hops = Hops()
    params = PipelineParams(
        idle_timeout=None, activity_frames=(*DEFAULT_ACTIVITY_FRAMES, InputAudioFrame)
    )
    await run_processor(chain, [], observers=[hops], params=params)
    assert hops.receivers[:4] == ["CallerRecorderTap", "vad", "stt", "relay"]
    assert len(hops.receivers) == 12
    assert hops.receivers[-1] == "exit"
    assert all(stage.audio_seen == 1 for stage in after)


async def test_undeclared_processors_that_read_every_frame_keep_getting_audio() -> None:
    late = Recorder()  # overrides process_frame, no handlers, no declaration
    chain: list[FrameProcessor] = [Heard(PCM16_16K, name="vad"), Speaks("llm"), late]
    await run_processor(chain, [_audio()])
    assert [type(f) for f in late.seen] == [InputAudioFrame]


async def test_queued_audio_with_no_consumer_goes_straight_to_the_exit() -> None:
    llm = Speaks("llm")
    out = await run_processor([llm, Speaks("tts")], [_audio(), TextFrame(text="hi")])
    assert llm.audio_seen == 0
    assert out.downstream_types() == [InputAudioFrame, TextFrame]


async def test_a_processor_reused_in_a_new_call_loses_its_old_shortcut() -> None:
    vad, llm, tail = Heard(PCM16_16K, name="vad"), Speaks("llm"), Speaks("tail")
    await run_processor([vad, llm, tail], [_audio()])
    assert tail.audio_seen == 0
    late = Recorder()
    await run_processor([vad, late], [_audio()])
    assert [type(f) for f in late.seen] == [InputAudioFrame]


async def test_a_last_consumer_with_its_own_push_frame_takes_no_shortcut() -> None:
    class OwnPush(Heard):
        async def push_frame(
            self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM
        ) -> None:
            await super().push_frame(frame, direction)

    llm = Speaks("llm")
    await run_processor([OwnPush(PCM16_16K, name="stt"), llm], [_audio()])
    assert llm.audio_seen == 1


async def test_only_the_stopping_processor_pushes_differently() -> None:
    vad, stt, llm = Heard(PCM16_16K, name="vad"), Heard(PCM16_16K, name="stt"), Speaks("llm")
    await run_processor([vad, stt, llm], [_audio()])
    assert list(stt.shortcuts) == [InputAudioFrame]
    assert not vad.shortcuts
    assert not llm.shortcuts
    assert "push_frame" not in vars(vad)
