"""Fixtures: the app on a throwaway database, built by the real migrations.

Tests use SQLite unless TEST_DATABASE_URL names another database (an empty
one they may fill and empty again), e.g.
postgresql+psycopg://postgres@localhost/{{ cookiecutter.package_name }}_test.
"""

import os
from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import scoped_session

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.extensions import db


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return configured
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The app, its context pushed, the database upgraded to head."""
    app = create_app(
        Config(SECRET_KEY="test", SQLALCHEMY_DATABASE_URI=database_url, TESTING=True)
    )
    with app.app_context():
        flask_migrate.upgrade()
        yield app
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[scoped_session]:
    """The session; every row a test wrote is deleted after it."""
    yield db.session
    db.session.rollback()
    # MySQL/MariaDB check foreign keys row by row, so one DELETE cannot remove
    # rows of a table that refer to each other (a self-reference) there.
    checks_row_by_row = db.engine.dialect.name in ("mysql", "mariadb")
    if checks_row_by_row:
        db.session.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
    try:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    finally:
        if checks_row_by_row:
            db.session.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    db.session.commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# pytest-alembic's fixtures, wired to Flask-Migrate's environment.
@pytest.fixture
def alembic_config(app: Flask):
    return app.extensions["migrate"].migrate.get_config()


@pytest.fixture
def alembic_engine(app: Flask) -> Engine:
    return db.engine
