"""The recognition corpus: fixed splits, honest line conditions, stable clips, right scores.

Fast checks (no recognizer): the data is what the docs say, each impairment does
what its name says when measured, and the scorer counts hand-made transcripts right.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from accuracy import corpus
from accuracy.corpus import Clip, clip_audio, clips, condition_of
from accuracy.line import (
    CONDITIONS,
    PACKET_BYTES,
    conceal_losses,
    lost_packets,
    transmit,
)
from accuracy.scoring import digit_runs, evaluate, when_items, words
from accuracy.utterances import KINDS, UTTERANCES, Utterance, utterances
from accuracy.voices import SYNTHESIZERS, VOICES, available_voices, synthesize, voice_named
from framekit.audio import PCM16_8K, PCM16_16K, mulaw_decode_array

_MONTHS = "january february march april may june july august september october november december"


def test_the_split_is_fixed_and_disjoint() -> None:
    dev, test = utterances("dev"), utterances("test")

    assert (len(dev), len(test)) == (70, 70)
    assert [u.id for u in dev] == [f"dev-{u.kind}-{u.id.rsplit('-', 1)[1]}" for u in dev]
    assert len({u.id for u in UTTERANCES}) == len(UTTERANCES)
    assert not {u.spoken for u in dev} & {u.spoken for u in test}
    assert not {u.reference for u in dev} & {u.reference for u in test}
    assert not {u.number for u in dev if u.number} & {u.number for u in test if u.number}
    assert not {u.when for u in dev if u.when} & {u.when for u in test if u.when}


def test_every_kind_is_in_both_splits_at_least_five_times() -> None:
    counts = Counter((u.split, u.kind) for u in UTTERANCES)

    assert len(KINDS) == 14
    assert all(counts[split, kind] >= 5 for split in ("dev", "test") for kind in KINDS)


@pytest.mark.parametrize("utterance", UTTERANCES, ids=lambda u: u.id)
def test_spoken_words_and_reference_mean_the_same(utterance: Utterance) -> None:
    spoken, reference = (words(t, utterance.kind) for t in (utterance.spoken, utterance.reference))

    assert spoken == reference
    assert not re.search(r"\d", utterance.spoken), "synthesizers get numbers as words"


@pytest.mark.parametrize("utterance", [u for u in UTTERANCES if u.number], ids=lambda u: u.id)
def test_the_number_is_in_the_reference(utterance: Utterance) -> None:
    assert utterance.number is not None
    assert utterance.number in digit_runs(words(utterance.reference, utterance.kind))
    if utterance.kind.startswith("order_"):
        assert 4 <= len(utterance.number) <= 8
        assert not utterance.number.startswith("0")


@pytest.mark.parametrize("utterance", [u for u in UTTERANCES if u.when], ids=lambda u: u.id)
def test_the_date_or_time_is_in_the_reference(utterance: Utterance) -> None:
    items = when_items(words(utterance.reference, utterance.kind))
    when = utterance.when or ""
    if match := re.fullmatch(r"(\d\d)-(\d\d)", when):
        assert _MONTHS.split()[int(match[1]) - 1] in items
        assert str(int(match[2])) in items
    elif match := re.fullmatch(r"(\d\d):(\d\d)", when):
        hour = str((int(match[1]) - 1) % 12 + 1)
        assert any(item.startswith(hour) for item in items if item.isdigit())
    else:
        assert when in items


def test_order_numbers_say_zero_both_ways() -> None:
    spoken = " ".join(u.spoken for u in UTTERANCES if u.kind == "order_digits").lower()

    assert " zero " in spoken
    assert " oh " in spoken


def _tone(hz: float, seconds: float = 2.0) -> bytes:
    t = np.arange(int(PCM16_8K.sample_rate * seconds)) / PCM16_8K.sample_rate
    return (8000 * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()


def _heard(pcm: bytes, condition: str, key: str = "clip") -> np.ndarray:
    return np.frombuffer(transmit(pcm, PCM16_8K, condition, key), dtype="<i2").astype(np.float64)


def _level_db(samples: np.ndarray) -> float:
    power = np.mean(samples[4000:-4000] ** 2) + 1e-9
    return float(10 * np.log10(power / (8000**2 / 2)))


@pytest.mark.parametrize("hz", [100, 240, 3550, 3700])
def test_band_removes_what_a_telephone_band_does_not_carry(hz: float) -> None:
    assert _level_db(_heard(_tone(hz), "mulaw")) > -10  # the clean line keeps it
    assert _level_db(_heard(_tone(hz), "band")) < -40


@pytest.mark.parametrize("hz", [400, 1000, 3000])
def test_band_keeps_the_voice_band(hz: float) -> None:
    assert _level_db(_heard(_tone(hz), "band")) == pytest.approx(0, abs=1)


@pytest.mark.parametrize(("condition", "snr"), [("noise20", 20), ("noise10", 10)])
def test_noise_is_mixed_at_the_named_snr(condition: str, snr: float) -> None:
    clean = _heard(_tone(1000), "mulaw")
    noisy = _heard(_tone(1000), condition)

    measured = 10 * np.log10(np.mean(clean**2) / np.mean((noisy - clean) ** 2))
    assert measured == pytest.approx(snr, abs=1.5)


def test_loss_replaces_five_percent_of_packets_with_a_quieter_copy() -> None:
    mulaw = bytes(np.random.default_rng(1).integers(0, 256, 1000 * PACKET_BYTES, dtype=np.uint8))
    lost = lost_packets(1000, np.random.default_rng(2))
    out = conceal_losses(mulaw, lost)

    packets = [out[i : i + PACKET_BYTES] for i in range(0, len(out), PACKET_BYTES)]
    changed = [
        i for i in range(1000) if packets[i] != mulaw[i * PACKET_BYTES : (i + 1) * PACKET_BYTES]
    ]
    assert len(lost) == 50
    assert changed == lost
    for i in lost:
        before, now = (
            np.abs(mulaw_decode_array(np.frombuffer(p, np.uint8))) for p in packets[i - 1 : i + 1]
        )
        assert now.sum() == pytest.approx(before.sum() / 2, rel=0.1)


def test_every_condition_keeps_the_length_and_ends_at_16_khz() -> None:
    for condition in CONDITIONS:
        heard = _heard(_tone(440, 1.0), condition)
        assert heard.size == pytest.approx(PCM16_16K.sample_rate, abs=16)
    assert not np.array_equal(_heard(_tone(440), "loss5"), _heard(_tone(440), "mulaw"))


def test_impairments_are_seeded_by_the_clip() -> None:
    assert np.array_equal(_heard(_tone(500), "noise10", "a"), _heard(_tone(500), "noise10", "a"))
    assert not np.array_equal(
        _heard(_tone(500), "noise10", "a"), _heard(_tone(500), "noise10", "b")
    )


def test_each_clip_gets_one_stable_condition() -> None:
    every = {c.id: c.condition for c in clips("dev", VOICES)}
    one_voice = {c.id: c.condition for c in clips("dev", VOICES[5:6])}

    assert len(every) == 70 * len(VOICES)
    assert every == {c.id: c.condition for c in clips("dev", VOICES)}
    assert every.items() >= one_voice.items()  # a clip's condition ignores the other voices


def test_conditions_are_dealt_evenly_over_voices_and_kinds() -> None:
    for split in ("dev", "test"):
        for voice in VOICES:
            for kind in KINDS:
                group = [u for u in utterances(split) if u.kind == kind]
                assert sorted(condition_of(u, voice) for u in group) == sorted(CONDITIONS)
    dealt = Counter(condition_of(u, VOICES[0]) for u in utterances("dev"))
    assert dealt == dict.fromkeys(CONDITIONS, 14)
    assert len({condition_of(utterances("dev")[0], voice) for voice in VOICES}) > 1


@pytest.mark.parametrize("synthesizer", SYNTHESIZERS)
def test_each_installed_synthesizer_speaks(synthesizer: str) -> None:
    voice = next(v for v in VOICES if v.synthesizer == synthesizer)
    if voice not in available_voices((voice,)):
        pytest.skip(f"{synthesizer} is not installed")
    pcm, fmt = synthesize(voice, "My order number is four two seven one nine.")

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    assert 1.0 < fmt.duration_of(len(pcm)) < 6.0
    assert np.sqrt(np.mean(samples**2)) > 300


def test_clip_audio_is_padded_phone_audio_cached_on_disk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    voice = voice_named("espeak-us")
    if voice not in available_voices((voice,)):
        pytest.skip("espeak-ng is not installed")
    monkeypatch.setenv("FRAMEKIT_CORPUS_CACHE", str(tmp_path))
    clip = Clip(utterances("dev")[0], voice, "mulaw")

    audio = clip_audio(clip)
    samples = np.frombuffer(audio, dtype="<i2")
    assert len(list(tmp_path.rglob("*.wav"))) == 1
    assert np.abs(samples[: PCM16_16K.sample_rate // 10]).max() < 50  # the leading pad
    assert np.abs(samples).max() > 3000

    def no_synthesis(*_: object) -> None:
        raise AssertionError("read from the cache, not synthesized again")

    monkeypatch.setattr(corpus, "synthesize_voice", no_synthesis)
    assert clip_audio(clip) == audio


def test_scores_of_hand_made_transcripts() -> None:
    by_id = {u.id: u for u in UTTERANCES}
    voice_a, voice_b = VOICES[0], VOICES[-1]
    hypotheses = {
        ("dev-order_digits-1", voice_a): "Hi, my order number is 42719.",  # 0 errors of 10
        ("dev-order_digits-1", voice_b): "Hi my order number is 4 2 7 1 8",  # 1 error, number wrong
        ("dev-date-1", voice_a): "The delivery was scheduled for March 14.",  # 0 of 8
        ("dev-date-1", voice_b): "The delivery is scheduled for March 4th.",  # 2 errors, date wrong
        ("dev-email-1", voice_a): "My email is John.Smith@gmail.com",  # 0 of 10
        ("dev-spelled_name-1", voice_b): "It's Smith, SMITH.",  # 0 of 7
    }
    chosen = [Clip(by_id[u], v, "mulaw" if v == voice_a else "band") for u, v in hypotheses]

    report = evaluate(
        chosen,
        lambda clip, _: hypotheses[clip.utterance.id, clip.voice],
        audio=lambda _: bytes(3200),
    )

    assert report.wer == pytest.approx(3 / 53)
    assert (report.number_accuracy, report.when_accuracy) == (0.5, 0.5)
    assert [(g.name, g.errors, g.words) for g in report.by_voice()] == [
        (voice_a.name, 0, 28),
        (voice_b.name, 3, 25),
    ]
    assert [g.name for g in report.by_condition()] == ["mulaw", "band"]
    assert report.worst(1)[0].clip.utterance.id == "dev-date-1"
    text = report.to_text()
    assert voice_b.name in text
    assert "dev-date-1" in text
    assert json.loads(report.to_json())["total"]["errors"] == 3


def test_the_legacy_helpers_still_work() -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    pcm, fmt = corpus.synthesize("espeak-ng", corpus.SENTENCES[0])
    assert len(corpus.phone_line(pcm, fmt)) == pytest.approx(
        fmt.duration_of(len(pcm)) * 32000, abs=64
    )
