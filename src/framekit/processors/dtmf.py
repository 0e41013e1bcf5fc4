"""Keypad entries: collect the caller's DTMF digits into one entry, then hand it on as words.

Why: a phone line reports each key as its own :class:`~framekit.frames.DTMFFrame`,
but a menu ("press 1 for orders") or a number ("enter your order number, then
hash") is one answer. :class:`DTMFAggregator` collects the digits and emits one
:class:`~framekit.frames.DTMFEntryFrame` when the entry is complete:

* the terminator key (``#`` by default) was pressed (it is not part of the entry);
* ``timeout`` seconds passed after the last digit (a clock timer, not a task:
  tests drive it with a :class:`~framekit.clock.ManualClock`);
* the entry reached ``max_length`` digits;
* with a ``menu``, the digits select an option that no longer option starts with
  (``"1"`` in ``{"1": "orders", "2": "appointments"}`` ends at once).

An announced top-level menu ("press 1 for orders") must not swallow the digits of
an order number typed later: with ``menu_once`` the menu answers only until the
caller's first request, by key or by voice (a final transcription passing by);
after it, keys are plain digits again.

``*`` (``clear_key``) throws the entry away and starts over. The entry frame is a
:class:`~framekit.frames.TranscriptionFrame`, so the context aggregators and the
intent engine take it as what the caller said; ``intent`` carries the menu
option it selected. The first key of an entry asks to interrupt the bot
(``interrupt=True``), as speech does: a caller who presses a key during the menu
prompt wants the prompt to stop.

An entry still open when the call ends is dropped: the caller left before
finishing it, and nothing should act on half a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loguru import logger

from framekit.clock import TimerHandle
from framekit.frames import (
    CancelFrame,
    DTMFEntryFrame,
    DTMFFrame,
    EndFrame,
    InterruptionRequestFrame,
    TranscriptionFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame

__all__ = ["DTMFAggregator", "MenuOption"]

_KEYS = frozenset("0123456789*#ABCD")


@dataclass(frozen=True, slots=True)
class MenuOption:
    """What a menu entry means: ``intent`` for the code, ``text`` for the conversation.

    ``text`` (default: the digits) is what the LLM or the intent engine reads as the
    caller's words, e.g. ``"I'd like to know about my order"`` for key ``1``.
    """

    intent: str
    text: str | None = None


class DTMFAggregator(FrameProcessor):
    """Turns DTMF digits into one :class:`~framekit.frames.DTMFEntryFrame` per entry.

    ``menu`` maps digit strings to an intent name or a :class:`MenuOption`;
    ``menu_once`` closes it after the caller's first request.
    ``pass_digits`` lets each :class:`~framekit.frames.DTMFFrame` go on downstream
    too (for call records); the entry is pushed downstream once complete.
    """

    def __init__(
        self,
        *,
        terminator: str | None = "#",
        clear_key: str | None = "*",
        timeout: float | None = 3.0,
        max_length: int | None = None,
        menu: Mapping[str, str | MenuOption] | None = None,
        menu_once: bool = False,
        interrupt: bool = True,
        pass_digits: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        for label, key in (("terminator", terminator), ("clear_key", clear_key)):
            if key is not None and key not in _KEYS:
                raise ValueError(f"{label} {key!r} is not a keypad key")
        if terminator is not None and terminator == clear_key:
            raise ValueError("terminator and clear_key must differ")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be > 0 or None, got {timeout}")
        if max_length is not None and max_length < 1:
            raise ValueError(f"max_length must be >= 1 or None, got {max_length}")
        self._terminator = terminator
        self._clear_key = clear_key
        self._timeout = timeout
        self._max_length = max_length
        self._menu = {
            digits: option if isinstance(option, MenuOption) else MenuOption(intent=option)
            for digits, option in (menu or {}).items()
        }
        self._menu_once = menu_once
        self._menu_open = bool(self._menu)
        self._interrupt = interrupt
        self._pass_digits = pass_digits
        self._entry = ""
        self._timer: TimerHandle | None = None
        self._generation = 0  # bumps at every emit or clear: a stale timer does nothing

    @property
    def entry(self) -> str:
        """The digits collected so far for the entry in progress."""
        return self._entry

    @property
    def menu_open(self) -> bool:
        """Whether a key can still select a menu option."""
        return self._menu_open

    @on_frame(TranscriptionFrame)
    async def _on_words(self, frame: TranscriptionFrame, direction: FrameDirection) -> None:
        if direction is FrameDirection.DOWNSTREAM and frame.text.strip() and self._menu_once:
            self._menu_open = False
        await self.push_frame(frame, direction)

    @on_frame(DTMFFrame)
    async def _on_digit(self, frame: DTMFFrame, direction: FrameDirection) -> None:
        if direction is FrameDirection.DOWNSTREAM:
            await self._press(frame.digit)
        if self._pass_digits or direction is FrameDirection.UPSTREAM:
            await self.push_frame(frame, direction)

    async def _press(self, key: str) -> None:
        if key == self._clear_key:
            self._reset()
            return
        if key == self._terminator:
            if self._entry:
                await self._emit("terminator")
            return
        if not self._entry and self._interrupt:
            await self.push_frame(
                InterruptionRequestFrame(reason="keypad"), FrameDirection.UPSTREAM
            )
        self._entry += key
        if self._max_length is not None and len(self._entry) >= self._max_length:
            await self._emit("max_length")
        elif self._menu_complete():
            await self._emit("menu")
        else:
            self._arm_timer()

    def _menu_complete(self) -> bool:
        entry = self._entry
        if not self._menu_open or entry not in self._menu:
            return False
        return not any(len(key) > len(entry) and key.startswith(entry) for key in self._menu)

    async def _emit(self, reason: str) -> None:
        digits = self._entry
        self._reset()
        option = self._menu.get(digits) if self._menu_open else None
        if self._menu_once:
            self._menu_open = False
        frame = DTMFEntryFrame(
            text=option.text if option is not None and option.text else digits,
            timestamp=self.clock.now(),
            digits=digits,
            reason=reason,
            intent=option.intent if option is not None else None,
        )
        await self.push_frame(frame, FrameDirection.DOWNSTREAM)

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._timeout is None:
            return
        generation = self._generation
        self._timer = self.clock.call_later(self._timeout, lambda: self._on_timeout(generation))

    def _on_timeout(self, generation: int) -> None:
        self._timer = None
        if generation == self._generation and self._entry:
            # The clock's callback cannot await: the push runs in a short task owned by the call.
            try:
                self.context.tasks.create_task(self._emit_if_current(generation), "dtmf-timeout")
            except RuntimeError:
                logger.debug(f"{self.name}: the call ended before the entry timed out")

    async def _emit_if_current(self, generation: int) -> None:
        if generation == self._generation and self._entry:
            await self._emit("timeout")

    def _reset(self) -> None:
        self._entry = ""
        self._generation += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def on_end(self, frame: EndFrame) -> None:
        self._reset()

    async def on_cancel(self, frame: CancelFrame) -> None:
        self._reset()

    async def cleanup(self) -> None:
        self._reset()
