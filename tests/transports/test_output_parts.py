"""The output transport's parts on their own: the chunk schedule and the wire audio."""

from __future__ import annotations

import pytest

from framekit.audio import MULAW_8K, audio_format
from framekit.transports.base.pacing import MAX_LAG_SECONDS, PacingSchedule
from framekit.transports.base.wire import WireAudio

PCM_16K = audio_format(16000)
PCM_24K = audio_format(24000)


def test_slots_are_absolute_and_a_far_late_chunk_restarts_them() -> None:
    pace = PacingSchedule(0.02, send_ahead=0.08)
    pace.begin(10.0)
    pace.wrote(160)
    assert pace.next_due() == pytest.approx(10.0 + 0.02 - 0.08)
    pace.keep_pace(10.0, pace.next_due())  # a little late: caught up, not moved
    pace.wrote(160)
    assert pace.next_due() == pytest.approx(10.04 - 0.08)
    late = pace.next_due() + MAX_LAG_SECONDS + 0.05
    pace.keep_pace(late, pace.next_due())
    assert pace.next_due() == pytest.approx(late)  # the stalled chunk is due now
    assert pace.playout_end() == pytest.approx(late + 0.08)
    assert pace.audio_bytes == 320
    pace.end()
    assert (pace.chunks, pace.audio_bytes) == (0, 0)


def test_a_change_of_source_format_keeps_what_the_converter_held() -> None:
    wire = WireAudio(MULAW_8K, 20)  # 160 bytes a chunk
    one_ms_16k = b"\x01\x00" * 16
    chunks = [c for _ in range(25) for c in wire.push(one_ms_16k, PCM_16K)]  # 25 ms
    chunks += wire.push(b"\x01\x00" * 24 * 10, PCM_24K)  # then 10 ms of a 24 kHz voice
    tail, audio_bytes = wire.tail()
    assert audio_bytes == 120  # the last 15 ms, padded to a whole chunk
    assert [len(c) for c in (*chunks, *tail)] == [160, 160]
    assert wire.accepted == 280  # 35 ms at 8 kHz: nothing lost at the switch
    assert not wire.held


def test_a_reset_drops_what_was_held_back() -> None:
    wire = WireAudio(PCM_16K, 20)  # 640 bytes a chunk
    assert wire.push(b"\x00\x00" * 100, PCM_16K) == []
    assert wire.held
    wire.reset()
    assert wire.tail() == ([], -1)
