"""Two recognizers as one: a fast first pass, and a second engine when the first is unsure.

Why: Moonshine base-en decodes an utterance in a fraction of Whisper base's time and
hears most voices as well, but on some audio it hears nothing or little (a robotic
voice, a noisy line, a language it does not know), and it says so: its mean token
probability drops. Whisper base is several times slower, hears some of those
utterances better, and can tell which language a caller speaks. So every utterance
is decoded by the fast engine, and only when its confidence falls under a threshold
(or, if the policy asks, when the dialogue expects a kind of answer) the same audio
goes to the second engine, prompted for what is expected. The threshold was chosen
on the development split of the voice corpus, where Whisper was the better listener
only under Moonshine's confidence 0.5 and was not for expected digits (``docs/stt.md``,
"Choosing the engines").

Which answer wins: the second engine's, unless it looks like a decoding loop (more
words than anyone says in that time, one word repeated over and over, a number too
long to be one), since it is asked only about audio the first engine could not hear.
When the second engine identifies another language with confidence, its transcript
(in that language) wins: a caller who speaks Spanish is heard as Spanish, and the
dialogue can answer accordingly (:mod:`framekit.processors.language`).

Why it lives with the stage and not in a vendor folder: it combines any two
:class:`~framekit.processors.stt.service.Recognizer` (it is one itself) and imports
no vendor, like :mod:`framekit.llm.fallback` on the LLM side. The contact center
passes it Moonshine and Whisper; a test passes it scripted ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from framekit.frames import ExpectedSpeech
from framekit.processors.stt.service import Recognizer
from framekit.processors.stt.transcript import SpeechAudio, Transcript

__all__ = ["DEFAULT_PROMPTS", "SecondPassPolicy", "SecondPassRecognizer", "SecondPassStats"]

DEFAULT_PROMPTS: Mapping[str, str] = MappingProxyType(
    {
        "digits": "My order number is 5 8 0 3 6 1.",
        "date": "On Tuesday, March 3rd at 2:30 PM.",
        "name": "My name is Jane Doe, that's D O E.",
        "yes_no": "Yes, that's right. No, thanks.",
    }
)
"""Prompts that bias the second engine toward the written form of what is expected."""

_MAX_WORDS_PER_SECOND = 6.0
"""Faster than any caller speaks; a transcript past it is a decoding loop."""
_MAX_REPEATS = 6
"""The same word this many times in a row is a loop, not a caller (digits included)."""
_MAX_DIGITS_IN_A_WORD = 16
"""Longer than any number a caller reads out: "42,000,000,000,000,..." is a loop."""


@dataclass(frozen=True, slots=True)
class SecondPassPolicy:
    """When the second engine is asked, and how its answer is weighed."""

    below_confidence: float = 0.5
    """Ask the second engine when the first one's confidence is under this."""
    expecting: frozenset[ExpectedSpeech] = frozenset()
    """Expectations for which the second engine is always asked (none: on the corpus,
    Whisper base prompted for digits heard fewer order numbers than Moonshine biased
    toward them)."""
    prompts: Mapping[str, str] = field(default_factory=lambda: DEFAULT_PROMPTS)
    """The second engine's prompt for each expectation (none when absent)."""
    identify_language: bool = True
    """Let the second engine detect the language instead of assuming the call's."""
    language_probability: float = 0.9
    """A detected language other than the call's wins only with at least this probability
    (on the corpus's English development clips Whisper named another language with 0.86
    once in 984 second passes, never with 0.9)."""


@dataclass(slots=True)
class SecondPassStats:
    """How often the second engine was needed, and how often it was believed."""

    utterances: int = 0
    second_passes: int = 0
    second_chosen: int = 0
    other_languages: dict[str, int] = field(default_factory=dict)


class SecondPassRecognizer:
    """A :class:`~framekit.processors.stt.service.Recognizer` made of two recognizers.

    ``first`` answers every utterance; ``second`` (a multilingual Whisper for
    language identification) hears the ones :class:`SecondPassPolicy` picks. Both are
    shared, loaded engines: this object is cheap and may be one per process.
    """

    def __init__(
        self,
        first: Recognizer,
        second: Recognizer,
        policy: SecondPassPolicy | None = None,
    ) -> None:
        self.first = first
        self.second = second
        self.policy = policy or SecondPassPolicy()
        self.name = f"{first.name} + {second.name}"
        self.stats = SecondPassStats()

    def needs_second_pass(self, first: Transcript, expect: ExpectedSpeech | None) -> bool:
        """True when ``first`` is unsure, or a mistake in what is expected is costly."""
        if expect is not None and expect in self.policy.expecting:
            return True
        return first.confidence < self.policy.below_confidence

    def choose(self, first: Transcript, second: Transcript, language: str | None) -> Transcript:
        """The transcript to believe of the two (see the module docstring)."""
        if language is not None and second.language != language:
            sure = second.language_probability >= self.policy.language_probability
            return second if sure and not _implausible(second) else first
        if not second.text or _implausible(second):
            return first
        return second

    async def transcribe_async(
        self,
        audio: SpeechAudio,
        language: str | None = None,
        *,
        prompt: str | None = None,
        urgent: bool = True,
        expect: ExpectedSpeech | None = None,
    ) -> Transcript:
        """Transcribe with the first engine, and with the second when the policy says so."""
        self.stats.utterances += 1
        first = await self.first.transcribe_async(
            audio, language, prompt=prompt, urgent=urgent, expect=expect
        )
        if not self.needs_second_pass(first, expect):
            return first
        self.stats.second_passes += 1
        policy = self.policy
        hint = prompt or (policy.prompts.get(expect) if expect is not None else None)
        detect = policy.identify_language and self.second_is_multilingual
        second = await self.second.transcribe_async(
            audio, None if detect else language, prompt=hint, urgent=urgent
        )
        if detect and language is not None and second.language != language:
            if second.language_probability < policy.language_probability:
                # Unsure which language: hear it as the call's own.
                second = await self.second.transcribe_async(
                    audio, language, prompt=hint, urgent=urgent
                )
            else:
                counts = self.stats.other_languages
                counts[second.language] = counts.get(second.language, 0) + 1
        chosen = self.choose(first, second, language)
        if chosen is second:
            self.stats.second_chosen += 1
        return chosen

    @property
    def second_is_multilingual(self) -> bool:
        """Whether the second engine can identify a language (Whisper's ``.en`` models cannot)."""
        return bool(getattr(self.second, "is_multilingual", False))

    def __repr__(self) -> str:
        return f"SecondPassRecognizer({self.first!r}, {self.second!r}, {self.policy})"


def _implausible(transcript: Transcript) -> bool:
    """A decoding loop: too many words for the audio, or one word repeated on and on."""
    words = transcript.text.lower().split()
    if len(words) > _MAX_WORDS_PER_SECOND * max(transcript.duration, 1.0):
        return True
    if any(sum(c.isdigit() for c in word) > _MAX_DIGITS_IN_A_WORD for word in words):
        return True
    run = 1
    for before, word in itertools.pairwise(words):
        run = run + 1 if word == before else 1
        if run >= _MAX_REPEATS:
            return True
    return False
