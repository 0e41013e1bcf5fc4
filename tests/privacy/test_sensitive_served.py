"""A served call pays for an order with a card number typed on the keypad (sensitive entry).

``framekit serve``'s application, called as Twilio would call it
(``tests/phone_network.py``: signed webhook, Media Stream, ``dtmf`` events), with a
model (the fake OpenAI-compatible server as ``LOCAL_LLM_BASE_URL``) that calls
``take_card_payment`` when the caller asks to pay. While the entry is open the
caller plays the keys' tones down the line and presses sixteen digits and ``#``.

Afterwards the tool must have had the number (its result: paid, by Visa, which it
says only for a Luhn-valid number starting with 4), and none of it may be anywhere
else: not in any column of any table, not in the logs (``DEBUG``), not in what the
model was sent, not in the caller's recording, whose samples over the entry are
silence where the tones were played, while the caller's words before and after it
are recorded as usual.
"""

from __future__ import annotations

import asyncio
import json
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from framekit_contact_center.data import BusinessStore

from contact_center.test_served_calls import say, served
from framekit.logs import configure_logging
from framekit.testing.fakes._llm_script import Step, Text, ToolCall, ToolCalls
from framekit.testing.fakes.openai_server import FakeOpenAIServer
from phone_network import PhoneCall
from privacy.test_served_redaction import _every_value

pytestmark = pytest.mark.timeout(240)

CARD = "4539148803436467"  # a Visa test number: Luhn-valid
PIECES = {CARD[i : i + 6] for i in range(len(CARD) - 5)}  # any six digits of it in a row
RATE = 16_000
TONE_HZ = (697.0, 1209.0)  # the DTMF tone of the key "1"
TONE_SECONDS = 1.5


def _leaks(text: str) -> list[str]:
    squeezed = text.replace(" ", "").replace("-", "")
    return sorted(piece for piece in PIECES if piece in text or piece in squeezed)


def _model(shop: Path) -> Any:
    """The model: pays when asked to, thanks after the tool's result, else a short answer."""

    def answer(request: dict[str, Any]) -> Step:
        order = BusinessStore(shop).order_numbers()[0]
        last = request["messages"][-1]
        if last["role"] == "tool":
            return Text("Thank you, the payment went through. Anything else?")
        if "pay" in str(last.get("content", "")).lower():
            return ToolCalls([ToolCall("take_card_payment", {"order_number": order})])
        return Text("Goodbye, and thank you for calling.")

    return answer


def _tone() -> bytes:
    t = np.arange(int(RATE * TONE_SECONDS)) / RATE
    tones = np.sum([np.sin(2 * np.pi * hz * t) for hz in TONE_HZ], axis=0) * 6000
    return bytes(tones.astype(np.int16).tobytes())


def _tone_power(samples: np.ndarray, rate: int) -> np.ndarray:
    """Per 50 ms window: the share of its energy at the weaker of the tone's two frequencies.

    Both must be there, as a DTMF receiver requires: a vowel may be strong at one.
    """
    size = rate // 20
    windows = samples[: len(samples) // size * size].reshape(-1, size).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(windows, axis=1)) ** 2
    bins = [round(hz * size / rate) for hz in TONE_HZ]
    at_tone = np.minimum(*(spectrum[:, b - 1 : b + 2].sum(axis=1) for b in bins))
    return np.asarray(at_tone / np.maximum(spectrum.sum(axis=1), 1.0))


def _loud(samples: np.ndarray, rate: int, start: float, end: float) -> bool:
    part = samples[int(start * rate) : int(end * rate)].astype(np.float64)
    return part.size > 0 and float(np.sqrt(np.mean(part**2))) > 300


def _paid_and_kept_nowhere(
    record: dict[str, Any], model: Any | None, folder: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The tool was paid with a valid Visa number, and no digits of the card are in the
    database, the logs or anything sent to the model (which heard only the outcome);
    ``model`` is ``None`` for the offline brain, which sends nothing anywhere."""
    sent_to_model = json.dumps([r.json for r in model.requests]) if model is not None else ""
    [paid] = [t for t in record["tools"] if t["name"] == "take_card_payment"]
    assert json.dumps(paid).count("Visa") == 1, paid  # the tool had a valid Visa number
    assert "paid" in json.dumps(paid), paid
    if model is not None:
        assert "Visa" in sent_to_model  # the model heard the outcome, not the number
    stored = _every_value(folder / "calls.db")
    logs = "".join(capfd.readouterr())
    assert (_leaks(stored), _leaks(logs), _leaks(sent_to_model)) == ([], [], [])


def _caller_recording(folder: Path) -> tuple[np.ndarray, int]:
    """The caller's track of the call's recording: its samples and their rate."""
    [path] = [p for p in (folder / "recordings").rglob("*caller*.wav")]
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16), rate


async def _type_card(call: PhoneCall) -> None:
    """Press :data:`CARD`'s keys and ``#``, with the first key's tone played down the line."""
    tones = asyncio.create_task(call.say_pcm16(_tone(), RATE))
    for key in CARD[:-1]:
        await call.press(key)
        await asyncio.sleep(0.05)
    await tones  # every tone frame is on the line before the entry completes
    await call.press(CARD[-1])
    await call.press("#")


def _keyed_entry_unrecorded(folder: Path, began: float, ended: float) -> None:
    """The caller's recording has no key tone and is silent over the entry (``began`` to
    ``ended``, seconds into the call), and has the caller's words before and after it."""
    samples, rate = _caller_recording(folder)
    # The detector finds the tones in what the caller sent...
    assert _tone_power(np.frombuffer(_tone(), dtype=np.int16)[::2], RATE // 2).min() > 0.3
    # ...and nowhere in the recording, whose entry is silence.
    toned = [i / 20 for i, share in enumerate(_tone_power(samples, rate)) if share >= 0.15]
    assert toned == [], (began, ended)
    assert not _loud(samples, rate, began + 0.5, ended - 0.5)
    # Before and after the entry the caller's words are recorded as usual.
    assert _loud(samples, rate, 0.0, began - 0.5)
    assert _loud(samples, rate, ended + 0.5, len(samples) / rate)


async def test_a_card_number_typed_during_the_entry_reaches_only_the_tool(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", environ={})
    async with (
        FakeOpenAIServer(_model(tmp_path / "shop.db")) as model,
        served(
            tmp_path, local_llm_base_url=model.base_url, local_llm_model="local-test"
        ) as running,
    ):
        call = await running.call()
        await call.wait_for_quiet(0.3, timeout=20)
        await say(call, "I would like to pay for my order, please.")
        await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)  # the prompt
        await call.wait_for_quiet(0.5, timeout=30)
        entry_began = time.monotonic() - call.started_at
        await _type_card(call)
        entry_ended = time.monotonic() - call.started_at
        await call.wait_for_audio(call.received_seconds + 1.0, timeout=30)  # "thank you"
        await call.wait_for_quiet(0.5, timeout=30)
        await say(call, "That is all, goodbye.")
        await call.wait_for_audio(call.received_seconds + 0.5, timeout=30)
        await call.hang_up()
        record = await running.record_of(call.call_sid)
    _paid_and_kept_nowhere(record, model, tmp_path, capfd)
    _keyed_entry_unrecorded(tmp_path, entry_began, entry_ended)
