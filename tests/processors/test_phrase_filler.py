"""A cached sentence cut by an interruption is finished into the cache, off the call's path."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Callable

from framekit.audio import AudioFormat, audio_format
from framekit.clock import SystemClock
from framekit.frames import InterruptionFrame, TextFrame, TTSAudioFrame
from framekit.health import ProviderHealth
from framekit.processors.tts import TTSError, TTSProcessor, Voice
from framekit.processors.tts.fallback import FallbackVoice
from framekit.processors.tts.filler import PhraseFiller
from framekit.processors.tts.phrases import PhraseCache
from framekit.tasks import live_framekit_tasks
from framekit.testing import LiveCall, run_processor

VOICE = audio_format(16000)
ANSWER = "We open at nine."


class _Voice(Voice):
    """Says each text as two 0.1 s chunks; ``hold`` (while set) stops it after the first."""

    def __init__(self, *, hold: bool = False) -> None:
        super().__init__()
        self.synthesized: list[str] = []
        self.finished: list[str] = []
        self.closed = 0
        self.hold = asyncio.Event()
        if not hold:
            self.hold.set()

    @property
    def phrase_key(self) -> str | None:
        return "v"

    async def close(self) -> None:
        self.closed += 1

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        self.synthesized.append(text)
        yield bytes([len(text) % 250, 1]) * 1600, VOICE
        await self.hold.wait()
        yield bytes([len(text) % 250, 2]) * 1600, VOICE
        self.finished.append(text)


async def _filler(cache: PhraseCache, voice: _Voice) -> PhraseFiller:
    """The filler a server's warm-up leaves on the cache (nothing to say at warm-up)."""
    await TTSProcessor(voice, phrase_cache=cache).warm_up([], sample_rate=16000)
    assert cache.filler is not None
    return cache.filler


async def _until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        for _ in itertools.count():
            if predicate():
                return
            await asyncio.sleep(0.01)


class _Down(Voice):
    """A primary voice that fails every sentence before its first audio."""

    @property
    def phrase_key(self) -> str | None:
        return "v"

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        raise TTSError("down")
        yield b"", VOICE  # an async generator


async def _cut_call(cache: PhraseCache, text: str, voice: Voice | None = None) -> None:
    """A call whose voice is interrupted after the first chunk of ``text``."""
    held = _Voice(hold=True)
    voice = voice or held
    tts = TTSProcessor(voice, phrase_cache=cache, repeated_sentences=True)
    call = LiveCall(tts, clock=SystemClock(), timeout=10)
    await call.start()
    await call.send(TextFrame(text=f"{text} "))
    await call.wait_for(lambda f: isinstance(f, TTSAudioFrame))
    interruption = InterruptionFrame()
    await call.send(interruption)
    await call.wait_for(lambda f: f is interruption)
    await call.end()
    assert held.finished == []  # the caller's stream was closed at once


async def test_a_repeated_sentence_cut_by_an_interruption_is_finished_into_the_cache() -> None:
    cache = PhraseCache()
    filler_voice = _Voice()
    filler = await _filler(cache, filler_voice)
    first = _Voice()  # the first request is spoken in full and, being the first, not kept
    await run_processor(
        TTSProcessor(first, phrase_cache=cache, repeated_sentences=True), [TextFrame(text=ANSWER)]
    )
    assert not cache.has("v", 16000, ANSWER)

    await _cut_call(cache, ANSWER)
    await _until(lambda: cache.has("v", 16000, ANSWER))

    assert (filler_voice.finished, filler.filled) == ([ANSWER], 1)
    assert filler_voice.closed == 1  # the filler prepares and closes its voice per run
    again = _Voice()
    out = await run_processor(
        TTSProcessor(again, phrase_cache=cache, repeated_sentences=True), [TextFrame(text=ANSWER)]
    )
    assert again.synthesized == []  # replayed from the cache
    replayed = b"".join(f.audio for f in out.downstream_of(TTSAudioFrame))
    assert replayed == b"".join(
        f.audio
        for f in (
            await run_processor(TTSProcessor(_Voice()), [TextFrame(text=ANSWER)])
        ).downstream_of(TTSAudioFrame)
    )


async def test_a_first_request_cut_by_an_interruption_is_not_finished() -> None:
    cache = PhraseCache()
    filler_voice = _Voice()
    filler = await _filler(cache, filler_voice)

    await _cut_call(cache, "Your order 4729 shipped on Friday.")
    await asyncio.sleep(0.05)

    assert (filler.queued, filler_voice.synthesized, len(cache)) == ([], [], 0)


async def test_a_sentence_cut_while_a_stand_in_voice_spoke_it_is_not_finished() -> None:
    cache = PhraseCache()
    filler_voice = _Voice()
    filler = await _filler(cache, filler_voice)
    assert cache.repeated("v", 16000, ANSWER) is False  # its first request was earlier

    stand_in = _Voice(hold=True)
    fallback = FallbackVoice([_Down(), stand_in], health=ProviderHealth())
    await _cut_call(cache, ANSWER, fallback)
    await asyncio.sleep(0.05)

    assert (stand_in.synthesized, stand_in.finished) == ([ANSWER], [])
    assert (filler.queued, filler_voice.synthesized, len(cache)) == ([], [], 0)


async def test_the_filler_holds_a_bounded_queue_and_drops_duplicates_and_extras() -> None:
    cache = PhraseCache()
    voice = _Voice(hold=True)
    filler = PhraseFiller(cache, voice, VOICE, max_queued=3)
    texts = [f"Sentence {n}." for n in range(6)]

    taken = [filler.offer("v", 16000, text) for text in texts]
    await _until(lambda: voice.synthesized == ["Sentence 0."])  # one at a time
    assert filler.offer("v", 16000, "Sentence 1.") is False  # already queued
    assert filler.offer("other", 16000, "Sentence 9.") is False  # another voice's
    assert filler.offer("v", 8000, "Sentence 9.") is False  # another rate's

    assert taken == [True, True, True, False, False, False]  # 0 is taken while 1, 2 queue
    assert (filler.queued, filler.dropped) == (["Sentence 1.", "Sentence 2."], 3)
    voice.hold.set()
    await _until(lambda: filler.filled == 3)
    assert voice.synthesized == ["Sentence 0.", "Sentence 1.", "Sentence 2."]
    assert not filler.offer("v", 16000, "Sentence 0.")  # cached already


async def test_the_filler_waits_while_a_call_synthesizes() -> None:
    cache = PhraseCache()
    voice = _Voice()
    filler = PhraseFiller(cache, voice, VOICE)

    with filler.live():
        assert filler.offer("v", 16000, ANSWER)
        await asyncio.sleep(0.05)
        assert voice.synthesized == []
    await _until(lambda: cache.has("v", 16000, ANSWER))


async def test_closing_the_filler_at_shutdown_leaves_no_task() -> None:
    cache = PhraseCache()
    voice = _Voice(hold=True)
    filler = PhraseFiller(cache, voice, VOICE)
    filler.offer("v", 16000, "One.")
    filler.offer("v", 16000, "Two.")
    await _until(lambda: voice.synthesized == ["One."])

    await filler.aclose()

    assert [t for t in live_framekit_tasks() if "phrase-filler" in t.get_name()] == []
    assert (filler.queued, len(cache), voice.closed) == ([], 0, 1)
