"""What a phone agent says on its own: the greeting, silence prompts, and a refused transfer.

Why one processor: these are the bot's words that no caller request starts, and
each needs the same view of the line (who is speaking, who spoke last). Place it
between the brain and the TTS::

    ... -> brain -> CallFlowProcessor -> TTS -> output -> call control

* **Greeting.** As soon as the call has started, ``greeting`` is spoken (a
  :class:`~framekit.frames.TTSSpeakFrame`, so a TTS with a phrase cache replays it
  at once).
* **Silence.** When neither side has spoken for ``silence_timeout`` seconds since
  the bot stopped speaking (or the caller stopped), ``silence_prompt`` is spoken;
  after ``max_silence_prompts`` prompts without an answer, ``silence_goodbye`` is
  spoken and the call is hung up with :attr:`~framekit.frames.EndCause.SILENCE`.
  Anything from the caller (speech, a key) starts the count again.
* **Refused transfer.** When call control reports a transfer that did not happen
  (a :class:`~framekit.frames.CallControlResultFrame` travelling upstream),
  ``transfer_failed`` tells the caller and the conversation goes on.

The timer is one clock timer (no task while nothing is due), so a test drives it
with a :class:`~framekit.clock.ManualClock`. The hang-up after the silence goodbye
is one that an interruption drops (:data:`~framekit.interruptions.GENERATED_CALL_CONTROL`):
a caller who answers the goodbye is heard, and the silence count starts again.
"""

from __future__ import annotations

from loguru import logger

from framekit.clock import TimerHandle
from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CallControlResultFrame,
    CancelFrame,
    DTMFFrame,
    EndCause,
    EndFrame,
    Frame,
    GenerationHangUpFrame,
    InterruptionFrame,
    StartFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.interruptions import GoodbyeTalkedOverFrame
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = ["CallFlowProcessor"]

DOWNSTREAM = FrameDirection.DOWNSTREAM


class CallFlowProcessor(FrameProcessor):
    """Greets the caller, prompts a silent one, and says so when a transfer is refused.

    ``greeting`` (``None``: the bot waits for the caller), ``silence_timeout`` in
    seconds (``None``: never prompt), ``max_silence_prompts`` prompts before the
    goodbye, and the sentences said for each case.
    """

    def __init__(
        self,
        *,
        greeting: str | None = None,
        silence_timeout: float | None = 8.0,
        max_silence_prompts: int = 2,
        silence_prompt: str = "Are you still there?",
        silence_goodbye: str = "I haven't heard from you, so I'll end the call now. Goodbye!",
        transfer_failed: str = (
            "I'm sorry, I couldn't put you through to a person just now. "
            "Is there anything else I can help you with?"
        ),
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if silence_timeout is not None and silence_timeout <= 0:
            raise ValueError(f"silence_timeout must be > 0 or None, got {silence_timeout}")
        if max_silence_prompts < 0:
            raise ValueError(f"max_silence_prompts must be >= 0, got {max_silence_prompts}")
        self.greeting = greeting
        self.silence_timeout = silence_timeout
        self.max_silence_prompts = max_silence_prompts
        self.silence_prompt = silence_prompt
        self.silence_goodbye = silence_goodbye
        self.transfer_failed = transfer_failed
        self.prompts_said = 0
        """Silence prompts said since the caller last spoke."""
        self._timer: TimerHandle | None = None
        self._generation = 0  # bumps whenever the line changes: a stale timer does nothing
        self._gave_up = False
        self._caller_speaking = False

    @property
    def phrases(self) -> tuple[str, ...]:
        """Every sentence this processor may say (to fill a phrase cache before calls)."""
        said = (self.greeting, self.silence_prompt, self.silence_goodbye, self.transfer_failed)
        return tuple(text for text in said if text)

    # --- lifecycle -----------------------------------------------------------------------

    async def receive(self, frame: Frame, direction: FrameDirection) -> None:
        await super().receive(frame, direction)
        # The start frame has passed every processor after this one: the TTS can speak.
        if isinstance(frame, StartFrame):
            if self.greeting:
                await self.push_frame(TTSSpeakFrame(text=self.greeting))
            else:
                self._arm()

    async def on_end(self, frame: EndFrame) -> None:
        self._disarm()

    async def on_cancel(self, frame: CancelFrame) -> None:
        self._disarm()

    async def cleanup(self) -> None:
        self._disarm()

    async def on_interruption(self, frame: InterruptionFrame) -> None:
        # The caller talked over the bot (perhaps over the silence goodbye, whose
        # hang-up the interruption dropped): they are there, so listen again. Over the
        # goodbye, the brain above is told: a caller whose words were only a farewell
        # ("okay, bye") is hung up on after all (``interruptions.TalkedOverGoodbye``).
        if self._gave_up:
            await self.push_frame(GoodbyeTalkedOverFrame(), FrameDirection.UPSTREAM)
        self._gave_up = False

    # --- the line ------------------------------------------------------------------------

    @on_frame(UserStartedSpeakingFrame, BotStartedSpeakingFrame)
    async def _on_someone_speaks(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self.prompts_said = 0
            self._caller_speaking = True
        self._disarm()
        await self.push_frame(frame, direction)

    @on_frame(UserStoppedSpeakingFrame, BotStoppedSpeakingFrame)
    async def _on_quiet(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, UserStoppedSpeakingFrame):
            self._caller_speaking = False
        self._arm()
        await self.push_frame(frame, direction)

    @on_frame(TranscriptionFrame, DTMFFrame)
    async def _on_caller_input(self, frame: Frame, direction: FrameDirection) -> None:
        # Counted from here: an answer that never comes (nothing understood) is prompted too.
        self.prompts_said = 0
        self._gave_up = False
        self._arm()
        await self.push_frame(frame, direction)

    @on_frame(CallControlResultFrame)
    async def _on_call_control(
        self, frame: CallControlResultFrame, direction: FrameDirection
    ) -> None:
        await self.push_frame(frame, direction)
        if frame.action == "transfer" and not frame.succeeded and self.transfer_failed:
            logger.info(f"{self.name}: transfer refused ({frame.error}); telling the caller")
            await self.push_frame(TTSSpeakFrame(text=self.transfer_failed), DOWNSTREAM)

    # --- the silence timer ---------------------------------------------------------------

    def _arm(self) -> None:
        self._disarm()
        if self.silence_timeout is None or self._gave_up or self._caller_speaking:
            return  # a caller still talking (past a recognizer's cut, say) is not silent
        generation = self._generation
        self._timer = self.clock.call_later(self.silence_timeout, lambda: self._due(generation))

    def _disarm(self) -> None:
        self._generation += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _due(self, generation: int) -> None:
        self._timer = None
        if generation != self._generation:
            return
        try:
            self.context.tasks.create_task(self._on_silence(generation), "call-flow-silence")
        except RuntimeError:
            logger.debug(f"{self.name}: the call ended before the silence prompt")

    async def _on_silence(self, generation: int) -> None:
        if generation != self._generation:
            return
        if self.prompts_said < self.max_silence_prompts:
            self.prompts_said += 1
            await self.push_frame(TTSSpeakFrame(text=self.silence_prompt))
            return
        self._gave_up = True
        logger.info(f"{self.name}: the caller stayed silent; hanging up")
        await self.push_frame(TTSSpeakFrame(text=self.silence_goodbye))
        await self.push_frame(GenerationHangUpFrame(reason="silence", cause=EndCause.SILENCE))
