"""The application factory, its settings and its pages."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import create_app, database_url
from {{ cookiecutter.package_name }}.config import Config, ConfigurationError
from {{ cookiecutter.package_name }}.extensions import db


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-the-environment.db")
    config = Config.from_environment()
    assert config.SECRET_KEY == "from-the-environment"
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:///from-the-environment.db"
    assert not config.TESTING


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (
            "postgres://app:p%40ss@db:5433/app",
            "postgresql+psycopg://app:p%40ss@db:5433/app",
        ),
        (
            "postgresql://app@/app?host=/run/pg",
            "postgresql+psycopg://app@/app?host=/run/pg",
        ),
        (
            "mysql://app@db/app?charset=utf8mb4",
            "mysql+pymysql://app@db/app?charset=utf8mb4",
        ),
        ("mariadb://app@db/app", "mariadb+pymysql://app@db/app"),
        ("postgresql+psycopg2://app@db/app", "postgresql+psycopg2://app@db/app"),
        ("sqlite:///app.db", "sqlite:///app.db"),
    ],
)
def test_database_urls_get_an_installed_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, used: str
) -> None:
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("SECRET_KEY", "set")
    monkeypatch.setenv("DATABASE_URL", given)
    assert Config.from_environment().SQLALCHEMY_DATABASE_URI == used


def test_a_database_without_a_driver_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(database_url, "find_spec", lambda name: None)
    with pytest.raises(database_url.MissingDriver, match="'PyMySQL'") as raised:
        database_url.with_installed_driver("mysql://app:hunter2@db/app")
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_a_missing_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", "set")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///set.db")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        create_app()


def test_the_factory_applies_the_config(app: Flask) -> None:
    assert app.testing
    assert app.config["SECRET_KEY"] == "test"
    assert "db" in app.cli.commands
    assert "setup-db" in app.cli.commands


def test_index_lists_the_tables(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.json["tables"] == sorted(db.metadata.tables)


def test_health_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_fails_when_the_database_is_unreachable(tmp_path) -> None:
    unreachable = tmp_path / "missing-folder" / "app.db"
{%- if cookiecutter.api %}
    # Without its REST API, which /health does not need: an app builds its
    # API at its first request.
{%- endif %}
    app = create_app(
        Config(
            SECRET_KEY="test",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{unreachable}",
            TESTING=True,
        ){% if cookiecutter.api %},
        with_api=False,{% endif %}
    )
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_setup_db_is_idempotent(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["setup-db"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
{%- if cookiecutter.api %}


def test_the_app_without_its_api_has_the_database_commands(tmp_path) -> None:
    # bin/setup runs `flask setup-db` in this app, which skips building the API.
    app = create_app(
        Config(
            SECRET_KEY="test",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.db'}",
            TESTING=True,
        ),
        with_api=False,
    )
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    assert not [rule for rule in rules if rule.startswith("/api")]
    assert {"db", "setup-db"} <= set(app.cli.commands)
    assert app.test_client().get("/health").status_code == 200
{%- endif %}
