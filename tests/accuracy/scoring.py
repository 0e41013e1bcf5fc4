"""Scoring a recognizer on the corpus: WER by voice, condition and kind, and task accuracy.

Why more than WER: an agent that hears "the fourteenth" as "the fourth" fails the
caller with one word error; the order-number and date/time accuracies count what a
contact center acts on. Both sides (reference and hypothesis) always go through
the same steps, so a rule can never favour one side:

1. :func:`prepare` rewrites what :mod:`accuracy.wer` does not know: e-mail symbols
   (``@`` is "at", ``.`` between letters "dot", ``_`` "underscore"), ``a.m.``/``10am``
   as ``am``, ``tom88`` as ``tom 88``, "double seven" as "seven seven", and drops
   fillers (um, uh, er, hmm: no agent acts on them, and recognizers drop them). In
   ``spelled_name`` utterances a word in capitals is read as letters (Whisper writes
   the spelled S-M-I-T-H as "SMITH");
2. :func:`accuracy.wer.normalize_words` then makes every number single digits.

Order-number accuracy: among clips whose utterance carries a ``number``, the share
whose hypothesis holds that number as a whole run of digits (:func:`digit_runs`:
consecutive single-digit words, an "o" next to a digit read as zero). "4271 9" and
"42, 71, 9" both give 42719; "427199" does not.

Date/time accuracy: among clips with a ``when``, the share whose hypothesis holds
every date/time item of the reference (:func:`when_items`: digit runs, month and
weekday names, am/pm after a number, with morning as am and afternoon/evening/
tonight as pm), as a multiset and in any order: "the 3rd of January" and "January
3rd" agree; "March 4th" for "March 14th" and "3:03" for "3:30" do not.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from accuracy.corpus import Clip, clip_audio
from accuracy.line import CONDITIONS
from accuracy.utterances import KINDS
from accuracy.voices import VOICES
from accuracy.wer import corpus_word_error_rate, edit_distance, normalize_words
from framekit.audio import PCM16_16K

__all__ = [
    "ClipResult",
    "Group",
    "Report",
    "Transcribe",
    "digit_runs",
    "evaluate",
    "prepare",
    "score",
    "when_items",
    "words",
]

Transcribe = Callable[[Clip, bytes], str]
"""A recognizer under test: the clip and its 16 kHz PCM16 audio in, the transcript out."""

_SYMBOLS = (
    (re.compile(r"\b([ap])\.?\s?m\b\.?", re.IGNORECASE), r"\1m"),
    (re.compile(r"(\d)(am|pm)\b", re.IGNORECASE), r"\1 \2"),
    (re.compile(r"([a-z])(\d)", re.IGNORECASE), r"\1 \2"),
    (re.compile(r"(?<=[a-z])\.(?=[a-z])", re.IGNORECASE), " dot "),
    (re.compile(r"@"), " at "),
    (re.compile(r"_"), " underscore "),
    (re.compile(r"\b(?:u+h?m+|u+h+|e+r+m?|a+h+|h*m+h*m+|h+m+)\b", re.IGNORECASE), " "),
)
_REPEAT = re.compile(
    r"\b(double|triple)\s+([a-z]|\d|zero|oh|one|two|three|four|five|six|seven|eight|nine)\b",
    re.IGNORECASE,
)
_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")
_CALENDAR_WORD = re.compile(
    r"(?:jan|febr)uary|march|april|may|june|july|august|(?:septem|octo|novem|decem)ber"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
)
_DAY_PARTS = {"morning": "am", "afternoon": "pm", "evening": "pm", "tonight": "pm"}
_DAY_PARTS |= {"noon": "noon", "midnight": "midnight"}


def prepare(text: str, kind: str = "") -> str:
    """``text`` with the rewrites of step 1 of the module doc (before :mod:`accuracy.wer`)."""
    if kind == "spelled_name":
        text = _CAPITALS.sub(lambda m: " ".join(m[0]), text)
    for pattern, replacement in _SYMBOLS:
        text = pattern.sub(replacement, text)
    times = {"double": 2, "triple": 3}
    return _REPEAT.sub(lambda m: " ".join([m[2]] * times[m[1].lower()]), text)


def words(text: str, kind: str = "") -> list[str]:
    """The words WER compares: :func:`prepare`, then :func:`accuracy.wer.normalize_words`."""
    return normalize_words(prepare(text, kind))


def digit_runs(tokens: list[str]) -> list[str]:
    """Each maximal run of single-digit words, joined ("o" beside a digit is a zero)."""
    digits = [
        t if t.isdigit() else "0" if t == "o" and _beside_digit(tokens, i) else ""
        for i, t in enumerate(tokens)
    ]
    return ["".join(run) for is_digit, run in itertools.groupby(digits, key=bool) if is_digit]


def _beside_digit(tokens: list[str], i: int) -> bool:
    return any(0 <= j < len(tokens) and tokens[j].isdigit() for j in (i - 1, i + 1))


def when_items(tokens: list[str]) -> Counter[str]:
    """The date/time items of normalized words: digit runs, months, weekdays, am/pm."""
    items: Counter[str] = Counter(digit_runs(tokens))
    for i, token in enumerate(tokens):
        if _CALENDAR_WORD.fullmatch(token):
            items[token] += 1
        elif token in _DAY_PARTS:
            items[_DAY_PARTS[token]] += 1
        elif token in ("am", "pm") and i > 0 and tokens[i - 1].isdigit():
            items[token] += 1
    return items


@dataclasses.dataclass(frozen=True)
class ClipResult:
    """What a recognizer made of one clip, scored."""

    clip: Clip
    hypothesis: str
    errors: int
    words: int
    number_ok: bool | None
    when_ok: bool | None
    seconds: float
    audio_seconds: float

    @property
    def wer(self) -> float:
        """Word errors over reference words of this clip alone."""
        return self.errors / self.words if self.words else float(self.errors > 0)


def score(
    clip: Clip, hypothesis: str, seconds: float = 0.0, audio_seconds: float = 0.0
) -> ClipResult:
    """``hypothesis`` for ``clip`` scored against its reference (see the module doc)."""
    utterance = clip.utterance
    ref, hyp = words(utterance.reference, utterance.kind), words(hypothesis, utterance.kind)
    number_ok = None if utterance.number is None else utterance.number in digit_runs(hyp)
    when_ok = None if utterance.when is None else not when_items(ref) - when_items(hyp)
    errors = edit_distance(ref, hyp)
    return ClipResult(
        clip, hypothesis, errors, len(ref), number_ok, when_ok, seconds, audio_seconds
    )


def evaluate(
    clips: Iterable[Clip], transcribe: Transcribe, *, audio: Callable[[Clip], bytes] = clip_audio
) -> Report:
    """Transcribe every clip (audio from the corpus cache) and score it.

    ``seconds`` of each result times ``transcribe`` alone, for real-time factors.
    """
    results = []
    for clip in clips:
        pcm = audio(clip)
        start = time.perf_counter()
        hypothesis = transcribe(clip, pcm)
        elapsed = time.perf_counter() - start
        results.append(score(clip, hypothesis, elapsed, PCM16_16K.duration_of(len(pcm))))
    return Report(tuple(results))


@dataclasses.dataclass(frozen=True)
class Group:
    """The scores of the clips that share one voice, condition or kind."""

    name: str
    clips: int
    words: int
    errors: int
    wer: float
    numbers: tuple[int, int]
    whens: tuple[int, int]

    @staticmethod
    def of(name: str, results: list[ClipResult]) -> Group:
        """The totals of ``results``, with WER from :func:`corpus_word_error_rate`."""
        pairs = [_prepared_pair(r) for r in results]
        numbers = [r.number_ok for r in results if r.number_ok is not None]
        whens = [r.when_ok for r in results if r.when_ok is not None]
        return Group(
            name,
            len(results),
            sum(r.words for r in results),
            sum(r.errors for r in results),
            corpus_word_error_rate(pairs),
            (sum(numbers), len(numbers)),
            (sum(whens), len(whens)),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON; accuracies are ``None`` where no clip carries the value."""
        accuracies = {"number_accuracy": _share(self.numbers), "when_accuracy": _share(self.whens)}
        return dataclasses.asdict(self) | accuracies


