"""flask_db_kit.settings: each variable read, each wrong value refused in
one line naming it."""

import pytest
from flask_db_kit import settings
from flask_db_kit.settings import ConfigurationError


def test_production_is_the_default_and_development_is_asked_for(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    assert settings.environment_name() == "production"
    monkeypatch.setenv("APP_ENV", " Development ")
    assert settings.environment_name() == "development"
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigurationError, match="APP_ENV is 'staging'"):
        settings.environment_name()


@pytest.mark.parametrize("key", ["change-me", "CHANGE-ME", "x", "secret", "a" * 31])
def test_a_weak_or_placeholder_key_is_refused(key):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        settings.check_secret_key("SECRET_KEY", key)


@pytest.mark.parametrize(
    "key",
    [
        " " * 32,
        "a" * 32,
        "change-me" * 4,
        "change-me" * 4 + "!",
        "abcdefgh" * 4,
        "0123456701234567012345670123456701234567",
        "ab" * 40,
    ],
)
def test_a_key_of_little_variety_is_refused(key):
    with pytest.raises(ConfigurationError, match="SECRET_KEY (has only|repeats)"):
        settings.check_secret_key("SECRET_KEY", key)


@pytest.mark.parametrize("size", [16, 32, 64, 256])
def test_random_keys_pass(size):
    """Keys as `secrets.token_hex` and `token_urlsafe` make them, of every
    common size (from a seeded generator, the same on every run): none refused."""
    import base64
    import random

    generator = random.Random(size)
    for _ in range(5000 if size == 16 else 300):
        settings.check_secret_key("SECRET_KEY", generator.randbytes(size).hex())
        urlsafe = base64.urlsafe_b64encode(generator.randbytes(max(size, 24)))
        settings.check_secret_key("SECRET_KEY", urlsafe.decode().rstrip("="))
    for phrase in [
        "correct horse battery staple 1234",
        "Sch\u00f6ne Gr\u00fc\u00dfe, 2026! \u00e9t\u00e9 et hiver",
    ]:
        settings.check_secret_key("SECRET_KEY", phrase)


def test_a_missing_variable_is_named(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        settings.required_variable("SECRET_KEY")
    monkeypatch.setenv("SECRET_KEY", "set")
    assert settings.required_variable("SECRET_KEY") == "set"


def test_numbers_lists_and_levels(monkeypatch):
    monkeypatch.delenv("N", raising=False)
    assert settings.count_variable("N", 3) == 3
    assert settings.byte_count_variable("N", 7) == 7
    assert settings.list_variable("N") == []
    monkeypatch.setenv("N", "12")
    assert settings.count_variable("N", 3) == settings.byte_count_variable("N", 7) == 12
    monkeypatch.setenv("N", " a, ,b ")
    assert settings.list_variable("N") == ["a", "b"]
    for wrong in ["two", "-1"]:
        monkeypatch.setenv("N", wrong)
        with pytest.raises(ConfigurationError, match=f"N .*'{wrong}'"):
            settings.count_variable("N", 0)
    for wrong in ["0", "1e3", "9" * 19]:
        monkeypatch.setenv("N", wrong)
        with pytest.raises(ConfigurationError, match="positive number of bytes"):
            settings.byte_count_variable("N", 1)
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert settings.log_level() == "DEBUG"
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ConfigurationError, match="LOG_LEVEL is 'LOUD'"):
        settings.log_level()


def test_a_configuration_error_is_one_line_for_click():
    import click

    assert issubclass(ConfigurationError, click.ClickException)
    assert settings.DEFAULT_MAX_CONTENT_LENGTH == 1024 * 1024
    assert "change-me" in settings.PLACEHOLDER_SECRET_KEYS
