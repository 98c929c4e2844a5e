"""Settings, read from the environment.

The `flask` command loads .env (secrets, git-ignored) and .flaskenv first;
anywhere else (gunicorn, a container) the environment sets them.
"""

import os
from dataclasses import dataclass


class ConfigurationError(RuntimeError):
    """A setting the app cannot start without is missing."""


@dataclass(frozen=True)
class Config:
    SECRET_KEY: str
    SQLALCHEMY_DATABASE_URI: str
    TESTING: bool = False

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
