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
import zlib

import click

ENVIRONMENTS = ("production", "development")
MIN_SECRET_KEY_LENGTH = 32
# A key of enough length can still be guessable: one character repeated, a
# word written four times. A production key has at least this many different
# characters (a random hex key of 32 has fewer with odds of 1 in 28 million)...
MIN_SECRET_KEY_CHARACTERS = 8
# ... and does not repeat itself: compressed with LZ77 alone (deflate with its
# fixed codes, which gain nothing from a small alphabet, only from repeats),
# it keeps at least this share of its length. Random hex or base64 keeps
# 0.9 and more; `'change-me' * 4` keeps 0.39, 32 spaces 0.16.
MIN_SECRET_KEY_UNREPEATED = 0.7
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
    one shorter than MIN_SECRET_KEY_LENGTH, one of fewer than
    MIN_SECRET_KEY_CHARACTERS different characters, or one that repeats
    itself (see MIN_SECRET_KEY_UNREPEATED)."""
    if key.strip().lower() in PLACEHOLDER_SECRET_KEYS:
        raise ConfigurationError(
            f"{name} is a placeholder ({key!r}); make one with {MAKE_A_KEY}"
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"{name} has {len(key)} characters; production needs at least "
            f"{MIN_SECRET_KEY_LENGTH} random ones: make one with {MAKE_A_KEY}"
        )
    if len(set(key)) < MIN_SECRET_KEY_CHARACTERS:
        raise ConfigurationError(
            f"{name} has only {len(set(key))} different characters; production "
            f"needs at least {MIN_SECRET_KEY_CHARACTERS}, at random: make one "
            f"with {MAKE_A_KEY}"
        )
    if unrepeated_share(key) < MIN_SECRET_KEY_UNREPEATED:
        raise ConfigurationError(
            f"{name} repeats itself (a word or characters written again), "
            f"which makes it easy to guess: make one with {MAKE_A_KEY}"
        )


def unrepeated_share(text: str) -> float:
    """What is left of `text` once its repeats are written as references to
    their first occurrence (raw deflate with fixed codes), as a share of its
    length in bytes."""
    data = text.encode("utf-8", "surrogatepass")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_FIXED)
    return len(compressor.compress(data) + compressor.flush()) / len(data)


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
