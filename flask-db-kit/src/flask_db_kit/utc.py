"""The current date and time in UTC, as the database and the ORM write them.

A DateTime column holds UTC without a time zone. SQL's CURRENT_TIMESTAMP is
the session's local time on PostgreSQL and MariaDB, so a server or a session
set to another zone would shift every stored "now": `UtcNow()` is written in
each database's words for the UTC time instead. Its `value` is the same in
Python, for the ORM to set before the row reaches the database.

`AwareDateTime` is the column type of a time-zone-aware datetime
(`datetime{tz}`), and `AwareNow` its current time.

Migrations import these classes by name (`from flask_db_kit.utc import
UtcNow`: see flask_db_kit.migrations), so they keep their names and this
module's from one version of the kit to the next.
"""

import datetime

from sqlalchemy import Date, DateTime
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine


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


class AwareDateTime(TypeDecorator):
    """A moment with its time zone: TIMESTAMP WITH TIME ZONE on PostgreSQL;
    elsewhere the UTC time (to the microsecond on MySQL and MariaDB). Written
    from any offset (a naive value is taken as UTC), read back in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value, dialect: Dialect):
        if not isinstance(value, datetime.datetime):
            return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        value = value.astimezone(datetime.UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value, dialect: Dialect):
        if not isinstance(value, datetime.datetime):
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)

    @property
    def python_type(self) -> type:
        return datetime.datetime

    def __repr__(self) -> str:
        return "AwareDateTime()"


class AwareNow(FunctionElement):
    """The current moment, for an AwareDateTime column."""

    type = AwareDateTime()
    inherit_cache = True

    @staticmethod
    def value() -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)


# SQLite's CURRENT_TIMESTAMP and CURRENT_DATE are in UTC.
@compiles(UtcNow)
def sqlite_now(element: UtcNow, compiler: SQLCompiler, **kwargs) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(AwareNow)
def sqlite_aware_now(element: AwareNow, compiler: SQLCompiler, **kwargs) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(UtcToday)
def sqlite_today(element: UtcToday, compiler: SQLCompiler, **kwargs) -> str:
    return "CURRENT_DATE"


@compiles(UtcNow, "postgresql")
def postgresql_now(element: UtcNow, compiler: SQLCompiler, **kwargs) -> str:
    return "timezone('utc', now())"


# A TIMESTAMP WITH TIME ZONE takes the moment itself, whatever the session's zone.
@compiles(AwareNow, "postgresql")
def postgresql_aware_now(element: AwareNow, compiler: SQLCompiler, **kwargs) -> str:
    return "now()"


@compiles(UtcToday, "postgresql")
def postgresql_today(element: UtcToday, compiler: SQLCompiler, **kwargs) -> str:
    return "CAST(timezone('utc', now()) AS DATE)"


@compiles(UtcNow, "mysql")
@compiles(UtcNow, "mariadb")
@compiles(AwareNow, "mysql")
@compiles(AwareNow, "mariadb")
def mysql_now(element: UtcNow, compiler: SQLCompiler, **kwargs) -> str:
    return "UTC_TIMESTAMP(6)"


@compiles(UtcToday, "mysql")
@compiles(UtcToday, "mariadb")
def mysql_today(element: UtcToday, compiler: SQLCompiler, **kwargs) -> str:
    return "UTC_DATE()"
