"""The processor that carries out hang-up and transfer on the live Twilio call.

Why it sits after the output transport: the output transport holds
:class:`~framekit.frames.HangUpFrame` and :class:`~framekit.frames.TransferCallFrame` until the
audio queued before them has played, then passes them on. Acting on them here means the line
goes only after the caller has heard the last words (Pipecat hangs up at once: pipecat#1461).

After the call is hung up or transferred, the processor ends the pipeline with an
:class:`~framekit.frames.EndFrame` pushed upstream (its ``cause`` says which, for the call
record), and ignores later call-control frames, so a late goodbye can never hang up the human
the caller was just transferred to. Each request's result goes upstream as a
:class:`~framekit.frames.CallControlResultFrame` once Twilio has answered: the conversation and
the call record follow what Twilio did, not what the bot intended.

Failures are never fatal, because the caller must not be cut off by a REST hiccup:

* a hang-up that fails (network down, timeout) is reported with a non-fatal
  :class:`~framekit.frames.ErrorFrame` and the pipeline ends anyway: closing a
  ``<Connect><Stream>`` Media Stream makes Twilio move past it and end the call;
* a transfer that fails while the caller is still there (Twilio refused it, no target is
  configured) is reported and the call goes on, so the application can tell the caller and
  carry on; a transfer of a call that has already ended ends the pipeline as a hang-up by the
  caller.
"""

from __future__ import annotations

from collections.abc import Callable

from loguru import logger

from framekit.frames import (
    CallControlResultFrame,
    EndCause,
    EndFrame,
    HangUpFrame,
    TransferCallFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.telephony.twilio_calls import CallEndedError, TwilioCallControl, TwilioCallError

__all__ = ["TwilioCallControlProcessor"]

DOWNSTREAM = FrameDirection.DOWNSTREAM
UPSTREAM = FrameDirection.UPSTREAM


class TwilioCallControlProcessor(FrameProcessor):
    """Hangs up or transfers the Twilio call named by ``call_sid``; place it after the output.

    ``call_sid`` is the SID itself or a function that returns it once known (the Media Stream's
    ``start`` event names it), such as ``lambda: transport.start.call_sid``. ``caller_id`` is the
    number shown to the transfer target (Twilio's default is the caller's own number).
    """

    def __init__(
        self,
        control: TwilioCallControl,
        call_sid: str | Callable[[], str | None],
        *,
        caller_id: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._control = control
        self._call_sid = call_sid
        self._caller_id = caller_id
        self._finished_by: str | None = None

    @property
    def finished_by(self) -> str | None:
        """``"hang-up"`` or ``"transfer"`` once the call has left the bot, else None."""
        return self._finished_by

    @on_frame(HangUpFrame)
    async def _on_hang_up(self, frame: HangUpFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM and self._accepts(frame):
            await self._hang_up(frame)
        await self.push_frame(frame, direction)

    @on_frame(TransferCallFrame)
    async def _on_transfer(self, frame: TransferCallFrame, direction: FrameDirection) -> None:
        if direction is DOWNSTREAM and self._accepts(frame):
            await self._transfer(frame)
        await self.push_frame(frame, direction)

    def _accepts(self, frame: HangUpFrame | TransferCallFrame) -> bool:
        if self._finished_by is None:
            return True
        logger.info(
            f"{self.name}: {frame.name} ignored, the call already ended by {self._finished_by}"
        )
        return False

    async def _hang_up(self, frame: HangUpFrame) -> None:
        self._finished_by = "hang-up"
        sid = self._sid()
        error = ""
        if sid is None:
            error = "the call SID is not known yet"
            await self.push_error(f"{self.name}: cannot hang up, {error}")
        else:
            try:
                await self._control.hang_up(sid)
            except TwilioCallError as exc:
                error = str(exc)
                await self.push_error(
                    f"{self.name}: {exc}; ending the stream instead", exception=exc
                )
        result = CallControlResultFrame(action="hang-up", succeeded=not error, error=error)
        await self.push_frame(result, UPSTREAM)
        end = EndFrame(reason=f"hang-up: {frame.reason}", cause=frame.cause)
        await self.push_frame(end, UPSTREAM)

    async def _transfer(self, frame: TransferCallFrame) -> None:
        sid = self._sid()
        if sid is None:
            await self._transfer_failed(frame, "the call SID is not known yet")
            return
        try:
            await self._control.transfer(sid, frame.target, caller_id=self._caller_id)
        except CallEndedError as exc:
            logger.info(f"{self.name}: no transfer, call {sid} already ended ({exc.code})")
            self._finished_by = "hang-up"
            end = EndFrame(
                reason="the caller left before the transfer", cause=EndCause.CALLER_HUNG_UP
            )
            await self.push_frame(end, UPSTREAM)
            return
        except (TwilioCallError, ValueError) as exc:
            await self._transfer_failed(frame, str(exc), exc)
            return
        self._finished_by = "transfer"
        result = CallControlResultFrame(action="transfer", succeeded=True, target=frame.target)
        await self.push_frame(result, UPSTREAM)
        end = EndFrame(reason=f"transferred to {frame.target}", cause=EndCause.TRANSFERRED)
        await self.push_frame(end, UPSTREAM)

    async def _transfer_failed(
        self, frame: TransferCallFrame, error: str, exc: Exception | None = None
    ) -> None:
        await self.push_error(
            f"{self.name}: transfer to {frame.target!r} failed: {error}", exception=exc
        )
        result = CallControlResultFrame(
            action="transfer", succeeded=False, target=frame.target, error=error
        )
        await self.push_frame(result, UPSTREAM)

    def _sid(self) -> str | None:
        if not callable(self._call_sid):
            return self._call_sid or None
        try:
            return self._call_sid() or None
        except Exception as exc:  # e.g. the stream's start event has not arrived
            logger.warning(f"{self.name}: the call SID is not available: {exc!r}")
            return None
