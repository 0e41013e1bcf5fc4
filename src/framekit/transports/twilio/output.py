"""The bot's side of a Twilio call: mu-law ``media`` out, with marks that say what was heard.

Why marks: Twilio buffers the audio we send and plays it to the caller at its own
pace, so our clock only guesses what the caller has heard. Twilio echoes each
``mark`` once the audio sent before it has played, so this output sends a mark
every ``mark_every`` chunks (and one after the last chunk of an utterance) and
takes the bot's speaking state and the seconds heard from the echoes:

* an utterance ends (``PlayedUpToFrame``, ``BotStoppedSpeakingFrame``) when the
  mark after its last chunk comes back, not when the local schedule says so;
* on barge-in the seconds heard are those covered by the last echoed mark, then
  ``clear`` drops what Twilio still holds. Twilio returns the pending marks after
  a ``clear``; those echoes belong to a finished utterance and are ignored, since
  their audio was dropped, not played.

If no echo comes within ``mark_timeout`` seconds after the audio should have
played (a peer that does not echo marks), the output logs a warning and falls back
to the local schedule, so a call never hangs on a missing echo.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from loguru import logger

from framekit.audio import MULAW_8K
from framekit.transports.base.output import OutputTransport
from framekit.transports.twilio.protocol import build_clear, build_mark, build_media

if TYPE_CHECKING:
    from framekit.transports.twilio.transport import TwilioMediaStreamTransport

__all__ = ["TwilioOutput"]

_MARK_PREFIX = "fk"


class TwilioOutput(OutputTransport):
    """Writes the bot's audio as Twilio ``media`` messages; marks report what was heard.

    Built by :meth:`TwilioMediaStreamTransport.output`. ``send_ahead`` (seconds)
    writes each chunk that long before it plays, so network jitter does not starve
    Twilio's buffer; ``mark_every`` is the number of chunks between marks (the
    resolution of "what the caller heard" on barge-in). ``chunk_ms`` is the audio in
    each ``media`` message, a multiple of Twilio's own 20 ms.

    Why 40 ms chunks and a mark every 3rd by default: every ``media`` and ``mark`` is one
    WebSocket message and one system call, the costliest part of the outbound path
    (15 % of a served call node's event loop, ``docs/benchmarks.md``). At 20 ms and a
    mark every 5th, a second of the bot's voice took 60 sends; at 40 ms and every 3rd it
    takes 34, with what was heard still known to 120 ms (was 100 ms) and pacing that
    still sends ``send_ahead`` ahead of playback. ``chunk_ms=20, mark_every=5`` restores
    the old wire.
    """

    def __init__(
        self,
        transport: TwilioMediaStreamTransport,
        *,
        send_ahead: float = 0.08,
        mark_every: int = 3,
        mark_timeout: float = 1.5,
        realtime: bool = True,
        chunk_ms: int = 40,
        name: str | None = None,
    ) -> None:
        if chunk_ms < 20 or chunk_ms % 20:
            raise ValueError(f"chunk_ms must be a positive multiple of 20, got {chunk_ms}")
        super().__init__(
            wire_format=MULAW_8K,
            realtime=realtime,
            send_ahead=send_ahead,
            chunk_ms=chunk_ms,
            name=name,
        )
        if mark_every < 1:
            raise ValueError(f"mark_every must be >= 1, got {mark_every}")
        if mark_timeout <= 0:
            raise ValueError(f"mark_timeout must be > 0, got {mark_timeout}")
        self._transport = transport
        self._mark_every = mark_every
        self._mark_timeout = mark_timeout
        self._utterance = 0
        self._sent = 0  # chunks of the current utterance sent
        self._marked = 0  # chunks covered by the last mark sent
        self._heard = 0  # chunks covered by the last mark echoed
        self._pending: dict[str, int] = {}
        self._echoed = asyncio.Event()
        self.marks_sent = 0
        self.marks_echoed = 0
        self.echo_timeouts = 0

    # --- what the base asks ----------------------------------------------------------------

    async def on_utterance_start(self, at: float) -> None:
        self._utterance += 1
        self._sent = self._marked = self._heard = 0
        self._pending.clear()

    async def write_audio(self, chunk: bytes) -> None:
        transport = self._transport
        if not await transport.send(build_media(transport.stream_sid, chunk)):
            return
        self._sent += 1
        if self._sent - self._marked >= self._mark_every:
            await self._send_mark()

    async def clear_output(self) -> None:
        """Barge-in: Twilio drops its buffer; the marks it returns for it count for nothing."""
        self._utterance += 1
        self._pending.clear()
        self._echoed.set()
        await self._transport.send(build_clear(self._transport.stream_sid))

    def played_seconds(self) -> float:
        """The audio covered by the last echoed mark, without the last chunk's padding.

        Marks count whole chunks, and an utterance's last chunk is padded with silence
        to a whole one (up to 39 ms at 40 ms chunks): the padding was played, not said.
        """
        written = self._pace.audio_bytes / self._wire_audio.bytes_per_second
        return min(self._heard * self.chunk_seconds, written)

    async def wait_until_heard(self, deadline: float) -> None:
        """Wait for the echo of a mark after the last chunk sent (or fall back on timeout)."""
        target = self._sent
        if self._heard >= target or self._transport.closed:
            return
        if self._marked < target:
            await self._send_mark()
        utterance = self._utterance
        unheard = (target - self._heard) * self.chunk_seconds
        limit = max(deadline - self.clock.now(), unheard) + self._mark_timeout
        try:
            async with asyncio.timeout(limit):
                while (
                    self._heard < target
                    and utterance == self._utterance
                    and not self._transport.closed
                ):
                    self._echoed.clear()
                    await self._echoed.wait()
        except TimeoutError:
            self.echo_timeouts += 1
            logger.warning(
                f"{self.name}: no mark echo {limit:.1f}s after the audio should have played; "
                "taking the local schedule for what the caller heard"
            )
            if utterance == self._utterance:
                self._heard = max(self._heard, target)

    # --- what the reader tells us ----------------------------------------------------------

    def on_mark_echo(self, name: str) -> None:
        """Twilio echoed mark ``name``: the audio before it has played (or was cleared)."""
        covered = self._pending.pop(name, None)
        if covered is None:
            logger.debug(f"{self.name}: echo of mark {name[:40]!r} ignored (not pending)")
            return
        self.marks_echoed += 1
        if covered > self._heard:
            self._heard = covered
        self._echoed.set()

    def on_socket_closed(self) -> None:
        """The socket is gone: nobody waits for echoes that cannot come."""
        self._echoed.set()

    async def _send_mark(self) -> None:
        name = f"{_MARK_PREFIX}{self._utterance}.{self._sent}"
        self._pending[name] = self._sent
        self._marked = self._sent
        if await self._transport.send(build_mark(self._transport.stream_sid, name)):
            self.marks_sent += 1
