"""Validation of the prompt answers, shared by the hooks and the Jinja extension.

Stdlib only: the hooks run under cookiecutter's own interpreter, which for a
real user (pipx, `uv tool`) holds cookiecutter and nothing else.
"""

from __future__ import annotations

import keyword
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from flask_db_template.api_code import check_api
from flask_db_template.database_limits import check_database_limits
from flask_db_template.modelspec import SpecError, parse


class AnswerError(ValueError):
    """An answer that cannot make a working project; str() is one line."""


# Import names of what the baked project is made of: a package with one of
# these names would shadow it, or be shadowed, at import time.
PROJECT_NAMES = frozenset(
    {"app", "bin", "conftest", "instance", "migrations", "setup", "test", "tests"}
)
# Every top-level module of the baked project's dependencies (runtime, dev, the
# drivers) and of the tools its setup runs (pip, setuptools), with theirs: a
# package of one of these names breaks `python -m pip`, pytest or the app.
# Computed from what the template's test environment has installed (see
# dependency_modules() below; `make dependency-modules` rewrites the file, and
# tests/test_faults.py fails when it is stale): the hooks run under
# cookiecutter's own interpreter, which holds none of these packages.
DEPENDENCY_MODULES_FILE = Path(__file__).with_name("dependency_modules.txt")
# The distributions that setup and the project's tools run, besides the
# requirements of the baked pyproject.toml.
TOOL_DISTRIBUTIONS = ("pip", "setuptools")
# Names in file names: the project's folder, and the files installers name
# after it (`__editable___<name>_0_1_0_finder.py`, 33 characters more) must
# stay within the 255 bytes a file name may have on common file systems.
MAX_NAME_LENGTH = 200
# The models answer, typed or read from its file.
MAX_MODELS_ANSWER_BYTES = 1024 * 1024


def dependency_module_names() -> frozenset[str]:
    """The committed list of the dependencies' top-level modules."""
    lines = DEPENDENCY_MODULES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


# Modules of dependencies that other allowed versions have: SQLAlchemy 2.0
# (the project allows >=2.0.36) requires greenlet; the 2.1 computed from does not.
OTHER_VERSIONS_MODULES = frozenset({"greenlet"})


def reserved_package_names() -> frozenset[str]:
    return PROJECT_NAMES | OTHER_VERSIONS_MODULES | dependency_module_names()


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
    if name in reserved_package_names():
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


def check_answers(answers: dict) -> DatabaseURL:
    """Every answer that is not the models line; the first problem raises."""
    check_text("project_name", answers["project_name"])
    check_name_lengths(answers)
    check_project_slug(answers["project_slug"])
    check_package_name(answers["package_name"])
    check_text("description", answers["description"], required=False)
    check_text("author_name", answers["author_name"], required=False)
    check_email(answers["email"])
    for flag in ("api", "timestamps", "create_venv"):
        if not isinstance(answers[flag], bool):
            raise AnswerError(f"{flag}: expected yes or no, got {answers[flag]!r}")
    return parse_database_url(answers["database_url"])


def find_problem(answers: dict) -> str | None:
    """The one-line problem with the answers, or None when they make a project.

    `answers["__models"]` is the models answer resolved at prompt time: the
    text itself, or `@/absolute/path` when that file could not be read.
    """
    try:
        database_url = check_answers(answers)
        models = answers["__models"]
        if models.startswith("@"):
            read_models_file(Path(models[1:]))
        check_models_answer_size(models)
        schema = parse(models, timestamps=answers["timestamps"])
        check_database_limits(schema, database_url.dialect)
        if answers["api"]:
            check_api(schema)
    except AnswerError as error:
        return str(error)
    except SpecError as error:
        return f"models: {error}"
    return None


# --- Limits: names, the models answer and its file -------------------------------


