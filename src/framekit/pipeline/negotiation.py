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

from collections.abc import Callable

from framekit.audio.caps import AudioCaps, PipelineFormat, resolve_formats
from framekit.audio.format import AudioFormat
from framekit.frames import Frame, InputAudioFrame, StartFrame
from framekit.pipeline.parallel import ParallelPipeline
from framekit.pipeline.pipeline import Pipeline
from framekit.processors.base import FrameProcessor

__all__ = ["AudioChainError", "negotiate_audio"]


class AudioChainError(ValueError):
    """A producer's audio format cannot reach a consumer that needs another one."""


_Produced = dict[type, tuple[AudioFormat | None, FrameProcessor]]
_CALLER_AUDIO = (InputAudioFrame,)
_UNDECLARED: dict[type[FrameProcessor], bool] = {}
"""Per processor class without a declaration: whether it reads caller audio."""


def negotiate_audio(
    pipeline: FrameProcessor,
    start: StartFrame,
    *,
    source: FrameProcessor,
    sink: FrameProcessor,
    needed_at_exit: Callable[[type[Frame]], bool],
) -> FrameProcessor | None:
    """Check ``pipeline``'s audio formats at ``start``'s rates; set where caller audio stops.

    ``source`` and ``sink`` are the task's ends; ``needed_at_exit`` says whether
    the sink acts on a frame type (then caller audio is never shortened). Returns
    the processor that now sends caller audio straight to ``sink``, if any. Runs
    once per call, before the start frame, in a few microseconds: one walk, with
    what undeclared classes read cached per class.
    """
    rates = (start.audio_in_sample_rate, start.audio_out_sample_rate)
    produced: _Produced = {}
    source.shortcut((), sink)
    line = _line(pipeline, [])
    stop = source
    for index, unit in enumerate(line):
        if _visit(unit, produced, rates):
            stop = unit.last if index < len(line) - 1 else sink
    if stop is sink or needed_at_exit(InputAudioFrame):
        return None
    stop.shortcut(_CALLER_AUDIO, sink)
    return stop


def _line(processor: FrameProcessor, units: list[FrameProcessor]) -> list[FrameProcessor]:
    """The processors of a line: nested pipelines opened, side-by-side ones kept whole."""
    if isinstance(processor, Pipeline):
        for child in processor.children:
            _line(child, units)
    else:
        units.append(processor)
    return units


def _visit(processor: FrameProcessor, produced: _Produced, rates: tuple[int, int]) -> bool:
    """Follow the formats produced so far through ``processor``; whether it reads caller audio.

    Also forgets any shortcut a processor kept from an earlier call.
    """
    if isinstance(processor, ParallelPipeline):
        processor.first.shortcut((), processor.first)
        processor.last.shortcut((), processor.last)
        merged, touched = dict(produced), False
        for branch in processor.branches:
            branch_produced = dict(produced)
            touched = _visit(branch, branch_produced, rates) or touched
            merged.update(branch_produced)
        produced.update(merged)
        return touched
    if isinstance(processor, Pipeline):
        touched = False
        for child in processor.children:
            touched = _visit(child, produced, rates) or touched
        return touched
    processor.shortcut((), processor)
    caps = processor.audio_caps
    klass = type(processor)
    if caps is None:
        reads = _UNDECLARED.get(klass)
        if reads is None:
            reads = _UNDECLARED[klass] = _reads_caller_audio(klass, declared=False)
    else:
        reads = _declares_caller_audio(caps) or _reads_caller_audio(klass, declared=True)
        _check(processor, caps, produced, rates)
    if klass.processors is not FrameProcessor.processors:  # it holds children (a child pipeline)
        for inner in processor.processors():
            if inner is not processor:
                reads = _visit(inner, produced, rates) or reads
    return reads


def _declares_caller_audio(caps: AudioCaps) -> bool:
    declared = (*caps.consumes, *caps.produces)
    return any(issubclass(InputAudioFrame, t) for t in declared)


def _reads_caller_audio(klass: type[FrameProcessor], *, declared: bool) -> bool:
    """Whether a class reads caller audio by its handlers (or, undeclared, by its own dispatch)."""
    handled = klass.handled_types()
    if any(issubclass(InputAudioFrame, t) for t in handled):
        return True
    return not declared and not handled and klass.process_frame is not FrameProcessor.process_frame


def _check(
    processor: FrameProcessor, caps: AudioCaps, produced: _Produced, rates: tuple[int, int]
) -> None:
    """Raise if ``processor`` consumes a format no producer before it makes; note what it makes."""
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
