"""Settings, read from the environment.

DATABASE_URL may be written `postgres://`, `postgresql://`, `mysql://` or
`mariadb://` (as hosting platforms set it): database_url.py names the
installed driver.

The `flask` command loads .env (secrets, git-ignored) and .flaskenv first;
anywhere else (gunicorn, a container) the environment sets them.

APP_ENV is `production` unless it says `development` (.flaskenv does, for
the `flask` command): a server that was told nothing runs with the checks
and the secure settings, never the other way round. In production the app
refuses to start with debug on, or with a SECRET_KEY that is short or a
known placeholder (security.py checks the debug flag).
"""

import os
from dataclasses import dataclass, field
from typing import ClassVar

import click

from .database_url import with_installed_driver

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
# MAX_CONTENT_LENGTH in the environment changes it.
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024


class ConfigurationError(click.ClickException):
    """A setting the app cannot start with is missing or wrong.

    A ClickException, so that `flask ...` shows it as one line, not a traceback.
    """


@dataclass(frozen=True)
class Config:
    SECRET_KEY: str
    SQLALCHEMY_DATABASE_URI: str
    TESTING: bool = False
    # The checks and the secure settings below (APP_ENV=production).
    PRODUCTION: bool = False
    # Old keys that still verify what they signed, while a new SECRET_KEY
    # takes over: Flask's key rotation.
    SECRET_KEY_FALLBACKS: list[str] = field(default_factory=list)
    # How many proxies (load balancer, ingress) in front of the app set
    # X-Forwarded-For/-Proto/-Host/-Port/-Prefix; 0 trusts no such header.
    TRUSTED_PROXIES: int = 0
{%- if cookiecutter.api %}
    # The origins whose scripts may call the API from a browser; none by default.
    CORS_ORIGINS: list[str] = field(default_factory=list)
{%- endif %}
    MAX_CONTENT_LENGTH: int = DEFAULT_MAX_CONTENT_LENGTH
    LOG_LEVEL: str = "INFO"

    # Session cookies: never read by scripts, not sent by other sites' forms.
    SESSION_COOKIE_HTTPONLY: ClassVar[bool] = True
    SESSION_COOKIE_SAMESITE: ClassVar[str] = "Lax"
    # Errors and logs show SQL without the values it was given: a password
    # hash, a secret token or a person's data never reaches a log line.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"hide_parameters": True}
{%- if cookiecutter.api %}

    # The REST API's OpenAPI document, the same for every environment; its
    # docs page is docs_page.py's.
    {{ cookiecutter.project_name | api_title_statement }}
    API_VERSION: ClassVar[str] = "1"
    OPENAPI_VERSION: ClassVar[str] = "3.1.0"
    OPENAPI_URL_PREFIX: ClassVar[str] = "/api"
    OPENAPI_JSON_PATH: ClassVar[str] = "openapi.json"
{%- endif %}

    def __post_init__(self) -> None:
        if self.PRODUCTION:
            check_secret_key("SECRET_KEY", self.SECRET_KEY)
            for fallback in self.SECRET_KEY_FALLBACKS:
                check_secret_key("SECRET_KEY_FALLBACKS", fallback)

    @property
    def SESSION_COOKIE_SECURE(self) -> bool:
        """In production, cookies go over HTTPS only."""
        return self.PRODUCTION

    @classmethod
    def from_environment(cls) -> "Config":
        production = environment_name() == "production"
        return cls(
            SECRET_KEY=required_variable("SECRET_KEY"),
            SQLALCHEMY_DATABASE_URI=with_installed_driver(
                required_variable("DATABASE_URL")
            ),
            PRODUCTION=production,
            SECRET_KEY_FALLBACKS=list_variable("SECRET_KEY_FALLBACKS"),
            TRUSTED_PROXIES=count_variable("TRUSTED_PROXIES", 0),
{%- if cookiecutter.api %}
            CORS_ORIGINS=list_variable("CORS_ORIGINS"),
{%- endif %}
            MAX_CONTENT_LENGTH=byte_count_variable(
                "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH
            ),
            LOG_LEVEL=log_level(),
        )


def environment_name() -> str:
    name = os.environ.get("APP_ENV", "production").strip().lower() or "production"
    if name not in ENVIRONMENTS:
        raise ConfigurationError(
            f"APP_ENV is {name!r}; it is production (the default) or development"
        )
    return name


def check_secret_key(name: str, key: str) -> None:
    if key.strip().lower() in PLACEHOLDER_SECRET_KEYS:
        raise ConfigurationError(
            f"{name} is a placeholder ({key!r}); make one with "
            '`python3 -c "import secrets; print(secrets.token_hex(32))"`'
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"{name} has {len(key)} characters; production needs at least "
            f"{MIN_SECRET_KEY_LENGTH} random ones: make one with "
            '`python3 -c "import secrets; print(secrets.token_hex(32))"`'
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
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigurationError(f"{name} is {value!r}; it must be a whole number")
    return int(value)


def log_level() -> str:
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigurationError(
            f"LOG_LEVEL is {level!r}; use DEBUG, INFO, WARNING, ERROR or CRITICAL"
        )
    return level
