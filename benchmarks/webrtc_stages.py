"""Where a browser call's voice-to-voice time goes: the server's stages on the page's clock.

Used by ``bench_webrtc_browser.py --breakdown``. The benchmark's process runs the
server, so this module wraps, in that process only, the few places a turn passes:
the caller's decoded frames as the reader gets them, the call's frames as its
observer sees them, the chunks written to the outbound track and the chunks it
hands to the Opus encoder. Every instant is wall-clock milliseconds
(``time.time()``), the clock the page's ``performance.timeOrigin + now`` is on:
server and browser share the machine, so the two agree to about a millisecond.

"With energy" is the page's rule: the RMS of a 20 ms window over 0.02 of full scale.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import framekit.transports.webrtc.transport as webrtc_transport
from framekit.frames import (
    BotStartedSpeakingFrame,
    Frame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    TTSAudioFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.stt.transcript import SAMPLE_RATE, Transcript
from framekit.processors.stt.utterance import UtteranceSTTProcessor
from framekit.transports.webrtc import BotAudioTrack, CallEvents

THRESHOLD = 0.02 * 32768
"""The page's energy threshold (RMS 0.02 of full scale), for PCM16 samples."""


def _loud(pcm: bytes) -> bool:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    return samples.size > 0 and math.sqrt(float(np.mean(samples * samples))) > THRESHOLD


