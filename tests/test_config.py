"""Settings: environment reading, URL normalisation, one-line errors that never show a secret."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from assistant.config import ConfigError, Settings, fernet_key, load_settings, normalise_database_url


def test_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "abc")
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("X_API_URL", "http://127.0.0.1:9999")
    settings = load_settings()
    assert settings.port == 8123
    assert settings.x_api_url == "http://127.0.0.1:9999"
    assert settings.slack_signing_secret is not None and settings.slack_signing_secret.get_secret_value() == "abc"


def test_default_database_is_a_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_settings().database_url == "sqlite:///outreach.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@host:5432/db", "postgresql+psycopg://u:p@host:5432/db"),
        ("postgresql://u@host/db", "postgresql+psycopg://u@host/db"),
        ("postgresql+psycopg://u@host/db", "postgresql+psycopg://u@host/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_heroku_postgres_urls_are_normalised(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_bad_timezone_fails_with_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("DEFAULT_TIMEZONE")
    assert "Europe/London" in message  # what it should look like


def test_bad_secret_is_named_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token-should-not-leak")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "SLACK_BOT_TOKEN" in str(info.value)
    assert "xoxp-user-token-should-not-leak" not in str(info.value)


def test_short_encryption_key_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCRYPTION_KEY", "tooshort-secret")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "ENCRYPTION_KEY" in str(info.value) and "tooshort-secret" not in str(info.value)


def test_encryption_key_accepts_fernet_keys_and_long_random_secrets() -> None:
    key = Fernet.generate_key().decode()
    assert fernet_key(key) == key.encode()
    derived = fernet_key("a" * 64)
    token = Fernet(derived).encrypt(b"x")
    assert Fernet(fernet_key("a" * 64)).decrypt(token) == b"x"  # stable derivation
    assert fernet_key("b" * 64) != derived


def test_serve_requires_a_signing_secret_over_http() -> None:
    settings = Settings(slack_bot_token="xoxb-1", slack_signing_secret=None, slack_app_token=None, slack_client_id=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        settings.require_for_serve()


def test_serve_in_socket_mode_requires_a_bot_token() -> None:
    settings = Settings(slack_app_token="xapp-1", slack_bot_token=None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        settings.require_for_serve()


def test_secrets_do_not_appear_in_repr() -> None:
    settings = Settings(slack_bot_token="xoxb-very-secret", x_bearer_token="AAAA-bearer-secret")  # type: ignore[arg-type]
    assert "xoxb-very-secret" not in repr(settings)
    assert "AAAA-bearer-secret" not in repr(settings)
