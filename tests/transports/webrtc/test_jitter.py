"""The caller's audio goes to the decoder as each packet arrives, not 80 ms later."""

from __future__ import annotations

from aiortc import RTCPeerConnection
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from framekit.transports.webrtc import WebRTCTransport
from framekit.transports.webrtc.jitter import ArrivalOrderBuffer


def opus_packet(sequence: int) -> RtpPacket:
    packet = RtpPacket(payload_type=111, sequence_number=sequence, timestamp=960 * sequence)
    packet._data = bytes([sequence % 256]) * 40  # type: ignore[attr-defined]  # as depayloaded
    return packet


def test_aiortc_own_buffer_holds_four_packets_back() -> None:
    """What the transport replaces: the first packet leaves only once the fifth has come."""
    buffer = JitterBuffer(capacity=16, prefetch=4)
    released = [buffer.add(opus_packet(n))[1] for n in range(5)]
    assert released[:4] == [None] * 4
    assert released[4] is not None
    assert released[4].timestamp == 0


def test_each_packet_leaves_as_it_arrives() -> None:
    buffer = ArrivalOrderBuffer()
    for sequence in range(5):
        _, frame = buffer.add(opus_packet(sequence))
        assert frame is not None
        assert frame.timestamp == 960 * sequence
        assert frame.data == bytes([sequence]) * 40


def test_a_lost_packet_is_skipped_not_waited_for() -> None:
    buffer = ArrivalOrderBuffer()
    buffer.add(opus_packet(1))
    _, frame = buffer.add(opus_packet(3))  # 2 is lost
    assert frame is not None
    assert frame.timestamp == 960 * 3


def test_late_and_duplicate_packets_are_dropped_across_the_wrap() -> None:
    buffer = ArrivalOrderBuffer()
    assert buffer.add(opus_packet(65534))[1] is not None
    assert buffer.add(opus_packet(0))[1] is not None  # 65535 was lost; the count wrapped
    assert buffer.add(opus_packet(65535))[1] is None  # it came late: older than 0
    assert buffer.add(opus_packet(0))[1] is None  # a duplicate
    assert buffer.add(opus_packet(1))[1] is not None
    assert buffer.dropped == 2


async def test_the_transport_puts_it_in_the_calls_audio_receiver() -> None:
    caller = RTCPeerConnection()
    transport = WebRTCTransport(RTCPeerConnection())
    try:
        caller.addTransceiver("audio", direction="sendrecv")
        await caller.setLocalDescription(await caller.createOffer())
        await transport.accept(caller.localDescription.sdp)
        assert isinstance(transport.receive_buffer, ArrivalOrderBuffer)
        (receiver,) = [t.receiver for t in transport._pc.getTransceivers() if t.kind == "audio"]
        assert receiver._RTCRtpReceiver__jitter_buffer is transport.receive_buffer  # type: ignore[attr-defined]
    finally:
        await transport.close()
        await caller.close()
