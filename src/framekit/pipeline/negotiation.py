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

from collections.abc import Callable, Sequence

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
    what each class is and reads cached per class.
    """
    produced: _Produced = {}
    ends: list[FrameProcessor | None] = [None, None]
    rates = (start.audio_in_sample_rate, start.audio_out_sample_rate)
    _walk_line((pipeline,), produced, rates, ends)
    if source.shortcuts:
        source.shortcut((), sink)
    reader, last = ends
    if reader is last or needed_at_exit(InputAudioFrame):
        return None  # the last processor reads caller audio (or the exit does): nothing to skip
    stop = source if reader is None else reader.last
    return stop if stop.shortcut(_CALLER_AUDIO, sink) else None


_LEAF, _HOLDER, _LINE, _PARALLEL = range(4)
_KINDS: dict[type[FrameProcessor], tuple[int, bool]] = {}
"""Per processor class: its kind, and whether it reads caller audio when undeclared."""


def _kind(klass: type[FrameProcessor]) -> tuple[int, bool]:
    if issubclass(klass, ParallelPipeline):
        kind = _PARALLEL
    elif issubclass(klass, Pipeline):
        kind = _LINE
    elif klass.sub_lines is not FrameProcessor.sub_lines:
        kind = _HOLDER  # a processor with lines inside (a child pipeline, a fallback)
    else:
        kind = _LEAF
    found = _KINDS[klass] = (kind, _reads_caller_audio(klass, declared=False))
    return found


def _walk_line(
    units: Sequence[FrameProcessor],
    produced: _Produced,
    rates: tuple[int, int],
    ends: list[FrameProcessor | None],
) -> None:
    """Visit a line's units in order (nested pipelines opened, side-by-side ones whole).

    ``ends`` becomes [the last unit that reads caller audio, the last unit]. A plain
    undeclared processor (most of them) costs a dictionary lookup in this one loop.
    """
    for processor in units:
        klass = type(processor)
        kind, reads = _KINDS.get(klass) or _kind(klass)
        if kind is _LINE:
            assert isinstance(processor, Pipeline)
            _walk_line(processor.children, produced, rates, ends)
            continue
        if kind is not _LEAF or processor.audio_caps is not None or processor.shortcuts:
            reads = _visit(processor, produced, rates)
        if reads:
            ends[0] = processor
        ends[1] = processor


def _visit(processor: FrameProcessor, produced: _Produced, rates: tuple[int, int]) -> bool:
    """Follow the formats produced so far through ``processor``; whether it reads caller audio.

    Also forgets any shortcut a processor kept from an earlier call.
    """
    klass = type(processor)
    kind, reads = _KINDS.get(klass) or _kind(klass)
    if kind is _LINE:
        assert isinstance(processor, Pipeline)
        reads = False
        for child in processor.children:
            reads = _visit(child, produced, rates) or reads
        return reads
    if kind is _PARALLEL:
        assert isinstance(processor, ParallelPipeline)
        return _visit_parallel(processor, produced, rates)
    if processor.shortcuts:
        processor.shortcut((), processor)
    caps = processor.audio_caps
    if caps is not None:
        reads = _declares_caller_audio(caps) or _reads_caller_audio(klass, declared=True)
        _check(processor, caps, produced, rates)
    if kind is _HOLDER:
        reads = _visit_side_by_side(processor.sub_lines(), produced, rates) or reads
    return reads


def _visit_parallel(
    parallel: ParallelPipeline, produced: _Produced, rates: tuple[int, int]
) -> bool:
    parallel.last.shortcut((), parallel.last)  # it may have been a stop point
    return _visit_side_by_side(parallel.branches, produced, rates)


def _visit_side_by_side(
    lines: Sequence[FrameProcessor], produced: _Produced, rates: tuple[int, int]
) -> bool:
    """Each line from the same formats (one's converter does not feed the next); after
    them, what any line made."""
    merged, reads = dict(produced), False
    for line in lines:
        line_produced = dict(produced)
        reads = _visit(line, line_produced, rates) or reads
        merged.update(line_produced)
    produced.update(merged)
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
