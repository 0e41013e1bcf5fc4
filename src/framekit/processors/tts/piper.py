"""Piper text-to-speech as a processor: streamed LLM text in, the bot's voice out.

Why sentence by sentence: the LLM streams its answer a few words at a time, and
the caller should hear the first sentence while the rest is still being written.
:class:`~framekit.processors.tts.base.SentenceTTSProcessor` cuts the text into
sentences and pushes the frames; this module only turns one sentence into audio.
Each complete sentence is synthesized on this processor's worker (the next text
frames wait in its queue meanwhile), and the unfinished rest is spoken when the
response ends (:class:`~framekit.frames.LLMResponseEndFrame`) or the call ends.

Why the text is *not* cut further (at commas, after a few words): the engine
streams within a sentence instead (:mod:`framekit.models.piper`): the whole
sentence is phonemized and its durations and intonation computed at once, then its
audio leaves in windows of ~0.28 s, 0.56 s, 1.1 s... So the first audio comes after
one small window whatever the sentence's length, numbers and abbreviations are read
as espeak-ng reads the whole sentence, and no seam, pause or restarted intonation
is added. Each window is pushed before the next one is computed.

Why a queued processor: synthesis is slow work, so it runs on the processor's one
owned worker, in order, while caller audio overtakes it. An interruption cancels
the sentence in progress (the queued base does it; the engine stops computing
after the current Piper chunk) and the base forgets the half-received sentence.

Audio leaves at the pipeline's output rate (``StartFrame.audio_out_sample_rate``),
converted from the voice's own rate (22,050 Hz for the packaged voice) by one
:class:`~framekit.audio.AudioConverter` per sentence.

Licence: Piper (``piper-tts``) is GPL-3.0-or-later; it stays behind the optional
``framekit[piper]`` extra.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import cast

from framekit.audio import AudioFormat
from framekit.models.piper import PiperEngine
from framekit.processors.tts.base import SentenceTTSProcessor
from framekit.processors.tts.phrases import PhraseCache
from framekit.processors.tts.sentences import DEFAULT_ABBREVIATIONS

__all__ = ["PiperTTSProcessor"]


class PiperTTSProcessor(SentenceTTSProcessor):
    """Speaks text frames with a Piper voice, one sentence at a time.

    Frames in and out are those of :class:`~framekit.processors.tts.base.SentenceTTSProcessor`.

    ``engine`` is the loaded voice: the application loads it once per process
    (``await PiperEngine.shared_async(voice)``, or :class:`PiperEngine` directly) and
    passes it to every call's processor, so no call waits for a load and a test
    speaks with the voice it chose. ``length_scale`` above 1 speaks slower;
    ``volume`` scales the samples.
    """

    def __init__(
        self,
        *,
        engine: PiperEngine,
        length_scale: float | None = None,
        speaker_id: int | None = None,
        volume: float = 1.0,
        push_text_frames: bool = True,
        abbreviations: frozenset[str] = DEFAULT_ABBREVIATIONS,
        phrase_cache: PhraseCache | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            push_text_frames=push_text_frames,
            abbreviations=abbreviations,
            phrase_cache=phrase_cache,
            name=name,
        )
        self.engine = engine
        """The voice this processor speaks with."""
        self._length_scale = length_scale
        self._speaker_id = speaker_id
        self._volume = volume

    @property
    def model_name(self) -> str | None:
        return self.engine.name

    @property
    def phrase_key(self) -> str | None:
        settings = (self._length_scale, self._speaker_id, self._volume)
        return f"piper:{self.engine.name}:{settings}"

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        engine = self.engine
        # An async generator (typed as an iterator): closed at once when we are.
        chunks = cast(
            AsyncGenerator[bytes, None],
            engine.synthesize_async(
                text,
                length_scale=self._length_scale,
                speaker_id=self._speaker_id,
                volume=self._volume,
            ),
        )
        async with aclosing(chunks):
            async for pcm in chunks:
                yield pcm, engine.audio_format
