"""Fixtures of the API's tests (kit_app.py): the tiny app on SQLite for
most, and on PostgreSQL and MariaDB (a throwaway database each) for those
that depend on the database. A server that is down skips its tests, unless
CI=true."""

import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from kit_app import db, make_app, tokens

# The fixtures of the migration tests' own app (apps, database_url,
# server_database); a plugin, so that its assertions are rewritten.
pytest_plugins = ["migration_app"]

SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432",
    "mariadb": "mariadb+pymysql://root@127.0.0.1:3306",
}


def throwaway_database(kind: str) -> Iterator[str]:
    """A database of its own on the server, dropped afterwards."""
    server = SERVERS[kind]
    name = f"kit_test_{secrets.token_hex(4)}"
    maintenance = server + ("/postgres" if kind == "postgresql" else "/")
    engine = sa.create_engine(maintenance, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as error:
        engine.dispose()
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"{kind} is not running: {str(error).splitlines()[0]}")
    try:
        yield f"{server}/{name}"
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name}")
        engine.dispose()


def app_on(url: str) -> Iterator[Flask]:
    app = make_app(url)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on SQLite, its context pushed, its tables made."""
    yield from app_on(f"sqlite:///{tmp_path_factory.mktemp('db') / 'kit.db'}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def db_app(request: pytest.FixtureRequest, app: Flask) -> Iterator[Flask]:
    """The app on each database in turn (its context pushed over the
    SQLite app's for the module)."""
    if request.param == "sqlite":
        yield app
        return
    for url in throwaway_database(request.param):
        yield from app_on(url)


def emptied() -> None:
    """Every table of the app emptied, after a test."""
    db.session.rollback()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def authorized_client(app: Flask) -> Iterator[FlaskClient]:
    """A client whose requests carry a token that may write; the tables
    emptied afterwards."""
    with app.app_context():
        token = tokens.create_token(f"test-{secrets.token_hex(4)}")
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        try:
            yield client
        finally:
            emptied()


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """On SQLite."""
    yield from authorized_client(app)


@pytest.fixture
def db_client(db_app: Flask) -> Iterator[FlaskClient]:
    """On each database."""
    yield from authorized_client(db_app)
