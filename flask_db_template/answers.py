"""Validation of the prompt answers, shared by the hooks and the Jinja extension.

Stdlib only: the hooks run under cookiecutter's own interpreter, which for a
real user (pipx, `uv tool`) holds cookiecutter and nothing else.
"""

from __future__ import annotations

import difflib
import keyword
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from flask_db_template import vendoring
from flask_db_template.database_limits import (
    check_database_limits,
    check_server_features,
)
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


# What a slug derived from a project name that starts with a digit is given
# in front, so that it starts with a letter ('7-7-app' becomes
# 'project-7-7-app'), as folders, distributions and packages must.
SLUG_PREFIX = "project-"


def slug_starting_with_a_letter(slug: str) -> str:
    """A slug made from the project name (cookiecutter's `slugify`), made to
    start with a letter when the name starts with a digit."""
    if slug[:1].isdigit():
        return SLUG_PREFIX + slug
    return slug


def check_project_slug(slug: str) -> str:
    check_name_length("project_slug", slug)
    if not SLUG_PATTERN.fullmatch(slug):
        raise AnswerError(
            f"project_slug: {slug!r} is not a valid folder and distribution name; "
            "use lowercase letters, digits and single dashes, starting with a letter "
            "(for example 'my-flask-app')"
        )
    return slug


def check_package_name(name: str) -> str:
    check_name_length("package_name", name)
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

# SQLAlchemy's own reading of a URL (sqlalchemy.engine.url._parse_url, the
# same since 1.4), so that the check and the app split a URL at the same
# places: tests/test_answers.py compares the two on generated URLs.
SQLALCHEMY_URL_PATTERN = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)
# Characters that a user name or password must hold percent-encoded: raw,
# they end the part they are in for one reader of URLs and not for another.
URL_DELIMITERS = {"@": "%40", "/": "%2F", ":": "%3A", "#": "%23", "?": "%3F"}
MASKED_PASSWORD = "***"

# The query options each driver takes (SQLAlchemy passes them on as
# connection arguments; anything else fails at the first connection).
# libpq's connection keywords, as psycopg.pq.Conninfo.get_defaults() lists
# them, less those the URL itself sets:
POSTGRESQL_OPTIONS = frozenset(
    """application_name channel_binding client_encoding connect_timeout
    fallback_application_name gssdelegation gssencmode gsslib host hostaddr
    keepalives keepalives_count keepalives_idle keepalives_interval krbsrvname
    load_balance_hosts max_protocol_version min_protocol_version options
    passfile port replication require_auth requirepeer service
    ssl_max_protocol_version ssl_min_protocol_version sslcert sslcertmode
    sslcompression sslcrl sslcrldir sslkey sslkeylogfile sslmode sslnegotiation
    sslpassword sslrootcert sslsni target_session_attrs tcp_user_timeout""".split()
)
# PyMySQL's connect() arguments that are text, plus the ssl_* keys that
# SQLAlchemy's MySQL dialect gathers into PyMySQL's `ssl` argument.
MYSQL_OPTIONS = frozenset(
    """unix_socket charset collation sql_mode read_default_file use_unicode
    client_flag init_command connect_timeout read_default_group autocommit
    local_infile max_allowed_packet defer_connect read_timeout write_timeout
    bind_address binary_prefix program_name server_public_key ssl_ca ssl_cert
    ssl_disabled ssl_key ssl_key_password ssl_verify_cert ssl_verify_identity
    ssl_capath ssl_cipher ssl_check_hostname compress named_pipe""".split()
)
# pysqlite's arguments, as SQLAlchemy reads them; with uri=true, SQLite's
# own URI parameters too.
SQLITE_OPTIONS = frozenset(
    "timeout isolation_level detect_types check_same_thread cached_statements uri".split()
)
SQLITE_URI_OPTIONS = frozenset("mode cache immutable nolock vfs psow modeof".split())
INTEGER_OPTIONS = frozenset(
    """connect_timeout read_timeout write_timeout client_flag port keepalives
    keepalives_count keepalives_idle keepalives_interval tcp_user_timeout
    max_allowed_packet detect_types cached_statements""".split()
)
BOOLEAN_OPTIONS = frozenset(
    """compress local_infile use_unicode ssl_check_hostname autocommit
    check_same_thread uri""".split()
)
OPTIONS_HINT = {
    "postgresql": "psycopg does not take (it takes libpq's connection "
    "parameters, e.g. sslmode, host, connect_timeout, application_name)",
    "mysql": "PyMySQL does not take (e.g. charset, unix_socket, ssl_ca, "
    "connect_timeout are its options)",
}
BOOLEAN_WORDS = frozenset("true false yes no on off 1 0 t f y n".split())
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class URLParts:
    """A URL split as SQLAlchemy splits it; user name and password percent-decoded."""

    scheme: str
    username: str | None
    password: str | None
    host: str | None
    port: str | None
    database: str | None
    query: tuple[tuple[str, str], ...]


