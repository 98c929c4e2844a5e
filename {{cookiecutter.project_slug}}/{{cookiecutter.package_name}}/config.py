"""Settings, read from the environment.

The `flask` command loads .env (secrets, git-ignored) and .flaskenv first;
anywhere else (gunicorn, a container) the environment sets them.
"""

import os
from dataclasses import dataclass
from typing import ClassVar


class ConfigurationError(RuntimeError):
    """A setting the app cannot start without is missing."""


@dataclass(frozen=True)
class Config:
    SECRET_KEY: str
    SQLALCHEMY_DATABASE_URI: str
    TESTING: bool = False
    # Errors and logs show SQL without the values it was given: a password
    # hash, a secret token or a person's data never reaches a log line.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"hide_parameters": True}
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
            SQLALCHEMY_DATABASE_URI=required_variable("DATABASE_URL"),
        )


def required_variable(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(
            f"{name} is not set: run `python3 bin/setup` to write .env, "
            "or set it in the environment (see .env.example)"
        )
    return value
