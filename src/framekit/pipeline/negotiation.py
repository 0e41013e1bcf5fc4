"""The audio chain of a call, checked once when it starts; caller audio stops early.

Two jobs, both done once per call by :class:`~framekit.pipeline.PipelineTask`
before the :class:`~framekit.frames.StartFrame` goes in, from the processors'
declared :class:`~framekit.audio.AudioCaps`:

1. **Formats.** Walking the pipeline in order, each producer's format for an
   audio frame type must be one that every later consumer of that type accepts.
   If not, :class:`AudioChainError` names both processors and both formats, and
   the call does not start: no consumer finds out frame by frame.
2. **Where caller audio stops.** The last processor that consumes
   :class:`~framekit.frames.InputAudioFrame` pushes it straight to the pipeline's
   exit, past the processors after it (LLM, TTS, output transport) that would
   only pass it on. The exit still gets it, so exit listeners and the idle timer
   see what they saw before; when the exit itself needs the type (an activity
   frame, for instance), nothing is skipped. The shortcut costs nothing per
   frame beyond one lookup in the stopping processor.

A processor without a declaration counts as a consumer of the audio types its
``@on_frame`` handlers name, in any format; one with no handlers that overrides
``process_frame`` counts as a consumer of everything, so undeclared code never
loses audio it might read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from framekit.audio.caps import PipelineFormat, resolve_formats
from framekit.audio.format import AudioFormat
from framekit.frames import Frame, InputAudioFrame, StartFrame
from framekit.pipeline.parallel import ParallelPipeline
from framekit.pipeline.pipeline import Pipeline
from framekit.processors.base import FrameProcessor

__all__ = ["CALLER_AUDIO", "AudioChainError", "AudioPlan", "negotiate_audio"]

CALLER_AUDIO: tuple[type[Frame], ...] = (InputAudioFrame,)
"""Frame types that stop after their last consumer (the caller's audio)."""


class AudioChainError(ValueError):
    """A producer's audio format cannot reach a consumer that needs another one."""


@dataclass(frozen=True, slots=True)
class AudioPlan:
    """What the check decided for one call."""

    stops: dict[type[Frame], FrameProcessor]
    """Per caller-audio type, the processor that sends it straight to the exit."""


_Produced = dict[type, tuple[AudioFormat | None, FrameProcessor]]


def negotiate_audio(
    pipeline: FrameProcessor,
    start: StartFrame,
    *,
    source: FrameProcessor,
    sink: FrameProcessor,
    needed_at_exit: Callable[[type[Frame]], bool],
) -> AudioPlan:
    """Check ``pipeline``'s audio formats for ``start``'s rates and set where caller audio stops.

    ``source`` and ``sink`` are the task's ends; ``needed_at_exit`` says whether
    the sink acts on a frame type (then that type is never shortened).
    """
    rates = (start.audio_in_sample_rate, start.audio_out_sample_rate)
    _check(pipeline, {}, rates)
    for processor in (source, *pipeline.processors()):
        processor.shortcut((), sink)
    units = list(_units(pipeline))
    stops: dict[type[Frame], FrameProcessor] = {}
    for frame_type in CALLER_AUDIO:
        if needed_at_exit(frame_type):
            continue
        stop = source
        for index, unit in enumerate(units):
            if any(_touches(p, frame_type) for p in unit.processors()):
                stop = unit.last if index < len(units) - 1 else sink
        if stop is not sink:
            stops[frame_type] = stop
    by_processor: dict[FrameProcessor, list[type[Frame]]] = {}
    for frame_type, stop in stops.items():
        by_processor.setdefault(stop, []).append(frame_type)
    for stop, frame_types in by_processor.items():
        stop.shortcut(frame_types, sink)
    return AudioPlan(stops=stops)


def _units(processor: FrameProcessor) -> Iterator[FrameProcessor]:
    """The processors of a line: nested pipelines opened, side-by-side ones kept whole."""
    if isinstance(processor, Pipeline):
        for child in processor.children:
            yield from _units(child)
    else:
        yield processor


def _touches(processor: FrameProcessor, frame_type: type[Frame]) -> bool:
    """Whether ``processor`` consumes or produces ``frame_type`` (so audio must reach it)."""
    caps = processor.audio_caps
    if caps is not None:
        declared = (*caps.consumes, *caps.produces)
        if any(issubclass(frame_type, t) for t in declared):
            return True
    klass = type(processor)
    handled = klass.handled_types()
    if any(issubclass(frame_type, t) for t in handled):
        return True
    return caps is None and not handled and klass.process_frame is not FrameProcessor.process_frame


def _check(processor: FrameProcessor, produced: _Produced, rates: tuple[int, int]) -> None:
    """Follow the formats produced so far through ``processor`` (updates ``produced``)."""
    if isinstance(processor, ParallelPipeline):
        merged = dict(produced)
        for branch in processor.branches:
            branch_produced = dict(produced)
            _check(branch, branch_produced, rates)
            merged.update(branch_produced)
        produced.update(merged)
        return
    if isinstance(processor, Pipeline):
        for child in processor.children:
            _check(child, produced, rates)
        return
    caps = processor.audio_caps
    if caps is None:
        for inner in processor.processors():
            if inner is not processor:  # a processor with children (a child pipeline)
                _check(inner, produced, rates)
        return
    for frame_type, spec in caps.consumes.items():
        accepted = resolve_formats(spec, *rates)
        if accepted is None:
            continue
        for made_type, (fmt, producer) in produced.items():
            if fmt is not None and fmt not in accepted and issubclass(made_type, frame_type):
                wanted = " or ".join(sorted(str(f) for f in accepted))
                raise AudioChainError(
                    f"{processor.name} consumes {made_type.__name__} as {wanted}, but "
                    f"{producer.name} produces it as {fmt}: change the pipeline's rates or "
                    "convert between them (framekit.processors.convert.AudioConverterProcessor)"
                )
    for frame_type, made in caps.produces.items():
        formats = resolve_formats(made, *rates)
        fmt = None if made is PipelineFormat.ANY or formats is None else next(iter(formats))
        produced[frame_type] = (fmt, processor)
