"""The bot's outbound track: Opus packets whose timestamps never fall behind the clock."""

from __future__ import annotations

import asyncio

import numpy as np
from av import CodecContext

from framekit.transports.webrtc import BotAudioTrack

LOUD_CHUNK = (8000 * np.sin(np.arange(960) / 10)).astype("<i2").tobytes()


async def test_chunks_written_together_leave_back_to_back() -> None:
    track = BotAudioTrack()
    for _ in range(3):
        track.write(LOUD_CHUNK)
    packets = [await track.recv() for _ in range(3)]
    assert [p.pts for p in packets] == [0, 960, 1920]
    assert {p.time_base.denominator for p in packets} == {48000}
    track.stop()


async def test_a_packet_that_leaves_late_skips_the_timeline_forward() -> None:
    """A stall must read as a gap to the browser, not as a late packet (its delay would grow)."""
    track = BotAudioTrack()
    track.write(LOUD_CHUNK)
    first = await track.recv()
    await asyncio.sleep(0.2)  # the sender did not run for 200 ms
    track.write(LOUD_CHUNK)
    late = await track.recv()
    assert first.pts == 0
    assert late.pts is not None
    assert late.pts >= 0.19 * 48000  # not 960: the timestamp follows the clock
    track.stop()


async def test_the_packets_are_opus_with_the_written_audio() -> None:
    track = BotAudioTrack()
    decoder = CodecContext.create("libopus", "r")
    levels = []
    for _ in range(5):
        track.write(LOUD_CHUNK)
        for frame in decoder.decode(await track.recv()):
            pcm = frame.to_ndarray().astype(np.float32)
            levels.append(float(np.sqrt(np.mean(pcm * pcm))))
    track.stop()
    assert max(levels) > 2000  # the tone's RMS is ~5,600