def _prepared_pair(result: ClipResult) -> tuple[str, str]:
    utterance = result.clip.utterance
    return prepare(utterance.reference, utterance.kind), prepare(result.hypothesis, utterance.kind)


def _share(counts: tuple[int, int]) -> float | None:
    return counts[0] / counts[1] if counts[1] else None


_FIELDS: dict[str, tuple[list[str], Callable[[Clip], str]]] = {
    "voice": ([v.name for v in VOICES], lambda clip: clip.voice.name),
    "condition": (list(CONDITIONS), lambda clip: clip.condition),
    "kind": (list(KINDS), lambda clip: clip.utterance.kind),
}


@dataclasses.dataclass(frozen=True)
class Report:
    """Every clip's result, and the tables made from them."""

    results: tuple[ClipResult, ...]

    @property
    def total(self) -> Group:
        """All clips together: the corpus WER and task accuracies."""
        return Group.of("all", list(self.results))

    @property
    def wer(self) -> float:
        """Corpus WER: errors summed over all clips / reference words summed."""
        return self.total.wer

    @property
    def number_accuracy(self) -> float | None:
        """Share of clips carrying an order number whose number came back exactly."""
        return _share(self.total.numbers)

    @property
    def when_accuracy(self) -> float | None:
        """Share of date/time clips whose date/time items all came back."""
        return _share(self.total.whens)

    @property
    def real_time_factor(self) -> float:
        """Transcription time over audio time, all clips together."""
        audio = sum(r.audio_seconds for r in self.results)
        return sum(r.seconds for r in self.results) / audio if audio else 0.0

    def by(self, field: str) -> list[Group]:
        """Groups by ``"voice"``, ``"condition"`` or ``"kind"``, in the corpus's order."""
        if field not in _FIELDS:
            raise ValueError(f"group by one of {tuple(_FIELDS)}, not {field!r}")
        order, value = _FIELDS[field]
        groups: dict[str, list[ClipResult]] = {}
        for result in self.results:
            groups.setdefault(value(result.clip), []).append(result)
        names = sorted(groups, key=lambda n: (order.index(n) if n in order else len(order), n))
        return [Group.of(name, groups[name]) for name in names]

    def by_voice(self) -> list[Group]:
        """WER and accuracies per voice."""
        return self.by("voice")

    def by_condition(self) -> list[Group]:
        """WER and accuracies per line condition."""
        return self.by("condition")

    def by_kind(self) -> list[Group]:
        """WER and accuracies per kind of utterance."""
        return self.by("kind")

    def worst(self, count: int = 10) -> list[ClipResult]:
        """The ``count`` clips with the most word errors (then the highest WER)."""
        return sorted(self.results, key=lambda r: (-r.errors, -r.wer, r.clip.id))[:count]

    def to_text(self, worst: int = 10) -> str:
        """The tables as aligned plain text, for a terminal or a docs page."""
        total = self.total
        splits = "/".join(sorted({r.clip.utterance.split for r in self.results}))
        voices = len({r.clip.voice.name for r in self.results})
        lines = [
            f"{total.clips} clips ({splits}), {voices} voices: WER {total.wer:.1%} "
            f"({total.errors} errors in {total.words} words), order numbers "
            f"{_percent(total.numbers)}, dates and times {_percent(total.whens)}, "
            f"real-time factor {self.real_time_factor:.3f}",
        ]
        for field in _FIELDS:
            lines += ["", *_table(field, self.by(field))]
        lines += ["", f"worst {worst} clips"]
        for r in self.worst(worst):
            lines.append(f"  {r.errors:3d} errors {r.wer:6.0%}  {r.clip.id} [{r.clip.condition}]")
            lines.append(f"      ref: {r.clip.utterance.reference}")
            lines.append(f"      hyp: {r.hypothesis.strip()}")
        return "\n".join(lines)

    def to_dict(self, worst: int = 10) -> dict[str, Any]:
        """Totals, the three tables, the worst clip ids and every clip, as plain data."""
        return {
            "total": self.total.to_dict(),
            "real_time_factor": self.real_time_factor,
            "by_voice": [g.to_dict() for g in self.by_voice()],
            "by_condition": [g.to_dict() for g in self.by_condition()],
            "by_kind": [g.to_dict() for g in self.by_kind()],
            "worst": [r.clip.id for r in self.worst(worst)],
            "clips": [_result_dict(r) for r in self.results],
        }

    def to_json(self, worst: int = 10) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(worst), indent=2)


def _percent(counts: tuple[int, int]) -> str:
    share = _share(counts)
    return "-" if share is None else f"{share:.1%} ({counts[0]}/{counts[1]})"


def _table(field: str, groups: list[Group]) -> list[str]:
    width = max([len(field), *(len(g.name) for g in groups)])
    head = f"{field:<{width}}  {'clips':>5}  {'words':>6}  {'errors':>6}  {'WER':>6}"
    rows = [f"{head}  {'numbers':>16}  {'dates/times':>16}"]
    for g in groups:
        rows.append(
            f"{g.name:<{width}}  {g.clips:5d}  {g.words:6d}  {g.errors:6d}  {g.wer:6.1%}  "
            f"{_percent(g.numbers):>16}  {_percent(g.whens):>16}"
        )
    return rows


def _result_dict(result: ClipResult) -> dict[str, Any]:
    clip, utterance = result.clip, result.clip.utterance
    named = {"id": clip.id, "voice": clip.voice.name, "condition": clip.condition}
    described = {"kind": utterance.kind, "split": utterance.split, "reference": utterance.reference}
    scored = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)[1:]}
    return named | described | scored
