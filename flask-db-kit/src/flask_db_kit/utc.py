"""The current date and time in UTC, as the database and the ORM write them.

A DateTime column holds UTC without a time zone. SQL's CURRENT_TIMESTAMP is
the session's local time on PostgreSQL and MariaDB, so a server or a session
set to another zone would shift every stored "now": `UtcNow()` is written in
each database's words for the UTC time instead. Its `value` is the same in
Python, for the ORM to set before the row reaches the database.

Migrations import these classes by name (`from flask_db_kit.utc import
UtcNow`: see flask_db_kit.migrations), so they keep their names and this
module's from one version of the kit to the next.
"""

import datetime

from sqlalchemy import Date, DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class UtcNow(FunctionElement):
    """The current date and time in UTC, to the microsecond where the
    database keeps them (SQLite keeps whole seconds)."""

    type = DateTime()
    inherit_cache = True

    @staticmethod
    def value() -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class UtcToday(FunctionElement):
    """The current date in UTC."""

    type = Date()
    inherit_cache = True

    @staticmethod
    def value() -> datetime.date:
        return datetime.datetime.now(datetime.UTC).date()


# SQLite's CURRENT_TIMESTAMP and CURRENT_DATE are in UTC.
@compiles(UtcNow)
def sqlite_now(element: UtcNow, compiler: SQLCompiler, **kwargs) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(UtcToday)
def sqlite_today(element: UtcToday, compiler: SQLCompiler, **kwargs) -> str:
    return "CURRENT_DATE"


@compiles(UtcNow, "postgresql")
def postgresql_now(element: UtcNow, compiler: SQLCompiler, **kwargs) -> str:
    return "timezone('utc', now())"


@compiles(UtcToday, "postgresql")
def postgresql_today(element: UtcToday, compiler: SQLCompiler, **kwargs) -> str:
    return "CAST(timezone('utc', now()) AS DATE)"


@compiles(UtcNow, "mysql")
@compiles(UtcNow, "mariadb")
def mysql_now(element: UtcNow, compiler: SQLCompiler, **kwargs) -> str:
    return "UTC_TIMESTAMP(6)"


@compiles(UtcToday, "mysql")
@compiles(UtcToday, "mariadb")
def mysql_today(element: UtcToday, compiler: SQLCompiler, **kwargs) -> str:
    return "UTC_DATE()"
