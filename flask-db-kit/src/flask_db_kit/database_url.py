"""Database URLs in every form people write them, given an installed driver.

Hosting platforms (Heroku, Render, Fly, Railway) set `postgres://...`, which
SQLAlchemy 2 refuses, and a bare `postgresql://` or `mysql://` means a driver
this project does not install (psycopg2, mysqlclient). Such a URL gets the
first driver of its database that is installed; a URL that names its driver
(`postgresql+psycopg://`) is used as it is. Only the scheme changes, so the
rest (a percent-encoded password, a socket in the query) reads the same.
"""

from importlib.util import find_spec


class MissingDriver(RuntimeError):
    """The URL's database has no driver installed."""


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
    """The URL with a driver that is installed, named in its scheme."""
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