def split_url(url: str) -> URLParts | None:
    """The parts of a URL, or None when it is not of the form scheme://..."""
    match = SQLALCHEMY_URL_PATTERN.match(url)
    if match is None:
        return None
    parts = match.groupdict()
    return URLParts(
        scheme=parts["name"],
        username=None if parts["username"] is None else unquote(parts["username"]),
        password=None if parts["password"] is None else unquote(parts["password"]),
        host=parts["ipv4host"] or parts["ipv6host"],
        port=parts["port"],
        database=None if parts["database"] is None else unquote(parts["database"]),
        query=tuple(parse_qsl(parts["query"] or "")),
    )


def masked_url(url: str) -> str:
    """The URL with its password replaced, for messages: never shows a password.

    Meant for URLs that passed parse_database_url, whose password cannot
    spill into another part.
    """
    match = SQLALCHEMY_URL_PATTERN.match(url)
    if match is None:
        return "the URL"
    if match.group("password") is None:
        return url
    start, end = match.span("password")
    return url[:start] + MASKED_PASSWORD + url[end:]


def check_userinfo(parts: URLParts, raw_url: str) -> None:
    """A raw delimiter in the user name or password: refused, told how to encode."""
    match = SQLALCHEMY_URL_PATTERN.match(raw_url)
    raw_username, raw_password = match.group("username"), match.group("password")
    # With a raw "@" in the password, SQLAlchemy ends it at the first "@",
    # and the rest of the password becomes the host (or the database).
    if raw_username is not None:
        after_userinfo = raw_url[
            match.end("password" if raw_password is not None else "username") + 1 :
        ]
        if "@" in after_userinfo.partition("?")[0]:
            raise AnswerError(percent_encode_message("password", "@"))
    for name, raw in (("user name", raw_username), ("password", raw_password)):
        for character in URL_DELIMITERS:
            if raw is not None and character in raw:
                raise AnswerError(percent_encode_message(name, character))
    if "#" in raw_url:
        raise AnswerError(
            "database_url: the URL holds a raw '#'; percent-encode it as %23"
        )


def percent_encode_message(part: str, character: str) -> str:
    return (
        f"database_url: the {part} holds a raw {character!r}, which ends that part "
        f"of a URL; percent-encode it ({character} is {URL_DELIMITERS[character]}; "
        "in Python: urllib.parse.quote(password, safe=''))"
    )


def check_query(parts: URLParts, dialect: str, shown: str) -> None:
    """Query options the driver takes, with values it can read."""
    keys = {key for key, _ in parts.query}
    allowed = {"postgresql": POSTGRESQL_OPTIONS, "mysql": MYSQL_OPTIONS}.get(
        dialect, SQLITE_OPTIONS
    )
    if dialect == "sqlite" and ("uri", "true") in parts.query:
        allowed = allowed | SQLITE_URI_OPTIONS
    for key, value in parts.query:
        if key not in allowed:
            raise AnswerError(
                f"database_url: {shown} has the option {key!r}, which "
                f"{OPTIONS_HINT.get(dialect) or sqlite_hint(allowed)}"
            )
        if key in INTEGER_OPTIONS and not value.isdigit():
            raise AnswerError(
                f"database_url: the option {key}={value!r} must be a whole number"
            )
        if key in BOOLEAN_OPTIONS and value.lower() not in BOOLEAN_WORDS:
            raise AnswerError(
                f"database_url: the option {key}={value!r} must be true or false"
            )
        if key == "sslmode" and value not in SSL_MODES:
            raise AnswerError(
                f"database_url: sslmode={value!r} is not one of {', '.join(SSL_MODES)}"
            )
    if len(keys) != len(parts.query):
        raise AnswerError(f"database_url: {shown} gives an option twice")


def sqlite_hint(allowed: set[str]) -> str:
    return f"SQLite does not take (its options: {', '.join(sorted(allowed))})"


