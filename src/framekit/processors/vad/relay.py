"""Carries the caller's words so far back to the VAD, which decides when the turn is over.

The VAD has to sit before the STT (Whisper transcribes the stretch between the
VAD's speaking events), so interim transcripts flow downstream *away* from it. This
processor, placed right after the STT, passes each
:class:`~framekit.frames.InterimTranscriptionFrame` on unchanged and sends a copy
upstream, where :class:`~framekit.processors.vad.VADProcessor` keeps it for its
end-of-turn policy and drops it. Frames, not a shared object: the per-call state
stays in the call's own VAD, and a policy object can serve every call::

    vad = VADProcessor(silero, turn_end=TextTurnEndPolicy())
    Pipeline([transport.input(), vad, stt, TurnTextRelay(), llm, tts, transport.output()])

An STT placed before the VAD (a streaming one, such as Deepgram) needs no relay: its
interim transcripts pass through the VAD on their way downstream.
"""

from __future__ import annotations

from dataclasses import replace

from framekit.frames import InterimTranscriptionFrame
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = ["TurnTextRelay"]


class TurnTextRelay(FrameProcessor):
    """Passes interim transcripts on and sends a copy of each back upstream to the VAD."""

    @on_frame(InterimTranscriptionFrame)
    async def _on_interim(
        self, frame: InterimTranscriptionFrame, direction: FrameDirection
    ) -> None:
        await self.push_frame(frame, direction)
        if direction is FrameDirection.DOWNSTREAM:
            await self.push_frame(replace(frame), FrameDirection.UPSTREAM)
