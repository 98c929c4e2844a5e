"""Reading an app's settings from the environment, with one-line errors.

The app's own config.py keeps its Config class and builds it with these:
each helper reads one variable and refuses a wrong value with a
ConfigurationError that names the variable, which `flask ...` shows as one
line rather than a traceback.

APP_ENV is `production` unless it says `development`: a server that was told
nothing runs with the checks and the secure settings, never the other way
round.
"""

import os

import click

ENVIRONMENTS = ("production", "development")
MIN_SECRET_KEY_LENGTH = 32
# Keys seen in examples and tutorials, compared lower-cased: an attacker
# tries them first.
PLACEHOLDER_SECRET_KEYS = frozenset(
    {
        "change-me",
        "changeme",
        "change_me",
        "changethis",
        "dev",
        "development",
        "key",
        "password",
        "please-change-me",
        "s3cr3t",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "super-secret",
        "supersecret",
        "test",
        "x",
        "your-secret-key",
        "your-secret-key-here",
    }
)
# What a request body may hold; a larger one gets a 413 without being read.
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAKE_A_KEY = '`python3 -c "import secrets; print(secrets.token_hex(32))"`'


class ConfigurationError(click.ClickException):
    """A setting the app cannot start with is missing or wrong.

    A ClickException, so that `flask ...` shows it as one line, not a traceback.
    """


def environment_name() -> str:
    """APP_ENV: `production` (the default) or `development`."""
    name = os.environ.get("APP_ENV", "production").strip().lower() or "production"
    if name not in ENVIRONMENTS:
        raise ConfigurationError(
            f"APP_ENV is {name!r}; it is production (the default) or development"
        )
    return name


def check_secret_key(name: str, key: str) -> None:
    """Refuse a key a production app must not sign with: a known placeholder,
    or one shorter than MIN_SECRET_KEY_LENGTH."""
    if key.strip().lower() in PLACEHOLDER_SECRET_KEYS:
        raise ConfigurationError(
            f"{name} is a placeholder ({key!r}); make one with {MAKE_A_KEY}"
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"{name} has {len(key)} characters; production needs at least "
            f"{MIN_SECRET_KEY_LENGTH} random ones: make one with {MAKE_A_KEY}"
        )


def required_variable(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(
            f"{name} is not set: run `python3 bin/setup` to write .env, "
            "or set it in the environment (see .env.example)"
        )
    return value


def byte_count_variable(name: str, default: int) -> int:
    """A positive number of bytes; `default` when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or len(value) > 18 or int(value) == 0:
        raise ConfigurationError(
            f"{name} must be a positive number of bytes, not {value[:40]!r}"
        )
    return int(value)


def list_variable(name: str) -> list[str]:
    """A comma-separated list; empty when unset."""
    return [
        item.strip() for item in os.environ.get(name, "").split(",") if item.strip()
    ]


def count_variable(name: str, default: int) -> int:
    """A whole number; `default` when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigurationError(f"{name} is {value!r}; it must be a whole number")
    return int(value)


def log_level() -> str:
    """LOG_LEVEL, INFO when unset."""
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigurationError(
            f"LOG_LEVEL is {level!r}; use DEBUG, INFO, WARNING, ERROR or CRITICAL"
        )
    return level
