"""The database rules every app of the kit keeps, whatever its models.

- NAMING_CONVENTION: every constraint gets a predictable name from the
  first migration on (Alembic cannot drop or alter an unnamed one later).
- enforce_sqlite_rules: SQLite checks foreign keys, and never hands out an
  id again, as the other databases do.
- init_database: Flask-SQLAlchemy bound to the app, an unusable
  DATABASE_URL refused in one line.
- connection_failure: a command's one line when the database cannot be
  connected to, naming where it was looked for (never the password), rather
  than advice (`flask db upgrade`) that cannot help.
"""

import sqlite3
import weakref
from urllib.parse import urlsplit

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import URL, Engine, MetaData, Table, event
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from .settings import ConfigurationError

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The metadata whose tables get SQLite's AUTOINCREMENT.
_ENFORCED: "weakref.WeakSet[MetaData]" = weakref.WeakSet()


def enforce_sqlite_rules(metadata: MetaData) -> None:
    """SQLite as strict as the other databases, for the tables of `metadata`.

    Every SQLite connection of the process turns foreign keys on: SQLite
    checks them, and applies their ON DELETE, only on the connections that
    ask (the migrations turn it off while they copy tables). And every
    table of `metadata`, written by hand or not, gets AUTOINCREMENT: an id
    is never handed out again after its row is deleted (SQLite reuses the
    highest otherwise); the other databases ignore it.

    Call it where the metadata is made, before the models are declared.
    """
    if not event.contains(Engine, "connect", _foreign_keys_on):
        event.listen(Engine, "connect", _foreign_keys_on)
    if not event.contains(Table, "after_parent_attach", _never_reuse_ids):
        event.listen(Table, "after_parent_attach", _never_reuse_ids)
    _ENFORCED.add(metadata)
    for table in metadata.tables.values():
        table.dialect_kwargs["sqlite_autoincrement"] = True


def _foreign_keys_on(connection: object, record: object) -> None:
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA foreign_keys = ON")


def _never_reuse_ids(table: Table, parent: object) -> None:
    if isinstance(parent, MetaData) and parent in _ENFORCED:
        table.dialect_kwargs["sqlite_autoincrement"] = True


def init_database(app: Flask, db: SQLAlchemy) -> None:
    """`db.init_app(app)`, with a DATABASE_URL the driver refuses (an option
    such as `?connect_timeout=abc`) reported in one line, its password
    hidden, rather than as a traceback."""
    try:
        db.init_app(app)
    except (ArgumentError, TypeError, ValueError) as error:
        raise ConfigurationError(unusable_database_url(app, error)) from None


def unusable_database_url(app: Flask, error: Exception) -> str:
    """One line on what is wrong with DATABASE_URL, without its password."""
    text = str(error).strip()
    reason = text.splitlines()[0] if text else repr(error)
    password = urlsplit(str(app.config.get("SQLALCHEMY_DATABASE_URI", ""))).password
    if password:
        reason = reason.replace(password, "***")
    return f"DATABASE_URL cannot be used: {reason}; correct it in .env"


DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}


def connection_failure(error: SQLAlchemyError, url: URL) -> str | None:
    """One line when `error` is a failed connection (the database server
    down, unknown host, refused login), naming host and port or SQLite's
    file, never the password; None for an error of a statement (a missing
    table, say)."""
    if not isinstance(error, DBAPIError) or error.statement is not None:
        return None
    text = str(error.orig or error).strip()
    reason = text.splitlines()[0] if text else type(error).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    backend = url.get_backend_name()
    if backend == "sqlite":
        where = f"the SQLite file {url.database}"
    else:
        where = f"{url.host or 'localhost'}:{url.port or DEFAULT_PORTS.get(backend)}"
    return (
        f"cannot connect to the database at {where} ({reason}): is its server "
        "up, and DATABASE_URL right?"
    )