def parse_database_url(url: str) -> DatabaseURL:
    """Check a database URL and write it with the driver the project installs.

    The URL is read as SQLAlchemy reads it, and only its scheme is rewritten,
    so the app connects to exactly what was checked. No message shows the
    password.
    """
    check_text("database_url", url)
    url = url.strip()
    scheme, separator, rest = url.partition("://")
    if not separator:
        # `postgresql:/...`, `sqlite:app.db`: a scheme, then a typo.
        head = re.match(r"[A-Za-z][\w+]*(?=:)", url)
        meant = closest(head.group().lower(), SCHEMES) if head else None
        after = f" (after {meant!r} comes '://')" if meant else ""
        raise AnswerError(
            f"database_url: not a URL (no scheme://){after}; for example "
            "sqlite:///app.db or postgresql://user:password@localhost/app"
        )
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        known = ", ".join(sorted({s.split("+")[0] for s in SCHEMES}))
        guess = closest(scheme, SCHEMES)
        meant = f" (did you mean {guess!r}?)" if guess else ""
        raise AnswerError(
            f"database_url: the scheme {scheme!r} is not supported{meant}; use one of "
            f"{known} (drivers: psycopg for PostgreSQL, PyMySQL for MySQL/MariaDB)"
        )
    dialect, written_scheme = SCHEMES[scheme]
    written = f"{written_scheme}://{rest}"
    parts = split_url(written)
    check_userinfo(parts, written)
    shown = masked_url(url)
    check_query(parts, dialect, shown)
    if dialect == "sqlite":
        check_sqlite(parts, shown)
    else:
        check_server(parts, dialect, shown, database_path(written))
    return DatabaseURL(written, dialect)


