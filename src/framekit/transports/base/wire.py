"""The bot's audio in the wire's format, cut into chunks: what an output transport writes.

One :class:`~framekit.audio.AudioConverter` per source format (a 22,050 Hz voice into
an 8 kHz mu-law line is one step), made the first time that format arrives, and one
:class:`~framekit.audio.AudioChunker` cutting the converted audio into the transport's
``chunk_ms`` chunks. Consecutive frames of the same format (the usual case: one
voice) reuse the last converter without a dictionary lookup.

The converter and the chunker hold back what does not make a whole chunk yet;
:meth:`WireAudio.tail` gives it back padded with silence at the end of an
utterance, and :meth:`WireAudio.reset` drops it at a barge-in.
"""

from __future__ import annotations

from framekit.audio import AudioChunker, AudioConverter, AudioFormat, silence

__all__ = ["WireAudio"]


class WireAudio:
    """Converts and chunks audio into ``wire`` (``chunk_ms`` chunks); see the module docstring."""

    __slots__ = (
        "_chunker",
        "_converters",
        "_last_converter",
        "_last_src",
        "accepted",
        "bytes_per_second",
        "format",
        "held",
    )

    def __init__(self, wire: AudioFormat, chunk_ms: int) -> None:
        self.format = wire
        self._chunker = AudioChunker(wire, chunk_ms)
        self.bytes_per_second = wire.bytes_per_frame * wire.sample_rate
        self._converters: dict[AudioFormat, AudioConverter] = {}
        self._last_src: AudioFormat | None = None
        self._last_converter: AudioConverter | None = None
        self.held = False
        """Audio may be held back by the converter or the chunker (call :meth:`tail`)."""
        self.accepted = 0
        """Wire audio bytes accepted since the owner last set it to 0 (its last cut)."""

    def push(self, audio: bytes, src: AudioFormat) -> list[bytes]:
        """Convert ``audio`` (in ``src``) and return the whole chunks it completes."""
        self.held = True
        converter = self._last_converter
        if src is self._last_src and converter is not None:
            converted = converter.convert(audio)
        else:
            previous = converter
            converter = self._converters.get(src)
            if converter is None:
                converter = self._converters[src] = AudioConverter(src, self.format)
            self._last_src, self._last_converter = src, converter
            # A new source format: what the previous converter held back comes first.
            before = previous.flush() if previous is not None else b""
            converted = converter.convert(audio)
            if before:
                converted = before + converted
        self.accepted += len(converted)
        return self._chunker.push(converted)

    def tail(self) -> tuple[list[bytes], int]:
        """The audio held back, as chunks, the last padded with silence to a whole chunk.

        Returns the chunks and how many audio bytes the last one holds before its
        padding (``-1`` when no chunk is padded).
        """
        self.held = False
        converter = self._last_converter
        rest = converter.flush() if converter is not None else b""
        self.accepted += len(rest)
        chunker = self._chunker
        chunks = chunker.push(rest) if rest else []
        tail = chunker.flush()
        if not tail:
            return chunks, -1
        chunks.append(tail + silence(self.format, chunker.frame_bytes - len(tail)))
        return chunks, len(tail)

    def reset(self) -> None:
        """Drop what is held back (a barge-in: it will never be played)."""
        self.held = False
        self._chunker.reset()
        for converter in self._converters.values():
            converter.reset()