@dataclass
class Probe:
    """Instants (wall-clock ms) recorded on the server while the wrappers are installed."""

    received_loud: list[float] = field(default_factory=list)
    """Each decoded caller frame with energy, as the reader got it."""
    interims: list[tuple[float, float]] = field(default_factory=list)
    """(InterimTranscriptionFrame pushed, the instant its newest audio arrived)."""
    interim_texts: list[str] = field(default_factory=list)
    stops: list[tuple[float, float]] = field(default_factory=list)
    """(VAD's UserStoppedSpeakingFrame pushed, its ``stopped_at``)."""
    finals: list[float] = field(default_factory=list)
    tts_audio: list[float] = field(default_factory=list)
    """Each TTS audio frame's first hop."""
    tts_loud: list[float] = field(default_factory=list)
    bot_started: list[float] = field(default_factory=list)
    written_loud: list[float] = field(default_factory=list)
    encoded_loud: list[float] = field(default_factory=list)
    """Chunks with energy handed to the Opus encoder (the RTP packet leaves then)."""
    decodes: list[tuple[float, float, float, bool, int, bool]] = field(default_factory=list)
    """The recognizer's runs: (asked, answered, seconds of audio, urgent, second passes,
    cancelled as stale)."""

    def install(self) -> None:
        offset = 1000 * (time.time() - time.monotonic())  # the pipeline clock is monotonic
        frame_audio = webrtc_transport.frame_audio

        def probed_frame_audio(frame: Any) -> Any:
            raw, fmt = frame_audio(frame)
            if _loud(raw):
                self.received_loud.append(1000 * time.time())
            return raw, fmt

        webrtc_transport.frame_audio = probed_frame_audio  # type: ignore[assignment]
        transcribe = UtteranceSTTProcessor._transcribe

        async def probed_transcribe(
            stage: UtteranceSTTProcessor, audio: bytes, *, urgent: bool = True
        ) -> Transcript:
            asked = 1000 * time.time()
            stats = getattr(stage.recognizer, "stats", None)  # a SecondPassRecognizer's
            passes = getattr(stats, "second_passes", 0)
            cancelled = False
            try:
                return await transcribe(stage, audio, urgent=urgent)
            except asyncio.CancelledError:
                cancelled = True
                raise
            finally:
                seconds = len(audio) / (2 * SAMPLE_RATE)
                passes = getattr(stats, "second_passes", 0) - passes
                answered = 1000 * time.time()
                self.decodes.append((asked, answered, seconds, urgent, passes, cancelled))

        UtteranceSTTProcessor._transcribe = probed_transcribe  # type: ignore[method-assign,assignment]
        on_push = CallEvents.on_push
        seen: weakref.WeakSet[Frame] = weakref.WeakSet()

        def probed_on_push(events: CallEvents, *args: Any) -> None:
            frame, stamp = args[2], offset + 1000 * args[4]
            if frame not in seen:
                seen.add(frame)
                if isinstance(frame, UserStoppedSpeakingFrame) and frame.stopped_at is not None:
                    self.stops.append((stamp, offset + 1000 * frame.stopped_at))
                elif isinstance(frame, InterimTranscriptionFrame):
                    self.interims.append((stamp, offset + 1000 * frame.timestamp))
                    self.interim_texts.append(frame.text)
                elif isinstance(frame, TranscriptionFrame):
                    self.finals.append(stamp)
                elif isinstance(frame, BotStartedSpeakingFrame):
                    self.bot_started.append(stamp)
                elif isinstance(frame, TTSAudioFrame):
                    self.tts_audio.append(stamp)
                    if _loud(frame.audio):
                        self.tts_loud.append(stamp)
            on_push(events, *args)

        CallEvents.on_push = probed_on_push  # type: ignore[method-assign]
        write = BotAudioTrack.write

        def probed_write(track: BotAudioTrack, chunk: bytes) -> None:
            if _loud(chunk):
                self.written_loud.append(1000 * time.time())
            write(track, chunk)

        BotAudioTrack.write = probed_write  # type: ignore[method-assign]
        if hasattr(BotAudioTrack, "_packet"):  # the track encodes: time its encoder's input
            encode = BotAudioTrack._packet

            def probed_packet(track: BotAudioTrack, data: bytes, now: float) -> Any:
                if _loud(data):
                    self.encoded_loud.append(1000 * time.time())
                return encode(track, data, now)

            BotAudioTrack._packet = probed_packet  # type: ignore[method-assign]

    def turn(self, mic_end: float, heard_at: float) -> dict[str, float | None]:
        """One turn's stages in ms after the page's end of the question (``mic_end``, epoch ms)."""

        def last_before(values: list[float], t: float) -> float | None:
            before = [v for v in values if v <= t]
            return before[-1] if before else None

        def first_after(values: list[float], t: float) -> float | None:
            after = [v for v in values if v >= t]
            return after[0] if after else None

        stop = first_after([s for s, _ in self.stops], mic_end)
        stopped_at = next((a for s, a in self.stops if s == stop), None)
        stages: dict[str, float | None] = {
            "the server's reader gets its last frame with energy": (
                last_before(self.received_loud, stop) if stop is not None else None
            ),
            "VAD's stopped_at (end of speech)": stopped_at,
            "last interim transcript before the stop": (
                last_before([s for s, _ in self.interims], stop) if stop is not None else None
            ),
            "... the instant its newest audio arrived": (
                next((a for s, a in reversed(self.interims) if s <= stop), None)
                if stop is not None
                else None
            ),
            "VAD stop pushed": stop,
        }
        after = stop if stop is not None else mic_end
        final = first_after(self.finals, after)
        stages["STT final transcript"] = final
        answer_from = final if final is not None else after
        stages["first TTS audio"] = first_after(self.tts_audio, answer_from)
        stages["first TTS audio with energy"] = first_after(self.tts_loud, answer_from)
        stages["first chunk written (bot speaking)"] = first_after(self.bot_started, answer_from)
        stages["first chunk with energy written"] = first_after(self.written_loud, answer_from)
        stages["... handed to the Opus encoder"] = first_after(self.encoded_loud, answer_from)
        stages["page hears energy"] = heard_at
        return {
            name: (None if value is None else round(value - mic_end))
            for name, value in stages.items()
        }

    def decode_counts(self) -> str:
        """All the recognizer's runs of the benchmark: the CPU the turns cost it."""
        early = [d for d in self.decodes if not d[3]]
        cancelled = [d for d in self.decodes if d[5]]
        audio = sum(d[2] for d in self.decodes if not d[5])
        return (
            f"{len(self.decodes)} decodes ({len(early)} early, {len(cancelled)} of them "
            f"cancelled as stale), {audio:.1f} s of audio decoded to the end"
        )

    def decodes_of(self, mic_end: float, heard_at: float) -> list[str]:
        """The recognizer's runs around one turn, in ms after the page's end of the question."""
        return [
            f"{'final' if urgent else 'early'} {seconds:.2f} s of audio: "
            f"{round(asked - mic_end)} -> {round(answered - mic_end)}"
            + (f" ({passes} second pass)" if passes else "")
            + (" (cancelled: stale)" if cancelled else "")
            for asked, answered, seconds, urgent, passes, cancelled in self.decodes
            if mic_end - 3000 <= answered and asked <= heard_at
        ]
