"""Database URLs in every form people write them, given an installed driver.

Hosting platforms (Heroku, Render, Fly, Railway) set `postgres://...`, which
SQLAlchemy 2 refuses, and a bare `postgresql://` or `mysql://` means a driver
this project does not install (psycopg2, mysqlclient). Such a URL gets the
first driver of its database that is installed; a URL that names its driver
(`postgresql+psycopg://`) is used as it is. Only the scheme changes, so the
rest (a percent-encoded password, a socket in the query) reads the same.

The URL is checked first, as the template checks its answer when it bakes
(flask_db_template/answers.py; the template's tests hold the two to the same
verdicts): a raw `@`, `/`, `:`, `#` or `?` in the user name or password
(SQLAlchemy would end the password there and send the rest to DNS as a host
name), a port that is no port, a query option the driver does not take or
cannot read (`?connect_timeout=abc`), a server URL with no database. Each is
refused in one line that never shows the password.
"""

import re
from importlib.util import find_spec
from urllib.parse import parse_qsl, unquote

from .settings import ConfigurationError


class MissingDriver(ConfigurationError):
    """The URL's database has no driver installed."""


class UnusableDatabaseURL(ConfigurationError):
    """The URL cannot be read as meant, or its driver would refuse it."""


# Scheme as written -> (SQLAlchemy dialect, its drivers: import name, driver name).
DRIVERS = {
    "postgres": ("postgresql", (("psycopg", "psycopg"), ("psycopg2", "psycopg2"))),
    "postgresql": ("postgresql", (("psycopg", "psycopg"), ("psycopg2", "psycopg2"))),
    "mysql": ("mysql", (("pymysql", "pymysql"), ("MySQLdb", "mysqldb"))),
    "mariadb": ("mariadb", (("pymysql", "pymysql"), ("MySQLdb", "mysqldb"))),
}
DATABASE_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}
REQUIREMENTS = {
    "postgresql": "psycopg[binary]",
    "mysql": "PyMySQL",
    "mariadb": "PyMySQL",
}


def with_installed_driver(url: str, variable: str = "DATABASE_URL") -> str:
    """The URL, checked (check_database_url), with a driver that is
    installed named in its scheme."""
    check_database_url(url, variable)
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in DRIVERS:
        return url
    dialect, drivers = DRIVERS[scheme.lower()]
    for module, driver in drivers:
        if find_spec(module) is not None:
            return f"{dialect}+{driver}://{rest}"
    raise MissingDriver(
        f"{variable} names a {DATABASE_NAMES[dialect]} database, and no driver "
        f"for it is installed: add {REQUIREMENTS[dialect]!r} to the dependencies "
        "in pyproject.toml, then run `python3 bin/setup`"
    )


# SQLAlchemy's own reading of a URL (sqlalchemy.engine.url._parse_url), so
# that the check splits a URL where the app will.
URL_PATTERN = re.compile(
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
# What a user name or password must hold percent-encoded.
URL_DELIMITERS = {"@": "%40", "/": "%2F", ":": "%3A", "#": "%23", "?": "%3F"}
# The query options each driver takes: libpq's connection keywords (less
# those the URL itself sets), PyMySQL's text arguments and SQLAlchemy's ssl_*
# keys, pysqlite's arguments (and SQLite's own with uri=true).
OPTIONS = {
    "postgresql": frozenset(
        """application_name channel_binding client_encoding connect_timeout
        fallback_application_name gssdelegation gssencmode gsslib host hostaddr
        keepalives keepalives_count keepalives_idle keepalives_interval
        krbsrvname load_balance_hosts max_protocol_version min_protocol_version
        options passfile port replication require_auth requirepeer service
        ssl_max_protocol_version ssl_min_protocol_version sslcert sslcertmode
        sslcompression sslcrl sslcrldir sslkey sslkeylogfile sslmode
        sslnegotiation sslpassword sslrootcert sslsni target_session_attrs
        tcp_user_timeout""".split()
    ),
    "mysql": frozenset(
        """unix_socket charset collation sql_mode read_default_file use_unicode
        client_flag init_command connect_timeout read_default_group autocommit
        local_infile max_allowed_packet defer_connect read_timeout write_timeout
        bind_address binary_prefix program_name server_public_key ssl_ca
        ssl_cert ssl_disabled ssl_key ssl_key_password ssl_verify_cert
        ssl_verify_identity ssl_capath ssl_cipher ssl_check_hostname compress
        named_pipe""".split()
    ),
    "sqlite": frozenset(
        "timeout isolation_level detect_types check_same_thread cached_statements uri".split()
    ),
}
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
BOOLEAN_WORDS = frozenset("true false yes no on off 1 0 t f y n".split())
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DIALECTS = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
}


