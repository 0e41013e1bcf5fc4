"""Fixed phrases are synthesized once per process and replayed to every call."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest

from framekit.audio import AudioFormat, audio_format
from framekit.frames import TextFrame, TTSAudioFrame, TTSSpeakFrame
from framekit.processors.tts import TTSProcessor, Voice
from framekit.processors.tts.phrases import PhraseCache
from framekit.testing import run_processor

VOICE = audio_format(16000)


class _Counting(Voice):
    """A voice that says each text as 0.1 s of a level derived from its length."""

    def __init__(self) -> None:
        super().__init__()
        self.synthesized: list[str] = []

    @property
    def phrase_key(self) -> str | None:
        return "counting"

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        self.synthesized.append(text)
        yield bytes([len(text) % 250, 1]) * 1600, VOICE


def audio(frames: list[TTSAudioFrame]) -> bytes:
    return b"".join(f.audio for f in frames)


async def test_a_fixed_phrase_is_synthesized_once_and_replayed_identically() -> None:
    cache = PhraseCache()
    first, second = _Counting(), _Counting()
    hello = [TTSSpeakFrame(text="Hello, how can I help?")]
    out1 = await run_processor(TTSProcessor(first, phrase_cache=cache), hello)
    out2 = await run_processor(TTSProcessor(second, phrase_cache=cache), hello)
    assert (first.synthesized, second.synthesized) == (["Hello, how can I help?"], [])
    assert audio(out2.downstream_of(TTSAudioFrame)) == audio(out1.downstream_of(TTSAudioFrame))
    assert (cache.hits, cache.misses) == (1, 1)


async def test_what_a_model_writes_is_never_cached() -> None:
    cache = PhraseCache()
    tts = TTSProcessor(_Counting(), phrase_cache=cache)
    await run_processor(tts, [TextFrame(text="Your order shipped. "), TextFrame(text="Bye. ")])
    assert len(cache) == 0


async def test_warm_up_fills_the_cache_before_any_call() -> None:
    cache = PhraseCache()
    await TTSProcessor(_Counting(), phrase_cache=cache).warm_up(["Hello!", "Are you still there?"])
    voice = _Counting()
    await run_processor(TTSProcessor(voice, phrase_cache=cache), [TTSSpeakFrame(text="Hello!")])
    assert voice.synthesized == []
    assert len(cache) == 2


def test_the_cache_forgets_the_least_recently_used_phrase_past_its_size() -> None:
    cache = PhraseCache(max_bytes=10)
    cache.put("v", 16000, "a", b"12345")
    cache.put("v", 16000, "b", b"12345")
    assert cache.get("v", 16000, "a") == b"12345"  # now the most recent
    cache.put("v", 16000, "c", b"12345")
    assert cache.get("v", 16000, "b") is None
    assert (cache.get("v", 16000, "a"), cache.size_bytes) == (b"12345", 10)
    cache.put("v", 16000, "huge", b"x" * 11)  # larger than the cache: not kept
    assert cache.get("v", 16000, "huge") is None
    with pytest.raises(ValueError, match="max_bytes"):
        PhraseCache(max_bytes=0)


async def test_repeated_brain_sentences_are_spoken_once_from_their_second_request() -> None:
    cache = PhraseCache()
    answer = [TextFrame(text="We open at nine. "), TextFrame(text="Anything else? ")]
    voices = [_Counting() for _ in range(3)]
    outs = [
        await run_processor(TTSProcessor(v, phrase_cache=cache, repeated_sentences=True), answer)
        for v in voices
    ]
    # The first two calls synthesize (the second request is the one kept), the third replays.
    assert [v.synthesized for v in voices] == [
        ["We open at nine.", "Anything else?"],
        ["We open at nine.", "Anything else?"],
        [],
    ]
    assert audio(outs[2].downstream_of(TTSAudioFrame)) == audio(
        outs[0].downstream_of(TTSAudioFrame)
    )


def test_repeated_remembers_first_requests_not_audio() -> None:
    cache = PhraseCache()
    assert not cache.repeated("v", 16000, "Your order 4729 shipped.")
    assert cache.repeated("v", 16000, " Your order 4729 shipped. ")
    assert not cache.repeated("other", 16000, "Your order 4729 shipped.")
    assert (len(cache), cache.size_bytes) == (0, 0)
