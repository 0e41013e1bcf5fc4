"""Tests of the profanity filter, written with framekit's testing kit.

Each test runs the processor inside a real pipeline task (start, the frames,
graceful end) and looks at what left the pipeline.
"""

from __future__ import annotations

import pytest
from framekit_profanity_filter import ProfanityFilter

from framekit.frames import (
    EndFrame,
    Frame,
    InterruptionFrame,
    LLMResponseEndFrame,
    LLMTextFrame,
    TextFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
)
from framekit.testing import Advance, run_processor


async def test_listed_words_are_masked_as_whole_words_in_any_case() -> None:
    out = await run_processor(ProfanityFilter(), [TextFrame(text="Darn, the heckler said HECK.")])
    assert [f.text for f in out.downstream_of(TextFrame)] == ["****, the heckler said ****."]


async def test_a_word_split_across_streamed_chunks_is_still_masked() -> None:
    chunks = ["Oh da", "rn", " it, your order is la", "te"]
    frames = [LLMTextFrame(text=c, response_id="r1") for c in chunks]
    out = await run_processor(ProfanityFilter(), [*frames, LLMResponseEndFrame(response_id="r1")])
    said = out.downstream_of(LLMTextFrame)
    assert "".join(f.text for f in said) == "Oh **** it, your order is late"
    assert {f.response_id for f in said} == {"r1"}
    # The held last word leaves before the end of the response, not after it.
    assert [type(f) for f in out.downstream[-3:]] == [LLMTextFrame, LLMResponseEndFrame, EndFrame]


async def test_an_interruption_drops_the_unfinished_word() -> None:
    frames: list[Frame | Advance] = [
        LLMTextFrame(text="You are a fri"),
        # Let the text reach the filter first: an interruption queued right behind it
        # would overtake it and drop it in the task's input queue instead.
        Advance(0),
        InterruptionFrame(),
        LLMTextFrame(text="Sorry, go on."),
        LLMResponseEndFrame(),
    ]
    out = await run_processor(ProfanityFilter(), frames)
    assert [f.text for f in out.downstream_of(LLMTextFrame)] == ["You are a ", "Sorry, go ", "on."]


async def test_the_callers_words_pass_untouched_and_fixed_prompts_are_cleaned() -> None:
    heard = TranscriptionFrame(text="what the heck")
    out = await run_processor(ProfanityFilter(), [heard, TTSSpeakFrame(text="Heck no!")])
    assert out.downstream_of(TranscriptionFrame) == [heard]
    assert [f.text for f in out.downstream_of(TTSSpeakFrame)] == ["**** no!"]


async def test_a_response_cut_off_by_the_end_of_the_call_is_still_said() -> None:
    out = await run_processor(ProfanityFilter(), [LLMTextFrame(text="Goodbye and darn")])
    assert [f.text for f in out.downstream_of(LLMTextFrame)] == ["Goodbye and ", "****"]
    assert isinstance(out.downstream[-1], EndFrame)


def test_words_and_mask_are_configurable() -> None:
    assert ProfanityFilter(["rats"], mask="#").clean("Rats! rations") == "####! rations"
    with pytest.raises(ValueError, match="at least one word"):
        ProfanityFilter([])
