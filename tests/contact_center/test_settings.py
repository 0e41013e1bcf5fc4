"""Settings: environment over .env, and errors that name the variable and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from framekit_contact_center.settings import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_defaults_are_the_offline_embedded_stack(tmp_path: Path) -> None:
    settings = load_settings({}, env_file=tmp_path / "missing.env")
    assert settings == Settings()
    assert settings.database_url == "sqlite:///.framekit/framekit.db"
    assert settings.llm_provider is None


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# comment\nexport OPENAI_API_KEY='sk-file'\nSTT_MODEL=small.en  # a comment\n"
        'DATABASE_URL="postgresql://app:pw@db/calls"\nREDIS_URL=\n'
    )
    settings = load_settings({"STT_MODEL": "tiny.en"}, env_file=env)
    assert settings.openai_api_key == "sk-file"
    assert settings.llm_provider == "openai"
    assert settings.stt_model == "tiny.en"
    assert settings.database_url == "postgresql://app:pw@db/calls"
    assert settings.redis_url is None


def test_every_problem_is_reported_with_its_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "TWILIO_ACCOUNT_SID": "AC123",
                "DATABASE_URL": "mysql://u:secret@host/db",
                "REDIS_URL": "localhost:6379",
                "TTS_VOICE": str(tmp_path / "nope.onnx"),
                "TRANSFER_NUMBER": "555-0100",
                "ANTHROPIC_API_KEY": "   ",
            },
            env_file=None,
        )
    problems = dict(caught.value.problems)
    assert "32 hexadecimal digits" in problems["TWILIO_ACCOUNT_SID"]
    assert "is required when TWILIO_ACCOUNT_SID is set" in problems["TWILIO_AUTH_TOKEN"]
    assert "sqlite:// or postgresql:// or postgres://" in problems["DATABASE_URL"]
    assert "secret" not in str(caught.value)  # a password in a URL is never printed
    assert "redis://" in problems["REDIS_URL"]
    assert "no such file" in problems["TTS_VOICE"]
    assert "E.164" in problems["TRANSFER_NUMBER"]
    assert problems["ANTHROPIC_API_KEY"] == "is set but empty (got 3 characters)"
    assert str(caught.value).startswith("invalid configuration (7 problem(s)):")


def test_a_malformed_env_file_names_its_line(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("STT_MODEL=base\nthis is not a setting\n")
    with pytest.raises(SettingsError, match=r"\.env:2: not a KEY=VALUE line"):
        load_settings({}, env_file=env)


def test_env_example_documents_every_setting_and_loads() -> None:
    example = REPO / ".env.example"
    text = example.read_text()
    for field in Settings.__dataclass_fields__:
        assert f"{field.upper()}=" in text, field
    assert load_settings({}, env_file=example) == Settings()


def test_the_models_form_a_chain_in_order_and_the_local_server_has_its_own_url() -> None:
    settings = load_settings(
        {
            "LOCAL_LLM_BASE_URL": "http://127.0.0.1:8080/v1",
            "OPENAI_API_KEY": "sk-openai",
            "ANTHROPIC_API_KEY": "sk-ant",
        },
        env_file=None,
    )
    assert settings.llm_providers == ("anthropic", "openai", "local")
    assert settings.llm_provider == "anthropic"
    assert settings.local_llm_model == "llama3.2"
    assert load_settings({"LOCAL_LLM_BASE_URL": "http://h:1/v1"}, env_file=None).llm_providers == (
        "local",
    )


def test_a_variable_that_means_nothing_alone_names_what_it_needs() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "OPENAI_BASE_URL": "http://localhost:8080/v1",
                "DEEPGRAM_URL": "wss://deepgram.internal",
                "TTS_API_KEY": "secret-key",
                "LOCAL_LLM_BASE_URL": "localhost:8080",
            },
            env_file=None,
        )
    problems = dict(caught.value.problems)
    # What OPENAI_BASE_URL alone used to mean is LOCAL_LLM_BASE_URL now: the message says so.
    assert "needs OPENAI_API_KEY" in problems["OPENAI_BASE_URL"]
    assert "set LOCAL_LLM_BASE_URL instead" in problems["OPENAI_BASE_URL"]
    assert "needs DEEPGRAM_API_KEY" in problems["DEEPGRAM_URL"]
    assert "needs TTS_API_URL" in problems["TTS_API_KEY"]
    assert "http:// or https://" in problems["LOCAL_LLM_BASE_URL"]
    assert "secret-key" not in str(caught.value)


def test_the_phone_agent_settings(tmp_path: Path) -> None:
    missing = tmp_path / "missing.env"
    settings = load_settings(
        {
            "GREETING": "off",
            "KEY_MENU": "1=About my order.; 9=Talk to someone.",
            "SILENCE_TIMEOUT": "off",
            "SILENCE_PROMPTS": "0",
            "DTMF_TIMEOUT": "1.5",
            "TRANSFER_NUMBER": "sip:desk@pbx.example.com",
            "TWILIO_API_BASE_URL": "http://127.0.0.1:9999",
        },
        env_file=missing,
    )
    assert (settings.greeting, settings.silence_timeout, settings.silence_prompts) == ("", None, 0)
    assert settings.key_menu == (("1", "About my order."), ("9", "Talk to someone."))
    assert (settings.dtmf_timeout, settings.transfer_number) == (1.5, "sip:desk@pbx.example.com")
    assert settings.twilio_api_base_url == "http://127.0.0.1:9999"
    assert load_settings({"KEY_MENU": "off"}, env_file=missing).key_menu == ()
    assert Settings().greeting.startswith("Thanks for calling Northwind")
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "KEY_MENU": "1=a;1=b",
                "SILENCE_TIMEOUT": "soon",
                "SILENCE_PROMPTS": "-1",
                "DTMF_TIMEOUT": "0",
                "TRANSFER_NUMBER": "sip:nobody",
                "TWILIO_API_BASE_URL": "api.twilio.com",
            },
            env_file=missing,
        )
    assert [name for name, _ in caught.value.problems] == [
        "TRANSFER_NUMBER",
        "TWILIO_API_BASE_URL",
        "KEY_MENU",
        "SILENCE_TIMEOUT",
        "SILENCE_PROMPTS",
        "DTMF_TIMEOUT",
    ]


def test_what_a_call_hears_while_redis_is_away(tmp_path: Path) -> None:
    missing = tmp_path / "missing.env"
    settings = load_settings(
        {"STORE_OUTAGE_RETRIES": "0", "STORE_OUTAGE_HOLD": "off", "STORE_OUTAGE_APOLOGY": "Bye."},
        env_file=missing,
    )
    assert (settings.store_outage_retries, settings.store_outage_hold) == (0, "")
    assert settings.store_outage_apology == "Bye."
    assert Settings().store_outage_retries == 5
    with pytest.raises(SettingsError) as caught:
        load_settings({"STORE_OUTAGE_RETRIES": "61"}, env_file=missing)
    assert [name for name, _ in caught.value.problems] == ["STORE_OUTAGE_RETRIES"]


def test_the_shop_clock_follows_its_time_zone() -> None:
    import datetime as dt

    from framekit_contact_center.settings import shop_clock

    settings = load_settings({"TIMEZONE": "Pacific/Kiritimati"}, None)  # UTC+14
    now = shop_clock(settings)()
    utc = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((now - utc) - dt.timedelta(hours=14)) < dt.timedelta(minutes=1)
    assert shop_clock(load_settings({}, None)) == dt.datetime.now  # unset: the machine's time
    with pytest.raises(SettingsError, match="TIMEZONE"):
        load_settings({"TIMEZONE": "Mars/Olympus"}, None)
