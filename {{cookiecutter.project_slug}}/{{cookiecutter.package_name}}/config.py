"""Settings, read from the environment.

The `flask` command loads .env (secrets, git-ignored) and .flaskenv first;
anywhere else (gunicorn, a container) the environment sets them. .env.example
lists them all.

APP_ENV is `production` unless it says `development` (.flaskenv does, for
the `flask` command): a server that was told nothing runs with the checks
and the secure settings, never the other way round. In production the app
refuses to start with a SECRET_KEY that is short or a known placeholder.
"""

from dataclasses import dataclass, field
from typing import ClassVar

from flask_db_kit.database_url import with_installed_driver
from flask_db_kit.settings import (
    DEFAULT_MAX_CONTENT_LENGTH,
    byte_count_variable,
    check_secret_key,
    count_variable,
    environment_name,
    list_variable,
    log_level,
    required_variable,
)


@dataclass(frozen=True)
class Config:
    SECRET_KEY: str
    SQLALCHEMY_DATABASE_URI: str
    TESTING: bool = False
    # The checks and the secure settings (APP_ENV=production).
    PRODUCTION: bool = False
    # Old keys that still verify what they signed while a new SECRET_KEY
    # takes over: Flask's key rotation.
    SECRET_KEY_FALLBACKS: list[str] = field(default_factory=list)
    # How many proxies (load balancer, ingress) in front of the app set
    # X-Forwarded-For/-Proto/-Host/-Port/-Prefix; 0 trusts no such header.
    TRUSTED_PROXIES: int = 0
{%- if cookiecutter.api %}
    # The origins whose scripts may call the API from a browser; none by default.
    CORS_ORIGINS: list[str] = field(default_factory=list)
{%- endif %}
    # The largest request body; a larger one gets a 413 without being read.
    MAX_CONTENT_LENGTH: int = DEFAULT_MAX_CONTENT_LENGTH
    LOG_LEVEL: str = "INFO"

    # Session cookies: never read by scripts, not sent by other sites' forms.
    SESSION_COOKIE_HTTPONLY: ClassVar[bool] = True
    SESSION_COOKIE_SAMESITE: ClassVar[str] = "Lax"
    # Errors and logs show SQL without the values it was given: a password
    # hash, a token or a person's data never reaches a log line.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"hide_parameters": True}
{%- if cookiecutter.api %}
    # The REST API's OpenAPI document: its title and version.
    {{ cookiecutter.project_name | api_title_statement }}
    API_VERSION: ClassVar[str] = "1"
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
        return cls(
            SECRET_KEY=required_variable("SECRET_KEY"),
            # `postgres://` or `mysql://`, as hosting platforms write it,
            # becomes the URL of the driver that is installed.
            SQLALCHEMY_DATABASE_URI=with_installed_driver(
                required_variable("DATABASE_URL")
            ),
            PRODUCTION=environment_name() == "production",
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