def check_sqlite(parts: URLParts, shown: str) -> None:
    options = dict(parts.query)
    database = parts.database or ""
    in_memory = (
        database in ("", ":memory:")
        or options.get("mode") == "memory"
        or (options.get("uri") == "true" and database.startswith("file::memory:"))
    )
    if parts.host or parts.username is not None or parts.port:
        raise AnswerError(
            f"database_url: {shown} has a host; a SQLite URL is "
            "sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    if in_memory:
        raise AnswerError(
            f"database_url: {shown} is an in-memory database, which forgets "
            "everything when the app stops; give a file, e.g. sqlite:///app.db"
        )


def database_path(url: str) -> str:
    """What follows the host, as written: a `/` in a database name is `%2F`
    there, while the decoded name holds it raw."""
    match = SQLALCHEMY_URL_PATTERN.match(url)
    return (match and match.group("database")) or ""


def check_server(parts: URLParts, dialect: str, shown: str, path: str) -> None:
    options = dict(parts.query)
    if parts.port is not None and parts.port != "":
        if not parts.port.isdigit() or not 0 < int(parts.port) < 65536:
            raise AnswerError(
                f"database_url: {shown} has the port {parts.port!r}; a port is a "
                "number from 1 to 65535"
            )
    socket_option = {"postgresql": "host", "mysql": "unix_socket"}[dialect]
    if not parts.host and not options.get(socket_option) and dialect == "mysql":
        raise AnswerError(
            f"database_url: {shown} names no host; give one (mysql://user@localhost/app) "
            "or a socket (mysql://user@/app?unix_socket=/run/mysqld/mysqld.sock)"
        )
    database = parts.database or ""
    if not database or "/" in path:
        example = {
            "postgresql": "postgresql://user@localhost/app",
            "mysql": "mysql://user@localhost/app",
        }[dialect]
        raise AnswerError(
            f"database_url: {shown} names no database; add it after the host, "
            f"e.g. {example}"
            + (" (a / in its name is written %2F)" if "/" in path else "")
        )


def example_database_url(url: str) -> str:
    """The URL for .env.example (a tracked file): any password replaced."""
    match = SQLALCHEMY_URL_PATTERN.match(url)
    if match is None or match.group("password") is None:
        return url
    start, end = match.span("password")
    return url[:start] + "change-me" + url[end:]


# The check of each answer that stands on its own, by variable name.
SINGLE_ANSWER_CHECKS = {
    "project_name": lambda value: check_text("project_name", value),
    "project_slug": check_project_slug,
    "package_name": check_package_name,
    "description": lambda value: check_text("description", value, required=False),
    "author_name": lambda value: check_text("author_name", value, required=False),
    "email": check_email,
    "database_url": parse_database_url,
}
# The yes/no answers. cookiecutter.json gives them as the text "yes" or "no",
# not as JSON booleans: cookiecutter converts a boolean variable's answer
# from the command line or a config file itself, before any code of this
# template runs, and ends a value it cannot convert in a traceback. As text,
# every answer reaches `yes_or_no`: refused in one line, or made a boolean
# (see `make_flags_booleans`) before any file is rendered.
FLAGS = ("api", "api_auth", "timestamps", "create_venv")
# The words cookiecutter's own yes/no prompt takes (cookiecutter.prompt.YesNoPrompt).
YES_WORDS = ("yes", "y", "true", "t", "on", "1")
NO_WORDS = ("no", "n", "false", "f", "off", "0")


def yes_or_no(name: str, value: object) -> bool:
    """A yes/no answer as a boolean: a boolean (a recorded answer, the
    keyboard's), or one of the words, in any case; raises AnswerError."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    # A typo of a word (`yse`, `ture`, `nope`): the word meant.
    guess = closest(word or "", [w for w in YES_WORDS + NO_WORDS if len(w) > 1])
    meant = f", did you mean {guess!r}?" if guess else ""
    raise AnswerError(
        f"{name}: expected yes or no, got {shown}{meant} "
        "(yes: y, yes, true or 1; no: n, no, false or 0)"
    )


def closest(word: str, candidates) -> str | None:
    """The candidate a mistyped word most likely meant, or None."""
    if not word:
        return None
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def make_flags_booleans(answers: dict) -> None:
    """Turn the yes/no answers into booleans, in place, so that the templates
    read `{% if cookiecutter.api %}`; raises AnswerError for the first that
    is neither. The one place where they are converted."""
    for flag in FLAGS:
        if flag in answers:
            answers[flag] = yes_or_no(flag, answers[flag])


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
    for name, check in SINGLE_ANSWER_CHECKS.items():
        check(answers[name])
    for flag in FLAGS:
        yes_or_no(flag, answers[flag])
    return parse_database_url(answers["database_url"])


def check_models(
    models: str,
    *,
    timestamps: bool,
    dialect: str | None,
    api_tokens: bool,
    server: str | None = None,
) -> None:
    """The models answer, resolved (its text, or `@/absolute/path` when that
    file could not be read), within what the database of `dialect` can
    create (when it is known), and beside the API's token table when there
    is one; raises AnswerError."""
    if models.startswith("@"):
        read_models_file(Path(models[1:]))
    check_models_answer_size(models)
    try:
        schema = parse(models, timestamps=timestamps)
        if dialect is not None:
            check_database_limits(schema, dialect)
        if server is not None:
            check_server_features(schema, server)
    except SpecError as error:
        raise AnswerError(f"models: {error}") from None
    if api_tokens:
        check_api_auth_names(schema)


def find_problem(answers: dict) -> str | None:
    """The one-line problem with the answers, or None when they make a project.

    `answers["__models"]` is the models answer resolved at prompt time: the
    text itself, or `@/absolute/path` when that file could not be read.
    """
    try:
        database_url = check_answers(answers)
        flags = {flag: yes_or_no(flag, answers[flag]) for flag in FLAGS}
        check_models(
            answers["__models"],
            timestamps=flags["timestamps"],
            dialect=database_url.dialect,
            server=database_url.server,
            api_tokens=flags["api"] and flags["api_auth"],
        )
    except AnswerError as error:
        return str(error)
    return None


# --- Limits: names, the models answer and its file -------------------------------


def check_name_length(name: str, value: str) -> None:
    """The slug and the package name become file names: within the file system's."""
    if isinstance(value, str) and len(value.encode()) > MAX_NAME_LENGTH:
        derived = " (or the project_name it is made from)" * (name == "project_slug")
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


# --- Limits: the project's folder and the deepest path in it --------------------

# Linux's PATH_MAX and NAME_MAX, where os.pathconf cannot tell.
DEFAULT_PATH_MAX = 4096
DEFAULT_NAME_MAX = 255
# SQLite's own limit on the path of a database file (MAX_PATHNAME of its Unix
# VFS), which its journal's path (the database's and "-journal") must keep
# too: a database path of 505 bytes fails ("unable to open database file").
# A relative sqlite:/// URL puts the file in the project's instance/.
SQLITE_MAX_PATHNAME = 512 - len("-journal")
# The template's folder of the project, and the answers its path names hold.
PROJECT_TEMPLATE_FOLDER = "{{cookiecutter.project_slug}}"
PATH_VARIABLE = re.compile(r"\{\{\s*cookiecutter\.(\w+)\s*\}\}")
# What the setup makes below the project's folder besides the template's
# files: the package's compiled modules, the editable install's files in
# .venv, and the deepest file of an installed dependency (the longest in the
# template's own dev environment is about 100 bytes below site-packages;
# this leaves room).
SITE_PACKAGES = ".venv/lib/python3.NN/site-packages"
SETUP_PATHS = (
    f"{SITE_PACKAGES}/{'-' * 160}",
    f"{SITE_PACKAGES}/__editable___{{package_name}}_0_1_0_finder.py",
    f"{SITE_PACKAGES}/{{package_name}}-0.1.0.dist-info/direct_url.json",
    "{package_name}/__pycache__/__init__.cpython-3NN.pyc",
)


def baked_paths(template_directory: Path, answers: dict) -> list[str]:
    """The paths below the project's folder, relative: the template's files
    with their names rendered, the library the hook copies into vendor/, and
    what the setup adds (SETUP_PATHS)."""
    folder = template_directory / PROJECT_TEMPLATE_FOLDER

    def rendered(text: str) -> str:
        return PATH_VARIABLE.sub(lambda match: str(answers[match.group(1)]), text)

    paths = [
        rendered(path.relative_to(folder).as_posix())
        for path in folder.rglob("*")
        if path.is_file()
    ]
    paths += vendoring.vendored_paths(template_directory)
    return paths + [path.format(**answers) for path in SETUP_PATHS]


def file_system_limits(path: Path) -> tuple[int, int]:
    """PATH_MAX and NAME_MAX where `path` would be, from its nearest existing folder."""
    existing = path
    while not exists(existing) and existing != existing.parent:
        existing = existing.parent
    try:
        return (
            os.pathconf(existing, "PC_PATH_MAX"),
            os.pathconf(existing, "PC_NAME_MAX"),
        )
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows)
        return DEFAULT_PATH_MAX, DEFAULT_NAME_MAX


