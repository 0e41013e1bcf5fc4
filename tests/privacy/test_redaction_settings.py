"""``framekit serve``'s redaction settings, and the log filter they set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from framekit_contact_center.settings import SettingsError, load_settings, redactor
from loguru import logger

from framekit.logs import configure_logging, set_personal_data_filter


@pytest.fixture
def no_filter() -> Iterator[None]:
    set_personal_data_filter(None)  # a server built by an earlier test set the process's
    yield
    set_personal_data_filter(None)


def test_the_policy_is_read_per_kind_and_bad_ones_are_named() -> None:
    environ = {"REDACTION": "email=hash, name=keep", "REDACTION_HASH_KEY": "k" * 16}
    settings = load_settings(environ, None)
    chosen = redactor(settings)
    assert chosen.text("my name is Jane, jane@example.com").startswith("my name is Jane, [email:")
    with pytest.raises(SettingsError, match="REDACTION: unknown policy 'encrypt'"):
        load_settings({"REDACTION": "card=encrypt"}, None)
    with pytest.raises(SettingsError, match="REDACTION: unknown kind 'passport'"):
        load_settings({"REDACTION": "passport=mask"}, None)
    with pytest.raises(SettingsError, match="hash key"):
        redactor(load_settings({"REDACTION": "card=hash"}, None))


def test_the_hash_key_is_a_secret_kept_out_of_the_logs() -> None:
    settings = load_settings({"REDACTION_HASH_KEY": "a-long-hash-key-0123"}, None)
    assert "a-long-hash-key-0123" in settings.secrets
    assert "a-long-hash-key-0123" not in repr(settings)


def test_log_lines_are_redacted_once_a_filter_is_set(
    capfd: pytest.CaptureFixture[str], no_filter: None
) -> None:
    configure_logging("INFO", environ={})
    logger.info("lookup for 555 010 4477 failed")
    set_personal_data_filter(redactor(load_settings({}, None)).text)
    logger.info("lookup for 555 010 4477 by john.smith@gmail.com failed")
    try:
        raise ValueError("no customer with card 4111 1111 1111 1111")
    except ValueError:
        logger.exception("tool failed")
    written = capfd.readouterr().err
    first, second = written.splitlines()[:2]
    assert first.endswith("lookup for 555 010 4477 failed")  # no filter yet
    assert second.endswith("lookup for [phone] by [email] failed")
    assert "4111" not in written
    assert "ValueError: no customer with card [card]" in written