def check_name_lengths(answers: dict) -> None:
    """The slug and the package name become file names: within the file system's."""
    for name in ("project_slug", "package_name"):
        value = answers[name]
        if isinstance(value, str) and len(value.encode()) > MAX_NAME_LENGTH:
            derived = " (or the project_name it is made from)" * (
                name == "project_slug"
            )
            raise AnswerError(
                f"{name}: {len(value)} characters, over the {MAX_NAME_LENGTH} that a "
                f"folder and the files named after it may have; shorten it{derived}"
            )


def check_models_answer_size(models: str) -> None:
    size = len(models.encode("utf-8", "surrogatepass"))
    if size > MAX_MODELS_ANSWER_BYTES:
        raise AnswerError(
            f"models: the answer is {size} bytes, over the limit of "
            f"{MAX_MODELS_ANSWER_BYTES}"
        )


def read_models_file(path: Path) -> str:
    """The text of a models file: a regular file of UTF-8 text, read with a limit.

    Opened without blocking and checked before reading, so that a pipe, a
    device (/dev/zero) or a directory is refused at once rather than read
    forever.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise AnswerError(f"models: cannot read {path}: {error.strerror}") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise AnswerError(
            f"models: {path} is not a regular file (a directory, device or "
            "pipe); give the path of a file holding the models"
        )
    with os.fdopen(descriptor, "rb") as file:
        try:
            data = file.read(MAX_MODELS_ANSWER_BYTES + 1)
        except OSError as error:
            raise AnswerError(f"models: cannot read {path}: {error.strerror}") from None
    if len(data) > MAX_MODELS_ANSWER_BYTES:
        raise AnswerError(
            f"models: {path} holds more than {MAX_MODELS_ANSWER_BYTES} bytes, "
            "the limit of a models answer"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise AnswerError(
            f"models: {path} is not UTF-8 text (byte {error.start})"
        ) from None


# --- The dependencies' module names, computed at template-development time -------


def dependency_modules(pyproject_text: str) -> list[str]:
    """Every top-level module of the baked project's requirements (given the
    text of its pyproject.toml template, every option on) and of the tools,
    with their requirements, from the distributions installed here.

    Platform markers count as true (a Windows user's project imports
    colorama); a requirement that is not installed here counts by its
    normalized name. Needs `packaging`, which the test environment has.
    """
    from importlib import metadata

    from packaging.requirements import Requirement

    roots = re.findall(r'^\s*"([^"{}]+)",\s*$', pyproject_text, re.MULTILINE)
    roots += [r for rs in DRIVER_REQUIREMENTS.values() for r in rs]
    roots += list(TOOL_DISTRIBUTIONS)
    modules_of: dict[str, set[str]] = {}
    for module, distributions in metadata.packages_distributions().items():
        for distribution in distributions:
            modules_of.setdefault(normalized(distribution), set()).add(module)
    environments = [{}, {"sys_platform": "win32", "platform_system": "Windows"}]
    environments.append({"sys_platform": "darwin", "platform_system": "Darwin"})
    seen: set[str] = set()
    pending = [Requirement(root) for root in roots]
    modules: set[str] = set()
    while pending:
        requirement = pending.pop()
        name = normalized(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        modules |= modules_of.get(name, {name.replace("-", "_")})
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            needed = Requirement(text)
            if needed.marker is None or any(
                needed.marker.evaluate({**environment, "extra": extra})
                for environment in environments
                for extra in ("", *requirement.extras)
            ):
                pending.append(needed)
    return sorted(
        module
        for module in modules
        if module.isidentifier() and module not in sys.stdlib_module_names
    )


def normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def write_dependency_modules() -> None:
    """`make dependency-modules`: rewrite the committed list from this environment."""
    from tests.baking import TEMPLATE_DIR

    names = dependency_modules((TEMPLATE_DIR / "pyproject.toml").read_text())
    DEPENDENCY_MODULES_FILE.write_text(
        "# Top-level modules of the baked project's dependencies and tools: not\n"
        "# package names. Made by `make dependency-modules`; do not edit.\n"
        + "".join(f"{name}\n" for name in names),
        encoding="utf-8",
    )


if __name__ == "__main__":
    write_dependency_modules()
