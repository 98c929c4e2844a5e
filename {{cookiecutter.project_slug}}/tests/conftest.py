"""Fixtures: the app on a throwaway database, built by the real migrations.

Tests use SQLite unless TEST_DATABASE_URL names another database (an empty
one they may fill and empty again), e.g.
postgresql+psycopg://postgres@localhost/{{ cookiecutter.package_name }}_test.
"""

import functools
import os
{%- if cookiecutter.api and cookiecutter.api_auth %}
import secrets
{%- endif %}
from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as SignallingSession
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import scoped_session

from {{ cookiecutter.package_name }} import create_app, models
{%- if cookiecutter.api and cookiecutter.api_auth %}
from {{ cookiecutter.package_name }}.auth import create_token
{%- endif %}
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.database_url import with_installed_driver
from {{ cookiecutter.package_name }}.extensions import db

import factories


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """A check of what no model has (no enum column, say) is left out, not
    reported as skipped: the checks follow the models."""
    empty = [item for item in items if is_empty_parameter_set(item)]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [item for item in items if item not in empty]


def is_empty_parameter_set(item: pytest.Item) -> bool:
    return any(
        "got empty parameter set" in str(mark.kwargs.get("reason", ""))
        for mark in item.iter_markers("skip")
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return with_installed_driver(configured, "TEST_DATABASE_URL")
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The app, its context pushed, the database upgraded to head."""
    app = create_app(
        Config(SECRET_KEY="test", SQLALCHEMY_DATABASE_URI=database_url, TESTING=True)
    )
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", skip_waiting_for_the_disk)
        flask_migrate.upgrade()
        yield app
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()


def skip_waiting_for_the_disk(connection: object, record: object) -> None:
    """A throwaway SQLite database need not survive a power cut: not waiting
    for the disk at each commit makes the suite several times faster."""
    connection.execute("PRAGMA synchronous = OFF")


class SessionOnOneConnection(SignallingSession):
    """The app's session, bound to the test's connection rather than to the
    engine (Flask-SQLAlchemy's session always picks the engine)."""

    def get_bind(self, *args: object, **kwargs: object) -> Connection:
        return self.bind


@pytest.fixture(scope="module")
def module_transaction(app: Flask) -> Iterator[Connection]:
    """One connection for a module's tests, in a transaction that is never
    committed: rolled back after the module's last test. A module whose
    tests need the tables to themselves (the migrations) asks for no
    session, and finds no transaction open."""
    connection = db.engine.connect()
    driver_connection = connection.connection.driver_connection
    on_sqlite = connection.dialect.name == "sqlite"
    if on_sqlite:
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


def use_session_on(connection: Connection) -> None:
    """The app's session (db.session, in requests and commands too) from now
    on joins `connection`'s transaction with a SAVEPOINT: its commits release
    one, its rollbacks (after an IntegrityError, say) go back to one."""
    session = SessionOnOneConnection(
        db, bind=connection, join_transaction_mode="create_savepoint"
    )
    db.session.registry.set(session)


@pytest.fixture
def db_session(module_transaction: Connection) -> Iterator[scoped_session]:
    """The session; whatever a test wrote is rolled back after it, back to
    the SAVEPOINT it started from in its module's transaction."""
    test_savepoint = module_transaction.begin_nested()
    use_session_on(module_transaction)
    try:
        yield db.session
    finally:
        db.session.remove()
        if test_savepoint.is_active:
            test_savepoint.rollback()


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashes() -> Iterator[None]:
    """Passwords hashed with few rounds: Werkzeug's default (scrypt) takes a
    good part of a second each, and the tests hash hundreds. The hashes stay
    real ones, which check_password_hash reads."""
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
    factories.start_again(seed=0)
{%- if cookiecutter.api and cookiecutter.api_auth %}


@pytest.fixture(scope="module")
def module_token(module_transaction: Connection) -> str:
    """A token for the module's tests, rolled back with its transaction:
    made before any test's SAVEPOINT, so no test's rollback removes it."""
    use_session_on(module_transaction)
    try:
        return create_token(f"test-{secrets.token_hex(4)}")
    finally:
        db.session.remove()


@pytest.fixture
def auth_headers(module_token: str, db_session: scoped_session) -> dict[str, str]:
    """Headers that authorize a request to the API (the module's token)."""
    return {"Authorization": f"Bearer {module_token}"}


@pytest.fixture
def client(app: Flask, auth_headers: dict[str, str]) -> FlaskClient:
    """A client whose requests carry an API token (tests/test_auth.py makes
    its own requests without one)."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = auth_headers["Authorization"]
    return client
{%- else %}


@pytest.fixture
def client(app: Flask, db_session: scoped_session) -> FlaskClient:
    """A client whose requests write in the test's transaction."""
    return app.test_client()
{%- endif %}


# pytest-alembic's fixtures, wired to Flask-Migrate's environment.
@pytest.fixture
def alembic_config(app: Flask):
    return app.extensions["migrate"].migrate.get_config()


@pytest.fixture
def alembic_engine(app: Flask) -> Engine:
    return db.engine