def exists(path: Path) -> bool:
    """Whether `path` exists; not when it cannot be looked up (a name too long)."""
    try:
        return path.exists()
    except OSError:
        return False


def check_project_path(project: Path, template_directory: Path, answers: dict) -> None:
    """The project's folder, and every path the bake and its setup make below
    it, within the file system's limits: no file name over NAME_MAX bytes, no
    path over PATH_MAX; raises AnswerError."""
    project = Path(os.path.abspath(project))
    path_max, name_max = file_system_limits(project)
    relative = baked_paths(template_directory, answers)
    for name in [
        *project.parts[1:],
        *(p for path in relative for p in path.split("/")),
    ]:
        size = len(os.fsencode(name))
        if size > name_max:
            raise AnswerError(
                f"project folder: a name of {size} bytes ({shorter(name)}) in "
                f"{shorter(str(project))}, over the {name_max} a file name may "
                "have; choose a shorter --output-dir, project_slug or package_name"
            )
    deepest = max(relative, key=lambda path: len(os.fsencode(path)))
    size = len(os.fsencode(str(project))) + 1 + len(os.fsencode(deepest))
    if size >= path_max:  # PATH_MAX counts the final NUL
        raise AnswerError(
            f"project folder: {shorter(str(project))} would hold a path of {size} "
            f"bytes ({deepest[:40]}...), over the {path_max - 1} this system "
            "allows; choose a shorter --output-dir, project_slug or package_name"
        )
    database = sqlite_file_in_project(answers.get("database_url"))
    if database is not None:
        size = len(os.fsencode(str(project))) + 1 + len(os.fsencode(database))
        if size > SQLITE_MAX_PATHNAME:
            raise AnswerError(
                f"project folder: the SQLite database would be {shorter(str(project))}"
                f"/{database}, a path of {size} bytes, over the "
                f"{SQLITE_MAX_PATHNAME} SQLite can open; choose a shorter "
                "--output-dir or project_slug, or an absolute sqlite:////path"
            )


def sqlite_file_in_project(url: object) -> str | None:
    """The path in the project of the database file a relative SQLite URL names."""
    parts = split_url(url) if isinstance(url, str) else None
    if parts is None or SCHEMES.get(parts.scheme, ("",))[0] != "sqlite":
        return None
    database = parts.database or ""
    if not database or database.startswith(("/", "file:")) or database == ":memory:":
        return None
    return f"instance/{database}"


def project_path_problem(
    project: Path, template_directory: Path, answers: dict
) -> str | None:
    """check_project_path's one-line problem, or None."""
    try:
        check_project_path(project, template_directory, answers)
    except AnswerError as error:
        return str(error)
    return None


def shorter(text: str, keep: int = 60) -> str:
    """`text` for a one-line message: its end, when long."""
    return text if len(text) <= keep else "..." + text[-keep:]


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
    # A requirement whose extras the answers choose (flask-db-kit's, installed
    # from vendor/): with every extra it has.
    for name in re.findall(
        r'^\s*"([A-Za-z0-9._-]+)\{\{[^"]*",\s*$', pyproject_text, re.MULTILINE
    ):
        try:
            extras = metadata.metadata(name).get_all("Provides-Extra") or []
        except metadata.PackageNotFoundError:
            extras = []
        roots.append(f"{name}[{','.join(sorted(extras))}]" if extras else name)
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
