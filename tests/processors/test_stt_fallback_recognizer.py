"""The batch STT fallback: a recognizer made of recognizers, driven by the one batch stage.

Vendor-free: each recognizer names itself in its transcript and keeps the audio it
was given, so a transcript shows who decoded the utterance and the audio shows that
the next recognizer got the same utterance. Breakers are a ``ProviderHealth`` the
test passes in, shared by the calls of a test as a server's process would share it.
"""

from __future__ import annotations

import asyncio

import pytest

from framekit.audio import PCM16_16K
from framekit.clock import ManualClock, SystemClock
from framekit.frames import (
    ErrorFrame,
    ExpectedSpeech,
    Frame,
    InputAudioFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.health import BreakerState, ProviderHealth
from framekit.processors.stt.fallback import FallbackRecognizer
from framekit.processors.stt.transcript import SpeechAudio, Transcript
from framekit.processors.stt.utterance import UtteranceOptions, UtteranceSTTProcessor
from framekit.testing import FrameCapture, run_processor

ONE_SECOND = bytes(range(256)) * 125  # 1 s of 16 kHz PCM16, not all quiet


class _Engine:
    """Names itself in its transcript; can fail (``down``) or hang (``stalled``)."""

    def __init__(self, name: str, *, down: bool = False, stalled: bool = False) -> None:
        self.name = name
        self.down = down
        self.stalled = stalled
        self.heard: list[bytes] = []

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        assert isinstance(audio, bytes)
        self.heard.append(audio)
        if self.down:
            raise ConnectionError(f"{self.name} is down")
        if self.stalled:
            await asyncio.sleep(3600)
        return Transcript(self.name, "en", 1.0, (), PCM16_16K.duration_of(len(audio)))


def _utterance() -> list[Frame]:
    audio = [InputAudioFrame(audio=ONE_SECOND[i : i + 640]) for i in range(0, 32000, 640)]
    return [UserStartedSpeakingFrame(), *audio, UserStoppedSpeakingFrame()]


async def _call(recognizer: FallbackRecognizer, clock: ManualClock | None = None) -> FrameCapture:
    stage = UtteranceSTTProcessor(recognizer, UtteranceOptions(speculative=False, pre_roll=0))
    return await run_processor(stage, _utterance(), clock=clock or ManualClock())


def _transcripts(out: FrameCapture) -> list[str]:
    return [frame.text for frame in out.downstream_of(TranscriptionFrame)]


async def test_a_healthy_primary_decodes_and_the_next_is_never_asked() -> None:
    primary, secondary = _Engine("primary"), _Engine("secondary")
    fallback = FallbackRecognizer([primary, secondary], health=ProviderHealth())

    out = await _call(fallback)

    assert _transcripts(out) == ["primary"]
    assert fallback.heard_by == ["primary"]
    assert not secondary.heard
    assert fallback.name == "primary>secondary"


async def test_a_primary_that_is_down_hands_the_same_utterance_to_the_next() -> None:
    health = ProviderHealth()
    primary, secondary = _Engine("primary", down=True), _Engine("secondary")
    fallback = FallbackRecognizer([primary, secondary], health=health)

    out = await _call(fallback)

    assert _transcripts(out) == ["secondary"]
    assert not out.upstream_of(ErrorFrame)  # the caller lost nothing: logged, not reported
    assert secondary.heard == primary.heard
    assert len(secondary.heard[0]) == len(ONE_SECOND)
    assert health.breaker("primary").failures == 1


async def test_a_primary_that_does_not_answer_in_time_is_given_up() -> None:
    primary, secondary = _Engine("primary", stalled=True), _Engine("secondary")
    fallback = FallbackRecognizer(
        [primary, secondary], health=ProviderHealth(), clock=SystemClock(), timeout=0.05
    )
    stage = UtteranceSTTProcessor(fallback, UtteranceOptions(speculative=False, pre_roll=0))

    out = await run_processor(stage, _utterance(), clock=SystemClock())

    assert _transcripts(out) == ["secondary"]
    assert len(primary.heard) == 1


async def test_an_open_breaker_skips_the_primary_in_every_call_until_its_cooldown() -> None:
    clock = ManualClock()
    health = ProviderHealth(failure_threshold=2, cooldown=30.0)
    primary, secondary = _Engine("primary", down=True), _Engine("secondary")

    for _ in range(2):  # two calls of one process: two failures open the primary's circuit
        fallback = FallbackRecognizer([primary, secondary], health=health, clock=clock)
        assert _transcripts(await _call(fallback, clock)) == ["secondary"]
    assert health.states(clock.now())["primary"] == BreakerState.OPEN

    fallback = FallbackRecognizer([primary, secondary], health=health, clock=clock)
    assert _transcripts(await _call(fallback, clock)) == ["secondary"]
    assert len(primary.heard) == 2  # skipped: no third attempt, no timeout paid

    primary.down = False  # it recovers; after the cool-down one decode probes it
    await clock.advance(30.0)
    fallback = FallbackRecognizer([primary, secondary], health=health, clock=clock)
    assert _transcripts(await _call(fallback, clock)) == ["primary"]
    assert health.states(clock.now())["primary"] == BreakerState.CLOSED


async def test_when_every_recognizer_fails_the_stage_reports_it_and_the_call_goes_on() -> None:
    health = ProviderHealth(failure_threshold=1)
    engines = [_Engine("primary", down=True), _Engine("secondary", down=True)]
    fallback = FallbackRecognizer(engines, health=health)

    out = await _call(fallback)

    assert not _transcripts(out)
    (error,) = out.upstream_of(ErrorFrame)
    assert not error.fatal
    assert "every recognizer failed" in error.error
    assert "primary is down" in error.error
    assert "secondary is down" in error.error

    # both circuits are open now, and the last recognizer is still tried
    out = await _call(FallbackRecognizer(engines, health=health))
    assert [len(engine.heard) for engine in engines] == [1, 2]


async def test_a_cancelled_decode_gives_no_verdict() -> None:
    health = ProviderHealth(failure_threshold=1)
    primary = _Engine("primary", stalled=True)
    fallback = FallbackRecognizer([primary, _Engine("secondary")], health=health)

    decode = asyncio.create_task(fallback.transcribe_async(ONE_SECOND))
    await asyncio.sleep(0.01)
    decode.cancel()
    with pytest.raises(asyncio.CancelledError):
        await decode

    assert health.breaker("primary").failures == 0


def test_settings_are_checked_where_they_are_written() -> None:
    with pytest.raises(ValueError, match="at least one"):
        FallbackRecognizer([], health=ProviderHealth())
    with pytest.raises(ValueError, match="timeout"):
        FallbackRecognizer([_Engine("a")], health=ProviderHealth(), timeout=0)
