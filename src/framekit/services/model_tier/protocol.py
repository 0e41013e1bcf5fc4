"""The model tier's wire protocol: what a call node sends and what the tier answers.

Why a module of its own: the clients (:mod:`.recognizer`, :mod:`.voice`) and the Ray
Serve application (:mod:`framekit.servers.model_tier`) must agree on paths, headers
and bodies, and the call node must not import Ray to know them. ``docs/model-tier.md``
describes the same protocol for other clients.

* ``POST {url}/stt``: the body is one utterance, 16 kHz mono PCM16 little-endian; the
  query holds the optional ``language``, ``prompt``, ``expect`` and ``urgent`` (``1``
  or ``0``). The answer is JSON (:func:`transcript_to_json`).
* ``POST {url}/tts``: the JSON body ``{"text": "..."}``; the answer streams the text
  spoken, as ``application/octet-stream`` PCM16 little-endian mono at the rate of the
  ``X-Sample-Rate`` header, chunk by chunk as the voice makes it.
* ``GET {url}/stt/stats`` and ``GET {url}/tts/stats``: the answering replica's counters.

Every answer names its replica (:data:`REPLICA_HEADER`); a recognition answer also
says how many utterances were decoded in its batch (:data:`BATCH_HEADER`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, cast, get_args

from framekit.frames.speech import ExpectedSpeech
from framekit.processors.stt.transcript import Segment, Transcript

__all__ = [
    "BATCH_HEADER",
    "RATE_HEADER",
    "REPLICA_HEADER",
    "STATS_PATH",
    "STT_PATH",
    "TTS_PATH",
    "ModelTierError",
    "RecognitionQuery",
    "transcript_from_json",
    "transcript_to_json",
]

STT_PATH: Final = "/stt"
TTS_PATH: Final = "/tts"
STATS_PATH: Final = "/stats"
"""Appended to :data:`STT_PATH` or :data:`TTS_PATH`: that model's replica counters."""

REPLICA_HEADER: Final = "X-Framekit-Replica"
BATCH_HEADER: Final = "X-Framekit-Batch-Size"
RATE_HEADER: Final = "X-Sample-Rate"

_EXPECTED: Final = frozenset(get_args(ExpectedSpeech))


class ModelTierError(RuntimeError):
    """The model tier did not answer a request, even after one retry."""


@dataclass(frozen=True, slots=True)
class RecognitionQuery:
    """What a recognition request asks besides its audio: the query string of ``POST /stt``."""

    language: str | None = None
    prompt: str | None = None
    urgent: bool = True
    expect: ExpectedSpeech | None = None

    def to_query(self) -> dict[str, str]:
        """The query string's parameters (only those set)."""
        query = {"urgent": "1" if self.urgent else "0"}
        if self.language:
            query["language"] = self.language
        if self.prompt:
            query["prompt"] = self.prompt
        if self.expect:
            query["expect"] = self.expect
        return query

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> RecognitionQuery:
        """Read a request's query; raises ``ValueError`` for an unknown ``expect``."""
        expect = query.get("expect") or None
        if expect is not None and expect not in _EXPECTED:
            raise ValueError(f"expect must be one of {sorted(_EXPECTED)}, got {expect!r}")
        return cls(
            language=query.get("language") or None,
            prompt=query.get("prompt") or None,
            urgent=query.get("urgent", "1") != "0",
            expect=cast("ExpectedSpeech | None", expect),
        )


def transcript_to_json(transcript: Transcript) -> dict[str, Any]:
    """A transcript as the JSON object ``POST /stt`` answers."""
    return {
        "text": transcript.text,
        "language": transcript.language,
        "language_probability": transcript.language_probability,
        "duration": transcript.duration,
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "avg_logprob": s.avg_logprob,
                "no_speech_prob": s.no_speech_prob,
                "confidence": s.confidence,
            }
            for s in transcript.segments
        ],
    }


def transcript_from_json(data: Any) -> Transcript:
    """The transcript of a ``POST /stt`` answer; raises ``ValueError`` when it is not one."""
    try:
        return Transcript(
            text=str(data["text"]),
            language=str(data["language"]),
            language_probability=float(data["language_probability"]),
            duration=float(data["duration"]),
            segments=tuple(
                Segment(
                    start=float(s["start"]),
                    end=float(s["end"]),
                    text=str(s["text"]),
                    avg_logprob=float(s["avg_logprob"]),
                    no_speech_prob=float(s["no_speech_prob"]),
                    confidence=float(s["confidence"]),
                )
                for s in data["segments"]
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a transcript: {exc!r}") from exc
