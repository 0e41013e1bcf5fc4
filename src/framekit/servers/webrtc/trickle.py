"""Trickle ICE over HTTP: the caller's candidates after its offer, as WHIP does.

A page need not wait for ICE gathering (hundreds of ms, seconds with an unreachable
STUN server) before it posts its offer: it posts at once, and sends each candidate
as it is found with ``PATCH /webrtc/calls/{call_id}`` (the answer's ``Location``)::

    {"candidates": [{"candidate": "candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host",
                     "sdpMid": "0", "sdpMLineIndex": 0}],
     "end": false}

Each candidate is what the browser's ``RTCIceCandidate.toJSON()`` gives; ``"end":
true`` says gathering is complete (end-of-candidates: from then on the connection
may fail when no pair works, instead of waiting for more). An empty
``"candidate"`` (a browser's end-of-generation marker) is skipped. Answers: 204, 404
for a call that is not (or no longer) waiting for candidates, 400 for a body of
another shape or past :data:`MAX_CANDIDATES` for the call, 413 past
:data:`MAX_BODY_BYTES`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from aiortc import RTCIceCandidate
from aiortc.sdp import candidate_from_sdp

__all__ = ["MAX_BODY_BYTES", "MAX_CANDIDATES", "CandidateError", "Trickled", "parse_trickle"]

MAX_BODY_BYTES: Final = 32 * 1024
MAX_CANDIDATES: Final = 128
"""Candidates one call may trickle: a browser finds several per network interface (Firefox
trickled 24 on this machine, its loopback and one Ethernet interface, IPv4 and IPv6)."""

_LINE: Final = re.compile(
    r"candidate:\S{1,32} \d{1,3} (?i:udp|tcp) \d{1,10} \S{1,255} \d{1,5} "
    r"typ (?:host|srflx|prflx|relay)(?: [\x21-\x7e ]{0,200})?"
)
_MAX_MLINE: Final = 16


class CandidateError(ValueError):
    """A trickle body that is not JSON or not of the shape above."""


@dataclass(frozen=True, slots=True)
class Trickled:
    """One ``PATCH``'s candidates, and whether gathering is complete."""

    candidates: tuple[RTCIceCandidate, ...]
    end: bool


def parse_trickle(body: bytes) -> Trickled:
    """The candidates of one ``PATCH`` body; raises :class:`CandidateError` naming what is wrong."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CandidateError("not JSON") from None
    if not isinstance(data, dict):
        raise CandidateError("not a JSON object")
    listed = data.get("candidates", [])
    end = data.get("end", False)
    if not isinstance(listed, list) or not isinstance(end, bool):
        raise CandidateError('expected {"candidates": [...], "end": false|true}')
    if len(listed) > MAX_CANDIDATES:
        raise CandidateError(f"more than {MAX_CANDIDATES} candidates")
    found = [_candidate(item) for item in listed]
    return Trickled(tuple(c for c in found if c is not None), end)


def _candidate(item: Any) -> RTCIceCandidate | None:
    if not isinstance(item, dict):
        raise CandidateError("a candidate is an object")
    line, mid, index = item.get("candidate"), item.get("sdpMid"), item.get("sdpMLineIndex")
    if line == "":
        return None
    if not isinstance(line, str) or not _LINE.fullmatch(line):
        raise CandidateError(f"not an ICE candidate: {str(line)[:60]!r}")
    if mid is not None and not (isinstance(mid, str) and 0 < len(mid) <= 16):
        raise CandidateError("sdpMid is a short string")
    if index is not None and not (
        isinstance(index, int) and not isinstance(index, bool) and 0 <= index < _MAX_MLINE
    ):
        raise CandidateError(f"sdpMLineIndex is a number below {_MAX_MLINE}")
    if mid is None and index is None:
        raise CandidateError("a candidate needs sdpMid or sdpMLineIndex")
    candidate = candidate_from_sdp(line.removeprefix("candidate:"))
    candidate.sdpMid = mid
    candidate.sdpMLineIndex = index
    return candidate
