"""Audio caps: what audio a processor consumes and produces, declared once.

In the spirit of GStreamer caps, a processor states which audio frame types it
reads and writes, and in which :class:`~framekit.audio.AudioFormat`. The pipeline
task checks the whole chain once, when the call starts (see
:mod:`framekit.pipeline.negotiation`), so a consumer never has to guess or convert
a format frame by frame: a mismatch is an error at start that names both
processors, and conversion happens in one visible place (the input transport, or
an explicit :class:`~framekit.processors.convert.AudioConverterProcessor`).

A format is given as a concrete :class:`~framekit.audio.AudioFormat`, a tuple of
accepted ones, or a :class:`PipelineFormat`: the pipeline's input or output
format (PCM16 mono at the start frame's rates), or any format at all. Frame types
are plain classes here: this module sits below :mod:`framekit.frames`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TypeAlias

from framekit.audio.format import AudioFormat, audio_format

__all__ = ["AudioCaps", "FormatSpec", "PipelineFormat", "resolve_formats"]


class PipelineFormat(Enum):
    """Formats that are known only when the call starts (from its ``StartFrame``)."""

    INPUT = "the pipeline input format"
    """PCM16 mono at ``StartFrame.audio_in_sample_rate``: caller audio after the input stage."""
    OUTPUT = "the pipeline output format"
    """PCM16 mono at ``StartFrame.audio_out_sample_rate``: bot audio before the output stage."""
    ANY = "any format"
    """Whatever arrives (a consumer that encodes audio itself, such as a recorder)."""


FormatSpec: TypeAlias = AudioFormat | PipelineFormat | tuple[AudioFormat | PipelineFormat, ...]
"""One format, a pipeline format, or a tuple of formats that are all accepted."""


def _nothing() -> Mapping[type, AudioFormat | PipelineFormat]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AudioCaps:
    """The audio a processor consumes and produces, per frame type.

    ``consumes`` maps each audio frame type the processor reads to the formats it
    accepts; ``produces`` maps each type it creates to the one format it creates
    it in. Declaring a type in ``consumes`` also tells the pipeline that frames of
    that type must reach this processor: frames are not passed beyond their last
    consumer.
    """

    consumes: Mapping[type, FormatSpec] = field(default_factory=_nothing)
    produces: Mapping[type, AudioFormat | PipelineFormat] = field(default_factory=_nothing)


def resolve_formats(spec: FormatSpec, in_rate: int, out_rate: int) -> frozenset[AudioFormat] | None:
    """The concrete formats ``spec`` stands for in a call at these rates (``None``: any)."""
    specs = spec if isinstance(spec, tuple) else (spec,)
    formats: set[AudioFormat] = set()
    for one in specs:
        if one is PipelineFormat.ANY:
            return None
        if one is PipelineFormat.INPUT:
            formats.add(audio_format(in_rate))
        elif one is PipelineFormat.OUTPUT:
            formats.add(audio_format(out_rate))
        else:
            assert isinstance(one, AudioFormat)
            formats.add(one)
    return frozenset(formats)
