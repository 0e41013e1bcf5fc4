"""Writes utterances.jsonl, the PII corpus, from the hand-written phrasings and seeded values.

    python tests/data/privacy/generate.py          # both splits
    python tests/data/privacy/generate.py --check  # fails when the file differs

Each split draws from its own phrasings (templates_dev.py, templates_test.py) with its
own random stream per category, so adding test items never changes a dev item. Ids
follow the fixed rule of README.md: u0003, u0007, u0010, ... (number mod 10 in 0, 3, 7)
are test, the others dev; the n-th dev item takes the n-th dev id.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import templates_dev  # noqa: E402
import templates_test  # noqa: E402
from values import RENDERERS  # noqa: E402

SEED = "framekit-privacy-corpus-1"
# Items per category and split. Ids follow the split rule; past the last dev item only
# test ids are used, so the test split can grow without moving a dev item.
COUNTS: dict[str, dict[str, int]] = {
    "dev": {
        "card": 60,
        "bank": 25,
        "ssn": 45,
        "phone": 50,
        "email": 45,
        "dob": 28,
        "address": 45,
        "name": 25,
        "multi": 25,
        "order": 50,
        "appt": 45,
        "price": 40,
        "other": 49,
    },
    "test": {
        "card": 30,
        "bank": 10,
        "ssn": 24,
        "phone": 22,
        "email": 22,
        "dob": 10,
        "address": 22,
        "name": 10,
        "multi": 10,
        "order": 28,
        "appt": 28,
        "price": 24,
        "other": 26,
    },
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SPEECH_TEXT = re.compile(r"^[a-z0-9' ]+$")

Item = dict[str, Any]


def is_test(number: int) -> bool:
    """The split rule of README.md: number mod 10 in {0, 3, 7} is test (30 %)."""
    return number % 10 in (0, 3, 7)


def render(template: str, rng: random.Random) -> tuple[str, str, list[dict[str, Any]], list[str]]:
    """One utterance from one phrasing: its source, text, PII spans and its values' forms."""
    source = {"s": "speech", "t": "text"}[template[0]]
    body = template[2:].replace("{{", "\0").replace("}}", "\1")
    text, spans, forms = "", [], []
    last = 0
    for match in PLACEHOLDER.finditer(body):
        text += body[last : match.start()]
        kind, renderer = RENDERERS[match.group(1)]
        value = renderer(rng, source)
        if kind:
            spans.append({"start": len(text), "end": len(text) + len(value), "kind": kind})
        forms.append(match.group(1))
        text += value
        last = match.end()
    text = (text + body[last:]).replace("\0", "{").replace("\1", "}")
    if source == "speech" and not SPEECH_TEXT.match(text):
        raise ValueError(f"speech with punctuation or capitals: {text!r}")
    return source, text, spans, forms


def items(split: str, phrasings: dict[str, list[str]], seen: set[str]) -> Iterator[Item]:
    """The split's items, category by category, each phrasing used in turn before any repeats."""
    for category, count in COUNTS[split].items():
        rng = random.Random(f"{SEED}-{split}-{category}")
        templates = list(phrasings.get(category, []))
        rng.shuffle(templates)
        made = 0
        while templates and made < count:
            template = templates[made % len(templates)]
            source, text, spans, forms = render(template, rng)
            if text in seen:
                continue
            seen.add(text)
            made += 1
            if category in ("order", "appt", "price"):
                note = category
            else:
                note = "+".join(f for f in forms if category == "other" or RENDERERS[f][0])
            yield {"split": split, "source": source, "text": text, "spans": spans, "note": note}


def corpus() -> list[Item]:
    """Dev and test items interleaved on their ids, dev first in each category order."""
    seen: set[str] = set()
    dev = list(items("dev", templates_dev.TEMPLATES, seen))
    test = list(items("test", templates_test.TEMPLATES, seen))
    shuffled = {"dev": dev, "test": test}
    for split, pool in shuffled.items():
        random.Random(f"{SEED}-{split}-order").shuffle(pool)
    out: list[Item] = []
    number = 0
    while dev or test:
        number += 1
        pool = test if is_test(number) else dev
        if pool:
            out.append({"id": f"u{number:04d}", **pool.pop(0)})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is not current")
    args = parser.parse_args()
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in corpus())
    path = HERE / "utterances.jsonl"
    if args.check:
        current = path.read_text(encoding="utf-8") == lines
        print("utterances.jsonl is current" if current else "utterances.jsonl differs")
        return 0 if current else 1
    path.write_text(lines, encoding="utf-8")
    print(f"wrote {lines.count(chr(10))} utterances to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
