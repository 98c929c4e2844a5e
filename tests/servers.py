"""Throwaway databases on real PostgreSQL and MariaDB/MySQL servers.

TEST_POSTGRESQL_URL and TEST_MYSQL_URL name the servers, as a user who may
create and drop databases (defaults: the local servers that CI starts). Every
test gets databases with random names, dropped after it. Without a server,
its tests skip and say what they need; with CI=true they fail instead, so a
CI job whose server did not start cannot pass by skipping everything.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

CONNECT_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Server:
    name: str
    environment_variable: str
    default_url: str
    # The driver the baked project writes into its URL for this server.
    drivername: str
    # The database to connect to while creating and dropping the others.
    maintenance_database: str | None
    create_options: str
    drop_options: str

    @property
    def url(self) -> URL:
        return make_url(os.environ.get(self.environment_variable) or self.default_url)

    def database_url(self, database: str, scheme: str | None = None) -> str:
        """The URL of one database: with the driver, or with a scheme a user types."""
        url = self.url.set(drivername=scheme or self.drivername, database=database)
        return url.render_as_string(hide_password=False)

    def engine(self, database: str | None = None) -> Engine:
        url = self.url.set(
            drivername=self.drivername, database=database or self.maintenance_database
        )
        return create_engine(
            url,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
            isolation_level="AUTOCOMMIT",
            poolclass=NullPool,
        )

    def execute(self, statement: str, database: str | None = None) -> None:
        engine = self.engine(database)
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()

    # The names are random_database_name()'s: nothing in them needs quoting.
    def create_database(self, database: str) -> None:
        self.execute(f"CREATE DATABASE {database}{self.create_options}")

    def drop_database(self, database: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {database}{self.drop_options}")


SERVERS = {
    server.name: server
    for server in (
        Server(
            name="postgresql",
            environment_variable="TEST_POSTGRESQL_URL",
            default_url="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
            drivername="postgresql+psycopg",
            maintenance_database="postgres",
            create_options="",
            # A test that failed half-way may have left a connection open.
            drop_options=" WITH (FORCE)",
        ),
        Server(
            name="mariadb",
            environment_variable="TEST_MYSQL_URL",
            default_url="mysql+pymysql://root@127.0.0.1:3306/",
            drivername="mysql+pymysql",
            maintenance_database=None,
            # What `flask setup-db --create-database` makes, whatever the
            # server's default (latin1 before MariaDB 11.6).
            create_options=" CHARACTER SET utf8mb4",
            drop_options="",
        ),
    )
}


@functools.cache
def why_unavailable(server: Server) -> str | None:
    """None when the server answers, else what its tests need; asked once a run."""
    try:
        server.execute("SELECT 1")
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        shown = server.url.render_as_string(hide_password=True)
        return (
            f"needs a {server.name} server at {shown}, as a user who may create "
            f"databases (or set {server.environment_variable}): {reason}"
        )
    return None


def require(server: Server) -> Server:
    problem = why_unavailable(server)
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true, so no skipping: this test {problem}")
        pytest.skip(f"this test {problem}")
    return server


def random_database_name() -> str:
    return f"tpl_test_{secrets.token_hex(6)}"


class ThrowawayDatabases:
    """Databases for one test: empty ones on demand, every one dropped after it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.names: list[str] = []

    def create(self) -> str:
        database = self.name_to_drop_later()
        self.server.create_database(database)
        return database

    def name_to_drop_later(self) -> str:
        """A fresh name, for a database the code under test may create."""
        database = random_database_name()
        self.names.append(database)
        return database


@contextmanager
def throwaway_databases(server: Server) -> Iterator[ThrowawayDatabases]:
    databases = ThrowawayDatabases(server)
    try:
        yield databases
    finally:
        for database in databases.names:
            server.drop_database(database)
