"""Settings, read from the environment.

DATABASE_URL may be written `postgres://`, `postgresql://`, `mysql://` or
`mariadb://` (as hosting platforms set it): database_url.py names the
installed driver.

The `flask` command loads .env (secrets, git-ignored) and .flaskenv first;
anywhere else (gunicorn, a container) the environment sets them.
"""

import os
from dataclasses import dataclass
{%- if cookiecutter.api %}
from typing import ClassVar
{%- endif %}

import click

from .database_url import with_installed_driver

# The largest request body the app reads, in bytes (MAX_CONTENT_LENGTH in the
# environment): a larger one is answered 413 without being read.
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024


class ConfigurationError(click.ClickException):
    """A setting the app cannot start without is missing or unusable.

    A ClickException, so that `flask ...` shows it as one line, not a traceback.
    """


@dataclass(frozen=True)
class Config:
    SECRET_KEY: str
    SQLALCHEMY_DATABASE_URI: str
    TESTING: bool = False
    MAX_CONTENT_LENGTH: int = DEFAULT_MAX_CONTENT_LENGTH
{%- if cookiecutter.api %}

    # The REST API's OpenAPI document, and its interactive docs (Swagger UI,
    # its scripts from a CDN): the same for every environment.
    {{ cookiecutter.project_name | api_title_statement }}
    API_VERSION: ClassVar[str] = "1"
    OPENAPI_VERSION: ClassVar[str] = "3.1.0"
    OPENAPI_URL_PREFIX: ClassVar[str] = "/api"
    OPENAPI_JSON_PATH: ClassVar[str] = "openapi.json"
    # At /api/ itself: /api/<name> is a table's, whatever tables there are.
    OPENAPI_SWAGGER_UI_PATH: ClassVar[str] = "/"
    OPENAPI_SWAGGER_UI_URL: ClassVar[str] = (
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/"
    )
{%- endif %}

    @classmethod
    def from_environment(cls) -> "Config":
        return cls(
            SECRET_KEY=required_variable("SECRET_KEY"),
            SQLALCHEMY_DATABASE_URI=with_installed_driver(
                required_variable("DATABASE_URL")
            ),
            MAX_CONTENT_LENGTH=byte_count_variable(
                "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH
            ),
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
