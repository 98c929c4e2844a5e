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
from sqlalchemy import Engine, MetaData, Table, TextClause, event, text
from sqlalchemy.engine import Connection, ExecutionContext
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


class WrittenTables:
    """The tables of the models that rows may have been written to since the
    last cleanup, as seen in every statement that goes through the engine.

    Emptying only those after a test, rather than every table, keeps the
    cleanup fast when the models have many tables. An INSERT that SQLAlchemy
    compiled names its table; plain SQL other than a SELECT could write
    anywhere, so after one the cleanup empties every table.
    """

    def __init__(self, metadata: MetaData) -> None:
        # Children before parents, so that no foreign key blocks a DELETE.
        self.deletion_order = list(reversed(metadata.sorted_tables))
        self.names: set[str] = set()
        self.all_tables = False

    def note(
        self,
        connection: Connection,
        cursor: object,
        statement: str,
        parameters: object,
        context: ExecutionContext,
        executemany: bool,
    ) -> None:
        """SQLAlchemy's before_cursor_execute event."""
        if context.isinsert:
            self.names.add(context.compiled.statement.table.name)
        elif may_write_anywhere(statement, context):
            self.all_tables = True

    def take(self) -> list[Table]:
        """The tables to empty, in an order that deletes children first; then
        start again with none."""
        tables = [
            table
            for table in self.deletion_order
            if self.all_tables or table.name in self.names
        ]
        self.names.clear()
        self.all_tables = False
        return tables


def may_write_anywhere(statement: str, context: ExecutionContext) -> bool:
    """Plain SQL (`text()`, `exec_driver_sql`) other than a SELECT: SQLAlchemy
    knows nothing of what it does."""
    compiled = context.compiled
    is_plain_sql = compiled is None or isinstance(compiled.statement, TextClause)
    return is_plain_sql and not statement.lstrip().lower().startswith("select")


@pytest.fixture(scope="session")
def written_tables(app: Flask) -> Iterator[WrittenTables]:
    written = WrittenTables(db.metadata)
    event.listen(db.engine, "before_cursor_execute", written.note)
    yield written
    event.remove(db.engine, "before_cursor_execute", written.note)


@pytest.fixture
def db_session(written_tables: WrittenTables) -> Iterator[scoped_session]:
    """The session; every row a test wrote is deleted after it."""
    yield db.session
    db.session.rollback()
    tables = written_tables.take()
    if not tables:
        return
    # MySQL/MariaDB check foreign keys row by row, so one DELETE cannot remove
    # rows of a table that refer to each other (a self-reference) there.
    checks_row_by_row = db.engine.dialect.name in ("mysql", "mariadb")
    if checks_row_by_row:
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
    try:
        # Tables that refer to each other: the key that closes the loop
        # (use_alter, always optional) lets go first.
        for table in tables:
            for key in table.foreign_key_constraints:
                if key.use_alter:
                    emptied = {column.name: None for column in key.columns}
                    db.session.execute(table.update().values(emptied))
        for table in tables:
            db.session.execute(table.delete())
    finally:
        if checks_row_by_row:
            db.session.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    db.session.commit()
    # The cleanup's own statements are no test's writes.
    written_tables.take()


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


@pytest.fixture
def auth_headers(db_session: scoped_session) -> dict[str, str]:
    """Headers that authorize a request to the API: a new token, deleted
    after the test with the other rows it wrote."""
    token = create_token(f"test-{secrets.token_hex(4)}")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(app: Flask, auth_headers: dict[str, str]) -> FlaskClient:
    """A client whose requests carry an API token (tests/test_auth.py makes
    its own requests without one)."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = auth_headers["Authorization"]
    return client
{%- else %}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
{%- endif %}


# pytest-alembic's fixtures, wired to Flask-Migrate's environment.
@pytest.fixture
def alembic_config(app: Flask):
    return app.extensions["migrate"].migrate.get_config()


@pytest.fixture
def alembic_engine(app: Flask) -> Engine:
    return db.engine
