"""The bot's outbound audio track, and the caller's frames as plain PCM: where aiortc meets bytes.

Why the outbound track does not keep its own clock while the bot speaks: the output
transport already writes each chunk at its playing instant on an absolute schedule
(:mod:`framekit.transports.base.pacing`). A second, free-running 20 ms clock in the
track would add up to a chunk of latency and, when the two clocks drift, drop or
double chunks. So :meth:`BotAudioTrack.recv` hands over a written chunk as soon as
it is there, and fills silence on its own schedule only while nothing is being
said, so the browser's jitter buffer keeps a steady stream and the first word of
an utterance leaves at once.

"Audio handed to the track = played": a chunk written at its instant goes to the
encoder within that instant, so the output transport's clock says what the caller
heard. :meth:`BotAudioTrack.flush` drops the few chunks not yet taken (barge-in).

Why the track encodes its own Opus, and stamps each packet with the time it leaves:
the browser's jitter buffer sizes its delay from how late packets arrive against
their RTP timestamps, and remembers a late one for many seconds. aiortc's encoder
numbers the audio back to back, so every packet that leaves late (the process
stalled on a busy machine, a wake-up came late, the silence schedule restarted
after an utterance) reads as network jitter, and the page then holds all the
bot's later audio longer: on this 2-core machine under load the page's jitter
buffer grew to several hundred milliseconds. Here a packet's timestamp is never
behind the track's clock: after a late one the timeline skips forward (the page
conceals the gap, which it would have had to conceal anyway) instead of the delay
growing. aiortc sends an encoded :class:`av.Packet` from a track as it is, with
the packet's timestamp.

The wire format is PCM16 mono at Opus's 48 kHz, so the pipeline's audio is
resampled once (by the output's converter) and encoded as mono Opus.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections import deque
from typing import Any, Final

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, CodecContext
from av.packet import Packet

from framekit.audio import AudioFormat, audio_format

__all__ = ["OPUS_RATE", "WIRE_FORMAT", "BotAudioTrack", "frame_audio"]

OPUS_RATE: Final = 48000
WIRE_FORMAT: Final = audio_format(OPUS_RATE)
"""What the output transport writes to the track: PCM16 mono at Opus's 48 kHz."""

_TIME_BASE: Final = fractions.Fraction(1, OPUS_RATE)
_GRACE: Final = 0.01
"""Seconds past a chunk's slot the track waits for the next one before sending silence."""
_BIT_RATE: Final = 48000
"""Opus bits per second for the bot's voice (mono speech; aiortc's own is 96 kb/s stereo)."""


def _opus_encoder() -> Any:
    """A mono libopus encoder for speech at 48 kHz (one packet per 20 ms frame, at once)."""
    codec: Any = CodecContext.create("libopus", "w")
    codec.bit_rate = _BIT_RATE
    codec.format = "s16"
    codec.layout = "mono"
    codec.sample_rate = OPUS_RATE
    codec.time_base = _TIME_BASE
    codec.options = {"application": "voip"}
    return codec


def frame_audio(frame: AudioFrame) -> tuple[bytes, AudioFormat]:
    """The PCM16 interleaved bytes of a decoded frame, and their format.

    aiortc's decoders give packed ``s16`` frames (Opus: 48 kHz stereo); anything
    else is converted by PyAV first, so the caller's audio always has a format
    the one :class:`~framekit.audio.AudioConverter` knows.
    """
    if frame.format.name != "s16":
        frame = _to_s16(frame)
    channels = len(frame.layout.channels)
    fmt = audio_format(frame.sample_rate, channels)
    return bytes(frame.planes[0])[: frame.samples * 2 * channels], fmt


def _to_s16(frame: AudioFrame) -> AudioFrame:
    from av.audio.resampler import AudioResampler

    layout = "mono" if len(frame.layout.channels) == 1 else "stereo"
    converted = AudioResampler(format="s16", layout=layout, rate=frame.sample_rate).resample(frame)
    return converted[0]


class BotAudioTrack(MediaStreamTrack):
    """The audio the caller hears: chunks written by the output transport, else silence.

    ``chunk_samples`` is the samples per chunk (960: 20 ms at 48 kHz). ``max_chunks``
    bounds what may wait in the track (a stalled encoder must not grow memory): past
    it the oldest chunk is dropped.
    """

    kind = "audio"

    def __init__(self, *, chunk_samples: int = 960, max_chunks: int = 10) -> None:
        super().__init__()
        self._chunk_samples = chunk_samples
        self._chunk_s = chunk_samples / OPUS_RATE
        self._chunks: deque[bytes] = deque(maxlen=max_chunks)
        self._arrived = asyncio.Event()
        self._silence = bytes(chunk_samples * 2)
        self._encoder = _opus_encoder()
        self._pts = 0
        self._epoch: float | None = None  # the clock time of timestamp 0
        self._next_silence = 0.0
        self.chunks_sent = 0
        self.silence_sent = 0

    def write(self, chunk: bytes) -> None:
        """Queue one chunk (``chunk_samples`` of :data:`WIRE_FORMAT`) for the encoder."""
        self._chunks.append(chunk)
        self._arrived.set()

    def flush(self) -> int:
        """Drop the chunks not yet taken by the encoder; returns how many."""
        dropped = len(self._chunks)
        self._chunks.clear()
        return dropped

    async def recv(self) -> Packet[Any]:
        """The next Opus packet: a written chunk as soon as there is one, else silence on time."""
        if self.readyState != "live":
            raise MediaStreamError
        chunks = self._chunks
        if not chunks:
            await self._wait_for_chunk(self._next_silence - time.monotonic())
            if self.readyState != "live":
                raise MediaStreamError
        now = time.monotonic()
        if chunks:
            data = chunks.popleft()
            self.chunks_sent += 1
            # The next chunk of the utterance is due one slot later: wait for it that long.
            self._next_silence = now + self._chunk_s + _GRACE
        else:
            data = self._silence
            self.silence_sent += 1
            due = self._next_silence + self._chunk_s
            # After a stall, restart the schedule from now rather than burst silence.
            self._next_silence = due if due > now - self._chunk_s else now
        return self._packet(data, now)

    async def _wait_for_chunk(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self._arrived.clear()
        try:
            async with asyncio.timeout(seconds):
                await self._arrived.wait()
        except TimeoutError:
            pass

    def _packet(self, data: bytes, now: float) -> Packet[Any]:
        """``data`` encoded, stamped back to back with the last packet or, if later, with now."""
        samples = self._chunk_samples
        if self._epoch is None:
            self._epoch = now
        pts = max(self._pts, round((now - self._epoch) * OPUS_RATE))
        frame = AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(data)
        frame.pts = pts
        frame.sample_rate = OPUS_RATE
        frame.time_base = _TIME_BASE
        (packet,) = self._encoder.encode(frame)
        packet.pts = pts
        packet.time_base = _TIME_BASE
        self._pts = pts + samples
        return packet  # type: ignore[no-any-return]

    def stop(self) -> None:
        super().stop()
        self._chunks.clear()
        self._arrived.set()
