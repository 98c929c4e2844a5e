"""Validation of the prompt answers, shared by the hooks and the Jinja extension.

Stdlib only: the hooks run under cookiecutter's own interpreter, which for a
real user (pipx, `uv tool`) holds cookiecutter and nothing else.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from flask_db_template.api_code import check_api
from flask_db_template.modelspec import SpecError, parse


class AnswerError(ValueError):
    """An answer that cannot make a working project; str() is one line."""


# Import names the baked project depends on or creates itself: a package with
# one of these names would shadow it (or be shadowed) at import time.
RESERVED_PACKAGE_NAMES = frozenset(
    {
        "alembic",
        "apispec",
        "app",
        "bin",
        "blinker",
        "click",
        "conftest",
        "dotenv",
        "flask",
        "flask_migrate",
        "flask_smorest",
        "flask_sqlalchemy",
        "greenlet",
        "gunicorn",
        "instance",
        "itsdangerous",
        "jinja2",
        "mako",
        "markupsafe",
        "marshmallow",
        "marshmallow_sqlalchemy",
        "migrations",
        "psycopg",
        "psycopg_binary",
        "pymysql",
        "pytest",
        "pytest_alembic",
        "ruff",
        "setup",
        "sqlalchemy",
        "test",
        "tests",
        "typing_extensions",
        "webargs",
        "werkzeug",
    }
)

SLUG_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
PACKAGE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def check_text(name: str, value: str, *, required: bool = True) -> str:
    """A free-text answer: one line, no control characters."""
    if not isinstance(value, str):
        raise AnswerError(f"{name}: expected text, got {value!r}")
    if CONTROL_CHARACTERS.search(value):
        raise AnswerError(
            f"{name}: {value!r} holds a newline or another control character; "
            "give it on one line"
        )
    if required and not value.strip():
        raise AnswerError(f"{name}: must not be empty")
    return value


def check_project_slug(slug: str) -> str:
    if not SLUG_PATTERN.fullmatch(slug):
        raise AnswerError(
            f"project_slug: {slug!r} is not a valid folder and distribution name; "
            "use lowercase letters, digits and single dashes, starting with a letter "
            "(for example 'my-flask-app')"
        )
    return slug


def check_package_name(name: str) -> str:
    if not PACKAGE_PATTERN.fullmatch(name):
        raise AnswerError(
            f"package_name: {name!r} is not a Python package name; use lowercase "
            "letters, digits and underscores, starting with a letter "
            "(for example 'my_flask_app')"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise AnswerError(f"package_name: {name!r} is a Python keyword")
    # sys.stdlib_module_names is new in 3.10; cookiecutter may run on an older Python.
    if name in getattr(sys, "stdlib_module_names", ()):
        raise AnswerError(
            f"package_name: {name!r} is a module of Python's standard library; "
            "the project's package would shadow it"
        )
    if name in RESERVED_PACKAGE_NAMES:
        raise AnswerError(
            f"package_name: {name!r} is the name of a dependency or of a folder of "
            "the baked project; choose another"
        )
    return name


def check_email(email: str) -> str:
    check_text("email", email, required=False)
    if email and not EMAIL_PATTERN.fullmatch(email):
        raise AnswerError(
            f"email: {email!r} is not an email address (or leave it empty)"
        )
    return email


@dataclass(frozen=True)
class DatabaseURL:
    """A database URL as the baked project writes it, with its driver."""

    url: str
    dialect: str  # "sqlite", "postgresql" or "mysql"

    @property
    def driver_requirements(self) -> tuple[str, ...]:
        return DRIVER_REQUIREMENTS[self.dialect]

    @property
    def server(self) -> str:
        """The server compose.yaml runs: postgresql, mariadb or mysql; sqlite
        for none."""
        return "mariadb" if self.url.startswith("mariadb") else self.dialect


# SQLAlchemy 2.1 maps postgresql:// to psycopg 3, but mysql:// still means
# mysqlclient (a C extension), so every server URL is written with its driver.
SCHEMES = {
    "sqlite": ("sqlite", "sqlite"),
    "postgresql": ("postgresql", "postgresql+psycopg"),
    "postgres": ("postgresql", "postgresql+psycopg"),
    "postgresql+psycopg": ("postgresql", "postgresql+psycopg"),
    "mysql": ("mysql", "mysql+pymysql"),
    "mysql+pymysql": ("mysql", "mysql+pymysql"),
    "mariadb": ("mysql", "mariadb+pymysql"),
    "mariadb+pymysql": ("mysql", "mariadb+pymysql"),
}
DRIVER_REQUIREMENTS = {
    "sqlite": (),
    "postgresql": ("psycopg[binary]>=3.2",),
    "mysql": ("PyMySQL>=1.1",),
}


def parse_database_url(url: str) -> DatabaseURL:
    """Check a database URL and write it with the driver the project installs."""
    check_text("database_url", url)
    url = url.strip()
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise AnswerError(
            f"database_url: {url!r} is not a URL; for example "
            "sqlite:///app.db or postgresql://user:password@localhost/app"
        )
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        known = ", ".join(sorted({s.split("+")[0] for s in SCHEMES}))
        raise AnswerError(
            f"database_url: the scheme {scheme!r} is not supported; use one of "
            f"{known} (drivers: psycopg for PostgreSQL, PyMySQL for MySQL/MariaDB)"
        )
    dialect, written_scheme = SCHEMES[scheme]
    if dialect == "sqlite":
        if rest in ("", "/", "/:memory:"):
            raise AnswerError(
                f"database_url: {url!r} is an in-memory database, which forgets "
                "everything when the app stops; give a file, e.g. sqlite:///app.db"
            )
        if not rest.startswith("/"):
            raise AnswerError(
                f"database_url: {url!r} has a host; a SQLite URL is "
                "sqlite:///relative/path.db or sqlite:////absolute/path.db"
            )
        return DatabaseURL(f"sqlite://{rest}", dialect)
    try:
        parts = urlsplit(f"{written_scheme}://{rest}")
        port = parts.port
    except ValueError as error:
        raise AnswerError(f"database_url: {url!r} does not parse: {error}") from None
    if not parts.hostname:
        raise AnswerError(f"database_url: {url!r} names no host")
    if port == 0:
        raise AnswerError(f"database_url: {url!r} has port 0")
    if parts.path.strip("/") == "" or "/" in parts.path.strip("/"):
        raise AnswerError(
            f"database_url: {url!r} names no database; add it after the host, "
            "e.g. postgresql://user@localhost/app"
        )
    return DatabaseURL(urlunsplit(parts), dialect)


def example_database_url(url: str) -> str:
    """The URL for .env.example (a tracked file): any password replaced."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:change-me@{host}"))


