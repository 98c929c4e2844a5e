"""The fixtures the model-following checks share, and that the project's own
tests may use: registered by the plugin when `flask_db_kit_app` is set.

They need an `app` fixture from the project's tests/conftest.py: the app on a
throwaway database at head, its app context pushed for the whole session. A
fixture of the same name in the project's conftest.py replaces one here.

- `db_session`: the app's session (db.session, in requests and commands too),
  bound to one connection per test module whose transaction is never
  committed; each test runs inside a SAVEPOINT rolled back after it.
- `module_token`: an API token made once per module (apps with tokens).
- `client`: a test client in the test's SAVEPOINT, with the module's token
  when the app has tokens (the project's conftest.py usually has its own).
- the factories start again from the same seed before each test, and
  passwords are hashed with one round (`<package>.models.generate_password_hash`).
- `alembic_config` and `alembic_engine` for pytest-alembic's checks.
"""

import functools
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as SignallingSession
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import scoped_session

from flask_db_kit.testing.project import current


class SessionOnOneConnection(SignallingSession):
    """The app's session, bound to the test's connection rather than to the
    engine (Flask-SQLAlchemy's session always picks the engine)."""

    def get_bind(self, *args: object, **kwargs: object) -> Connection:
        return self.bind


def use_session_on(db: Any, connection: Connection) -> None:
    """The app's session (db.session, in requests and commands too) from now
    on joins `connection`'s transaction with a SAVEPOINT: its commits release
    one, its rollbacks (after an IntegrityError, say) go back to one."""
    session = SessionOnOneConnection(
        db, bind=connection, join_transaction_mode="create_savepoint"
    )
    db.session.registry.set(session)


def database_of(app: Flask) -> Any:
    return app.extensions["sqlalchemy"]


@pytest.fixture(scope="module")
def module_transaction(app: Flask) -> Iterator[Connection]:
    """One connection for a module's tests, in a transaction that is never
    committed: rolled back after the module's last test. A module whose
    tests need the tables to themselves (the migrations) asks for no
    session, and finds no transaction open."""
    connection = database_of(app).engine.connect()
    driver_connection = connection.connection.driver_connection
    on_sqlite = connection.dialect.name == "sqlite"
    if on_sqlite:
        # A throwaway database need not survive a power cut: not waiting for
        # the disk at each commit makes the suite several times faster.
        connection.exec_driver_sql("PRAGMA synchronous = OFF")
        # Python's sqlite3 begins a transaction only before an INSERT,
        # UPDATE or DELETE, so a SAVEPOINT would begin (and its release
        # commit) one of its own: the transaction is begun here instead.
        isolation_level = driver_connection.isolation_level
        driver_connection.isolation_level = None
        connection.exec_driver_sql("BEGIN")
    else:
        connection.begin()
    try:
        yield connection
    finally:
        connection.rollback()
        if on_sqlite:
            driver_connection.isolation_level = isolation_level
        connection.close()


@pytest.fixture
def db_session(app: Flask, module_transaction: Connection) -> Iterator[scoped_session]:
    """The session; whatever a test wrote is rolled back after it, back to
    the SAVEPOINT it started from in its module's transaction."""
    db = database_of(app)
    test_savepoint = module_transaction.begin_nested()
    use_session_on(db, module_transaction)
    try:
        yield db.session
    finally:
        db.session.remove()
        if test_savepoint.is_active:
            test_savepoint.rollback()


@pytest.fixture(scope="module")
def module_token(app: Flask, module_transaction: Connection) -> str | None:
    """A token for the module's tests, rolled back with its transaction:
    made before any test's SAVEPOINT, so no test's rollback removes it.
    None when the app has no tokens."""
    tokens = current().tokens
    if tokens is None:
        return None
    db = database_of(app)
    use_session_on(db, module_transaction)
    try:
        return tokens.create_token(f"test-{secrets.token_hex(4)}")
    finally:
        db.session.remove()


@pytest.fixture
def client(
    app: Flask, db_session: scoped_session, module_token: str | None
) -> FlaskClient:
    """A client whose requests write in the test's transaction, and carry the
    module's API token when the app has tokens."""
    client = app.test_client()
    if module_token:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {module_token}"
    return client


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashes() -> Iterator[None]:
    """Passwords hashed with few rounds: Werkzeug's default (scrypt) takes a
    good part of a second each, and the tests hash hundreds. The hashes stay
    real ones, which check_password_hash reads."""
    models = current().models
    if not hasattr(models, "generate_password_hash"):
        yield
        return
    quick = functools.partial(models.generate_password_hash, method="pbkdf2:sha256:1")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(models, "generate_password_hash", quick)
        yield


@pytest.fixture(autouse=True)
def same_values_each_run() -> None:
    """Each test gets the same rows from the factories, whatever ran before."""
    from flask_db_kit import factories

    factories.start_again(seed=0)


# pytest-alembic's fixtures, wired to Flask-Migrate's environment.
@pytest.fixture
def alembic_config(app: Flask) -> Any:
    return app.extensions["migrate"].migrate.get_config()


@pytest.fixture
def alembic_engine(app: Flask) -> Engine:
    return database_of(app).engine