def check_database_url(url: str, variable: str = "DATABASE_URL") -> None:
    """Refuse, in one line without the password, a URL that the app would
    read otherwise than meant or that its driver would refuse when it first
    connects. URLs of other databases are left to SQLAlchemy."""
    match = URL_PATTERN.match(url)
    dialect = DIALECTS.get(url.partition("://")[0].partition("+")[0].lower())
    if match is None or dialect is None:
        return
    check_userinfo(match, url, variable)
    parts = match.groupdict()
    query = parse_qsl(parts["query"] or "")  # blank values dropped, as SQLAlchemy does
    check_options(query, dialect, variable)
    if dialect == "sqlite":
        host = parts["ipv4host"] or parts["ipv6host"] or parts["port"]
        if host or parts["username"] is not None:
            raise UnusableDatabaseURL(
                f"{variable} is a SQLite URL with a host; write "
                "sqlite:///relative/path.db or sqlite:////absolute/path.db"
            )
        return
    port = parts["port"]
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise UnusableDatabaseURL(
            f"{variable} has the port {port!r}; a port is a number from 1 to 65535"
        )
    host = parts["ipv4host"] or parts["ipv6host"]
    if dialect == "mysql" and not host and "unix_socket" not in dict(query):
        raise UnusableDatabaseURL(
            f"{variable} names no host; give one (mysql://user@localhost/app) "
            "or a socket (?unix_socket=/run/mysqld/mysqld.sock)"
        )
    path = parts["database"] or ""
    if not unquote(path) or "/" in path:
        raise UnusableDatabaseURL(
            f"{variable} names no database; add it after the host "
            "(a / in its name is written %2F)"
        )


def check_userinfo(match: re.Match, url: str, variable: str) -> None:
    """A raw delimiter in the user name or password: refused, told how to
    encode it; the URL is not shown, as the password could be anywhere in it."""
    username, password = match.group("username"), match.group("password")
    if username is not None:
        after = url[match.end("password" if password is not None else "username") + 1 :]
        # A raw "@" in the password: SQLAlchemy ends it at the first "@".
        if "@" in after.partition("?")[0]:
            raise UnusableDatabaseURL(encode_message(variable, "password", "@"))
    for part, raw in (("user name", username), ("password", password)):
        for character in URL_DELIMITERS:
            if raw is not None and character in raw:
                raise UnusableDatabaseURL(encode_message(variable, part, character))
    if "#" in url:
        raise UnusableDatabaseURL(
            f"{variable} holds a raw '#'; percent-encode it as %23"
        )


def encode_message(variable: str, part: str, character: str) -> str:
    return (
        f"{variable}: the {part} holds a raw {character!r}, which ends that part "
        f"of a URL; percent-encode it ({character} is {URL_DELIMITERS[character]}; "
        "in Python: urllib.parse.quote(password, safe=''))"
    )


def check_options(query: list[tuple[str, str]], dialect: str, variable: str) -> None:
    """Query options the driver takes, each once, with values it can read."""
    allowed = OPTIONS[dialect]
    if dialect == "sqlite" and ("uri", "true") in query:
        allowed = allowed | SQLITE_URI_OPTIONS
    for key, value in query:
        if key not in allowed:
            raise UnusableDatabaseURL(
                f"{variable} has the option {key!r}, which the driver does not "
                f"take (it takes {', '.join(sorted(allowed)[:6])}, ...)"
            )
        if key in INTEGER_OPTIONS and not value.isdigit():
            raise UnusableDatabaseURL(
                f"{variable} has the option {key}={value!r}; it must be a whole number"
            )
        if key in BOOLEAN_OPTIONS and value.lower() not in BOOLEAN_WORDS:
            raise UnusableDatabaseURL(
                f"{variable} has the option {key}={value!r}; it must be true or false"
            )
        if key == "sslmode" and value not in SSL_MODES:
            raise UnusableDatabaseURL(
                f"{variable} has sslmode={value!r}, not one of {', '.join(SSL_MODES)}"
            )
    if len({key for key, _ in query}) != len(query):
        raise UnusableDatabaseURL(f"{variable} gives a query option twice")