# The model and table of the API's tokens (the baked auth.py).
API_TOKEN_MODEL = "ApiToken"
API_TOKEN_TABLE = "api_tokens"


def check_api_auth_names(schema) -> None:
    """The API's token model and table share the models' names."""
    for model in schema.models:
        tables = {model.table} | {link.table for link in model.many}
        if model.name == API_TOKEN_MODEL or API_TOKEN_TABLE in tables:
            raise AnswerError(
                f"models: {model.name} clashes with the API's tokens (model "
                f"{API_TOKEN_MODEL}, table {API_TOKEN_TABLE}); rename it, or "
                "answer no to api_auth"
            )


def check_answers(answers: dict) -> DatabaseURL:
    """Every answer that is not the models line; the first problem raises."""
    check_text("project_name", answers["project_name"])
    check_project_slug(answers["project_slug"])
    check_package_name(answers["package_name"])
    check_text("description", answers["description"], required=False)
    check_text("author_name", answers["author_name"], required=False)
    check_email(answers["email"])
    for flag in ("api", "api_auth", "timestamps", "create_venv"):
        if not isinstance(answers[flag], bool):
            raise AnswerError(f"{flag}: expected yes or no, got {answers[flag]!r}")
    return parse_database_url(answers["database_url"])


def find_problem(answers: dict) -> str | None:
    """The one-line problem with the answers, or None when they make a project.

    `answers["__models"]` is the models answer resolved at prompt time: the
    text itself, or `@/absolute/path` when that file could not be read.
    """
    try:
        check_answers(answers)
        models = answers["__models"]
        if models.startswith("@"):
            try:
                Path(models[1:]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                reason = getattr(error, "strerror", None) or error
                return f"models: cannot read {models[1:]}: {reason}"
        schema = parse(models, timestamps=answers["timestamps"])
        if answers["api"]:
            check_api(schema)
            if answers["api_auth"]:
                check_api_auth_names(schema)
    except AnswerError as error:
        return str(error)
    except SpecError as error:
        return f"models: {error}"
    return None
