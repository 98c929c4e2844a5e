"""A tiny app for the tests of flask_db_kit.migrations and flask_db_kit.setup_db.

Its models hold what the kit's Alembic fixes are about: an enum (a type of its
own on PostgreSQL), two tables referring to each other (a loop, closed by a
use_alter foreign key), server defaults (a text, the kit's UtcNow and a SQL
function of the app's own), and SQLite's AUTOINCREMENT. `version=2` adds an
enum column, as a later change to the models would.

Each test gets its own database (a file for SQLite, a database of a unique
name on the PostgreSQL and MariaDB servers, dropped afterwards) and its own
migrations/ folder.
"""

import enum
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_db_kit.database import NAMING_CONVENTION
from flask_db_kit.migrations import alembic_options
from flask_db_kit.setup_db import setup_db_command
from flask_db_kit.utc import UtcNow
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    URL,
    DateTime,
    Engine,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.functions import FunctionElement

SERVERS = {
    "postgresql": URL.create(
        "postgresql+psycopg", username="postgres", host="127.0.0.1", port=5432
    ),
    "mariadb": URL.create(
        "mysql+pymysql",
        username="root",
        host="127.0.0.1",
        port=3306,
        query={"charset": "utf8mb4"},
    ),
}
# A database every server has, to connect to while creating or dropping one.
SERVER_DATABASES = {"postgresql": "postgres", "mariadb": "information_schema"}
BACKENDS = ["sqlite", "postgresql", "mariadb"]
IMPORT_NAME = __name__


class Genre(enum.Enum):
    fiction = "fiction"
    essay = "essay"


class Shade(enum.Enum):
    light = "light"
    dark = "dark"


class Zero(FunctionElement):
    """A SQL function of the app's own: migrations import it from here."""

    type = Integer()
    inherit_cache = True


@compiles(Zero)
def compile_zero(element: Zero, compiler, **kw) -> str:
    return "0"


def build_models(version: int = 1) -> tuple[SQLAlchemy, Migrate]:
    """A db with the models of this `version`, and its Migrate."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    db = SQLAlchemy(model_class=Base)

    class Author(db.Model):
        __tablename__ = "authors"
        __table_args__ = {"sqlite_autoincrement": True}
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(80))
        joined_at = mapped_column(DateTime, server_default=UtcNow())
        # Closes the loop authors -> books -> authors.
        favourite_book_id: Mapped[int | None] = mapped_column(
            ForeignKey("books.id", use_alter=True, ondelete="SET NULL"), index=True
        )

    class Book(db.Model):
        __tablename__ = "books"
        __table_args__ = {"sqlite_autoincrement": True}
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(String(80), server_default="untitled")
        genre: Mapped[Genre] = mapped_column(Enum(Genre, name="genre"))
        copies: Mapped[int] = mapped_column(Integer, server_default=Zero())
        author_id: Mapped[int | None] = mapped_column(
            ForeignKey("authors.id", ondelete="CASCADE"), index=True
        )
        if version >= 2:
            shade: Mapped[Shade | None] = mapped_column(Enum(Shade, name="shade"))

    return db, Migrate(**alembic_options())


def foreign_keys_on(connection: object, record: object) -> None:
    connection.execute("PRAGMA foreign_keys = ON")


def make_app(url: URL | str, directory: Path, version: int = 1) -> Flask:
    app = Flask(IMPORT_NAME)
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="test")
    db, migrate = build_models(version)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(directory))
    app.cli.add_command(setup_db_command)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # As flask_db_kit.database does for an app's every connection.
            event.listen(db.engine, "connect", foreign_keys_on)
    return app


def dispose(app: Flask) -> None:
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def server_engine(backend: str) -> Engine:
    url = SERVERS[backend].set(database=SERVER_DATABASES[backend])
    return create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")


def unique_name(prefix: str = "kit_b_") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def skip_unless_server(backend: str) -> None:
    try:
        with server_engine(backend).connect():
            pass
    except OperationalError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no {backend} server")


def quoted(backend: str, name: str) -> str:
    engine = server_engine(backend)
    return engine.dialect.identifier_preparer.quote(name)


def create_database(backend: str, name: str) -> None:
    options = " CHARACTER SET utf8mb4" if backend == "mariadb" else ""
    with server_engine(backend).connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {quoted(backend, name)}{options}")


def drop_database(backend: str, name: str) -> None:
    force = " WITH (FORCE)" if backend == "postgresql" else ""
    with server_engine(backend).connect() as connection:
        connection.exec_driver_sql(
            f"DROP DATABASE IF EXISTS {quoted(backend, name)}{force}"
        )


@pytest.fixture
def server_database() -> Iterator:
    """`server_database(backend, prefix=..., create=False)`: the URL of a
    database of a unique name on that server, dropped after the test."""
    made: list[tuple[str, str]] = []

    def url_of(backend: str, prefix: str = "kit_b_", create: bool = False) -> URL:
        skip_unless_server(backend)
        name = unique_name(prefix)
        made.append((backend, name))
        if create:
            create_database(backend, name)
        return SERVERS[backend].set(database=name)

    yield url_of
    for backend, name in made:
        drop_database(backend, name)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path: Path, server_database) -> URL:
    """An empty database of each kind."""
    backend = request.param
    if backend == "sqlite":
        return URL.create("sqlite", database=str(tmp_path / "app.db"))
    return server_database(backend, create=True)


@pytest.fixture
def apps() -> Iterator:
    """`apps(url, directory, version=1)` makes an app; its engine is disposed
    of after the test, so that its database can be dropped."""
    made: list[Flask] = []

    def make(url: URL | str, directory: Path, version: int = 1) -> Flask:
        app = make_app(url, directory, version)
        made.append(app)
        return app

    yield make
    for app in made:
        dispose(app)


def execute(url: URL, *statements: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def tables(url: URL) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
