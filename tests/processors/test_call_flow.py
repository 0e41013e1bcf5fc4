"""CallFlowProcessor: the greeting, silence prompts and hang-up, a refused transfer told."""

from __future__ import annotations

from typing import Any

from framekit.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CallControlResultFrame,
    EndCause,
    Frame,
    HangUpFrame,
    InterruptionFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.interruptions import GoodbyeTalkedOverFrame, survives_interruption
from framekit.processors.base import FrameDirection, FrameProcessor
from framekit.processors.call_flow import CallFlowProcessor
from framekit.testing import LiveCall


class _Output(FrameProcessor):
    """Where the output transport would be: reports upstream what the caller heard."""

    async def report(self, *frames: Frame) -> None:
        for frame in frames:
            await self.push_frame(frame, FrameDirection.UPSTREAM)

    async def bot_spoke(self) -> None:
        await self.report(BotStartedSpeakingFrame(), BotStoppedSpeakingFrame())


def flow(**options: Any) -> CallFlowProcessor:
    return CallFlowProcessor(**{"greeting": "Hello!", "silence_timeout": 5.0, **options})


def said(call: LiveCall) -> list[str]:
    return [f.text for f in call.downstream_of(TTSSpeakFrame)]


async def test_the_greeting_is_the_first_thing_said() -> None:
    async with LiveCall([flow(), _Output()]) as call:
        await call.wait_for(lambda f: isinstance(f, TTSSpeakFrame))
        assert said(call) == ["Hello!"]


async def test_silence_after_the_bot_spoke_is_prompted_then_the_bot_hangs_up() -> None:
    processor, output = flow(max_silence_prompts=2), _Output()
    async with LiveCall([processor, output]) as call:
        await output.bot_spoke()  # the greeting played
        await call.advance(4.9)
        assert said(call) == ["Hello!"]
        for _ in range(3):
            await call.advance(0.2)
            await output.bot_spoke()  # the prompt (then the goodbye) played
            await call.advance(4.9)
    assert said(call) == [
        "Hello!",
        "Are you still there?",
        "Are you still there?",
        processor.silence_goodbye,
    ]
    [hang_up] = call.downstream_of(HangUpFrame)
    assert hang_up.cause is EndCause.SILENCE
    assert not survives_interruption(hang_up)  # a caller who answers the goodbye is heard


async def test_the_caller_speaking_starts_the_count_again() -> None:
    output = _Output()
    async with LiveCall([flow(max_silence_prompts=1), output]) as call:
        await output.bot_spoke()
        await call.advance(5.1)  # prompt 1
        await call.send(UserStartedSpeakingFrame())
        await call.advance(3.0)  # nothing while the caller speaks
        await call.send(UserStoppedSpeakingFrame(), TranscriptionFrame(text="yes, sorry"))
        await call.advance(5.1)  # still no answer: prompt 1 again, not the goodbye
    assert said(call) == ["Hello!"] + ["Are you still there?"] * 2
    assert call.downstream_of(HangUpFrame) == []


async def test_nothing_is_said_without_a_greeting_or_a_timeout() -> None:
    async with LiveCall([flow(greeting=None, silence_timeout=None), _Output()]) as call:
        await call.advance(60.0)
    assert said(call) == []


async def test_without_a_greeting_the_silence_is_counted_from_the_start() -> None:
    async with LiveCall([flow(greeting=None, max_silence_prompts=0), _Output()]) as call:
        await call.advance(5.1)
        await call.wait_for(lambda f: isinstance(f, HangUpFrame))


async def test_an_interrupted_goodbye_lets_the_silence_count_start_again() -> None:
    output = _Output()
    async with LiveCall([flow(max_silence_prompts=0), output]) as call:
        await output.bot_spoke()
        await call.advance(5.1)  # goodbye + hang-up
        await call.send(InterruptionFrame())  # the caller talked over it: hang-up dropped
        await output.bot_spoke()
        await call.advance(5.1)  # silent again: goodbye again
        await call.wait_for(lambda f: isinstance(f, HangUpFrame), count=2)
    # Each time, the brain above was told the goodbye was talked over (a farewell said
    # over it still ends the call there); an interruption of anything else tells nothing.
    assert len(call.upstream_of(GoodbyeTalkedOverFrame)) == 1


async def test_only_a_talked_over_goodbye_is_reported_to_the_brain() -> None:
    output = _Output()
    async with LiveCall([flow(max_silence_prompts=1), output]) as call:
        await output.bot_spoke()
        await call.advance(5.1)  # the prompt, not the goodbye
        await call.send(InterruptionFrame())
        await output.bot_spoke()
        await call.advance(5.1)  # the goodbye
        await call.send(InterruptionFrame())
    assert len(call.upstream_of(GoodbyeTalkedOverFrame)) == 1


async def test_a_refused_transfer_is_told_to_the_caller() -> None:
    processor, output = flow(greeting=None, silence_timeout=None), _Output()
    refused = CallControlResultFrame(action="transfer", succeeded=False, error="20429")
    async with LiveCall([processor, output]) as call:
        await output.report(refused, CallControlResultFrame(action="hang-up", succeeded=False))
        await call.wait_for(lambda f: isinstance(f, TTSSpeakFrame))
    assert said(call) == [processor.transfer_failed]
    assert len(call.upstream_of(CallControlResultFrame)) == 2


async def test_a_caller_still_talking_is_never_prompted() -> None:
    output = _Output()
    async with LiveCall([flow(max_silence_prompts=0), output]) as call:
        await call.send(UserStartedSpeakingFrame())
        # The recognizer cut a long utterance: its words arrive while the caller talks on.
        await call.send(TranscriptionFrame(text="and then the parcel", cut=True))
        await output.bot_spoke()  # the bot answered over them
        await call.advance(30.0)
        assert call.downstream_of(HangUpFrame) == []
        await call.send(UserStoppedSpeakingFrame())
        await call.advance(5.1)
        await call.wait_for(lambda f: isinstance(f, HangUpFrame))
