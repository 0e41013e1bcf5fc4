"""What a voice is to the TTS stage that drives it: text in, a stream of audio out.

The same split as the LLM and speech-recognition stages: a vendor implements this
small interface (:mod:`framekit.services.piper`, :mod:`framekit.services.espeak`,
:mod:`framekit.services.http_tts`, or a plugin's own folder), and one stage processor,
:class:`~framekit.processors.tts.base.TTSProcessor`, turns any voice into frames:
sentences, started/audio/stopped frames, the phrase cache, metrics, interruptions.
A voice holds no frames and knows nothing of pipelines, so it can be combined
(:class:`~framekit.processors.tts.fallback.FallbackVoice` is a voice made of voices)
and used outside a call (a language notice, a benchmark).

A voice belongs to the one stage that prepares and closes it (one per call); what is
costly to load or open (a model, a connection pool, circuit breakers) is made once per
process by the application and passed to each call's voice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TypeAlias

from framekit.audio.format import AudioFormat

__all__ = ["ReportProblem", "TTSError", "Voice"]

ReportProblem: TypeAlias = Callable[[str], Awaitable[None]]
"""Tells the call's operators about a problem the caller did not hear (a voice that
failed and was replaced): the stage pushes it as a non-fatal error."""


class TTSError(Exception):
    """A voice could not speak a text; the message says why, in words for an operator."""


class Voice(ABC):
    """Speaks one text at a time as a stream of ``(bytes, AudioFormat)`` chunks.

    A vendor implements :meth:`synthesize` and, when it holds resources,
    :meth:`prepare` and :meth:`close`; a voice whose audio depends only on its text
    and settings names itself in :attr:`phrase_key` so fixed phrases are cached.
    """

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        """Names this voice in logs, error messages and a fallback's circuit breaker."""

    @property
    def model_name(self) -> str | None:
        """The model reported with the stage's first-audio metric (default: :attr:`name`)."""
        return self.name

    @property
    def phrase_key(self) -> str | None:
        """What identifies this voice's audio in a phrase cache (``None``: never cached).

        Two voices with the same key must speak a text identically.
        """
        return None

    def last_cacheable(self) -> bool:
        """Whether the text just spoken may be cached (a fallback's stand-in voice's may not)."""
        return True

    async def prepare(self, output: AudioFormat, report: ReportProblem) -> None:  # noqa: B027
        """Load or open what :meth:`synthesize` needs; a call starts with ``output``.

        Called at the start of every call (and by a warm-up): cheap when already
        loaded. ``report`` is the call's channel for problems the caller does not hear.
        An exception here is fatal to the call, so raise only when the voice cannot
        work at all (a missing binary, a missing model).
        """

    async def close(self) -> None:  # noqa: B027
        """Release what :meth:`prepare` opened (the call ended, however it ended)."""

    @abstractmethod
    def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        """Yield ``text`` spoken, as chunks of audio in the format each chunk names.

        An async generator. Chunks may split a sample; the stage joins them, and
        converts each format to the call's. Raise :class:`TTSError` (or any
        exception) when the voice fails. The stream is closed early (``aclose``) on
        an interruption or a cancelled call: release what it holds in a ``finally``
        (kill the subprocess, drop the connection).
        """
