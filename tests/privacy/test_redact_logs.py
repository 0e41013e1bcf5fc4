"""The redactor as the server's log filter: operations' log lines keep every character,
a person's value in a log line is still masked (``tests/data/privacy/log_lines.txt``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from framekit.privacy.redact import Redactor

LINES = Path(__file__).parents[1] / "data" / "privacy" / "log_lines.txt"
_MARK = re.compile(r"\[\[(\w+):(.*?)\]\]")
MASK = Redactor()


def _read() -> list[tuple[str, str]]:
    """Each line as logged, and as it must read once redacted."""
    rows = []
    for line in LINES.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append((_MARK.sub(r"\2", line), _MARK.sub(r"[\1]", line)))
    return rows


ROWS = _read()
OPERATIONS = [logged for logged, redacted in ROWS if logged == redacted]
PERSONAL = [(logged, redacted) for logged, redacted in ROWS if logged != redacted]


def test_the_set_holds_many_operations_lines_and_a_person_s_values_of_each_kind() -> None:
    kinds = set(re.findall(r"\[\[(\w+):", LINES.read_text()))
    assert len(OPERATIONS) >= 60
    assert kinds >= {"card", "bank", "ssn", "phone", "email", "dob", "address", "name"}


def test_no_character_of_an_operations_log_line_is_masked() -> None:
    changed = [(line, MASK.text(line)) for line in OPERATIONS if MASK.text(line) != line]
    assert changed == []


@pytest.mark.parametrize(("logged", "redacted"), PERSONAL)
def test_a_person_s_value_in_a_log_line_is_masked_and_nothing_else(
    logged: str, redacted: str
) -> None:
    assert MASK.text(logged) == redacted


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("call me at 312.337.3547", "call me at [phone]"),
        ("call 1.415.222.9876 after five", "call [phone] after five"),
        ("my social: 523.04.1187", "my social: [ssn]"),
        ("SSN:123456789", "SSN:[ssn]"),
        ("tel:+14155550123", "tel:[phone]"),
        ("from 10.0.0.5: the caller gave 415 555 0134", "from 10.0.0.5: the caller gave [phone]"),
        ("GET /api/calls?q=%2B1+415+555+0134 HTTP/1.1", "GET /api/calls?q=[phone] HTTP/1.1"),
        ("One Infinite Loop, Cupertino", "[address]"),
        ("i live at one infinite loop", "i live at [address]"),
        ("the card is 1765106555123", "the card is [card]"),
        ("my number is 1765106555", "my number is [phone]"),
        ("1 765 106 5552 is my cell", "[phone] is my cell"),
    ],
)
def test_values_beside_or_shaped_like_machine_tokens_are_still_masked(
    written: str, expected: str
) -> None:
    assert MASK.text(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        "client 192.168.10.254:51234 closed after 2.5 s",
        "ratio 2.612903 > 2.400000 at temperature 0.2",
        "aiortc 1.9.0, av 13.1.0, numpy 2.1.3",
        "request 123e4567-e89b-12d3-a456-426614174000 done",
        "module.sub:handler:1432 - 10.0.0.1 closed",
        "One erasure row per caller",
        "one session_events row per sign-in",
        "stt: model name base.en, tool name lookup_order",
        "2026/12/07 11:02:35 started, token expires 1765106555",
        "ts=1765106555123 took 1234567890 ns, read 2147483648 bytes",
    ],
)
def test_machine_tokens_and_code_are_not_values(written: str) -> None:
    assert MASK.text(written) == written
