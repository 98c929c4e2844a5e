"""Fixtures: the app on a throwaway database, built by the real migrations.

Tests use SQLite unless TEST_DATABASE_URL names another database (an empty
one they may fill and empty again), e.g.
postgresql+psycopg://postgres@localhost/{{ cookiecutter.package_name }}_test.

flask-db-kit's pytest plugin (`flask_db_kit_app` in pyproject.toml) adds
the checks that follow the models (every model's table{% if cookiecutter.api %}, API{% endif %} and
migrations: `tests/conftest.py::flask_db_kit:models::...`), and fixtures
these tests use too:
- `db_session`: the app's session; whatever a test writes is rolled back
  after it (a transaction per test module, a SAVEPOINT per test);
{%- if cookiecutter.api and cookiecutter.api_auth %}
- `module_token`: an API token for the module's tests;
{%- endif %}
- the factories give the same values each run, and passwords are hashed
  with one round.
"""

import os
from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_db_kit.database_url import with_installed_driver
from sqlalchemy.orm import scoped_session

{{ cookiecutter.package_name | python_from_import("create_app", "") }}
{{ (cookiecutter.package_name ~ ".config") | python_from_import("Config", "") }}
{{ (cookiecutter.package_name ~ ".extensions") | python_from_import("db", "") }}


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
        flask_migrate.upgrade()
        yield app
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()
{%- if cookiecutter.api and cookiecutter.api_auth %}


@pytest.fixture
def client(app: Flask, db_session: scoped_session, module_token: str) -> FlaskClient:
    """A client whose requests write in the test's transaction and carry an
    API token."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {module_token}"
    return client
{%- else %}


@pytest.fixture
def client(app: Flask, db_session: scoped_session) -> FlaskClient:
    """A client whose requests write in the test's transaction."""
    return app.test_client()
{%- endif %}
