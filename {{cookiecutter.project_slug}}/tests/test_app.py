"""The application factory and its settings (config.py): production unless
told otherwise, and what it refuses to start with."""

import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_db_kit.settings import ConfigurationError

{{ cookiecutter.package_name | python_from_import("create_app", "") }}
{{ (cookiecutter.package_name ~ ".config") | python_from_import("Config", "") }}
{{ (cookiecutter.package_name ~ ".extensions") | python_from_import("db", "") }}

GOOD_KEY = secrets.token_hex(32)


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> pytest.MonkeyPatch:
    """What a server's environment holds: no APP_ENV, no FLASK_DEBUG."""
    for name in ("APP_ENV", "FLASK_DEBUG", "SECRET_KEY_FALLBACKS", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("MAX_CONTENT_LENGTH", raising=False)
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return monkeypatch


def test_settings_come_from_the_environment(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("APP_ENV", "development")
    environment.setenv("SECRET_KEY", "from-the-environment")
    environment.setenv("DATABASE_URL", "sqlite:///from-the-environment.db")
    config = Config.from_environment()
    assert config.SECRET_KEY == "from-the-environment"
    assert config.SQLALCHEMY_DATABASE_URI == "sqlite:///from-the-environment.db"
    assert not config.TESTING and not config.PRODUCTION
    assert not config.SESSION_COOKIE_SECURE


def test_production_is_the_default(environment: pytest.MonkeyPatch) -> None:
    config = Config.from_environment()
    assert config.PRODUCTION and config.SESSION_COOKIE_SECURE
    app = create_app(config{% if cookiecutter.api %}, with_api=False{% endif %})
    assert not app.debug
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    with app.app_context():
        db.engine.dispose()


def test_an_unknown_environment_is_refused(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigurationError, match="APP_ENV is 'staging'"):
        Config.from_environment()


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_a_missing_setting_is_named(
    environment: pytest.MonkeyPatch, missing: str
) -> None:
    environment.delenv(missing)
    with pytest.raises(ConfigurationError, match=missing):
        create_app()


def test_production_refuses_debug(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigurationError, match="debug is on"):
        create_app()


@pytest.mark.parametrize(
    "key",
    [
        "change-me",
        "secret",
        "change-me" * 4,
        pytest.param(GOOD_KEY[:31], id="31-characters"),
    ],
)
def test_production_refuses_a_weak_or_placeholder_key(
    environment: pytest.MonkeyPatch, key: str
) -> None:
    environment.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Config.from_environment()


def test_production_refuses_a_weak_fallback_key(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("SECRET_KEY_FALLBACKS", f"{GOOD_KEY[::-1]},change-me")
    with pytest.raises(ConfigurationError, match="SECRET_KEY_FALLBACKS"):
        Config.from_environment()


@pytest.mark.parametrize("name", ["TRUSTED_PROXIES", "MAX_CONTENT_LENGTH"])
def test_a_count_that_is_not_a_number_is_refused(
    environment: pytest.MonkeyPatch, name: str
) -> None:
    environment.setenv(name, "two")
    with pytest.raises(ConfigurationError, match=f"{name} .*'two'"):
        Config.from_environment()


def test_the_factory_applies_the_config(app: Flask) -> None:
    assert app.testing
    assert app.config["SECRET_KEY"] == "test"
    assert {"db", "setup-db", "seed"} <= set(app.cli.commands)


def test_index_lists_the_tables_in_development_only(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.json["tables"] == sorted(db.metadata.tables)
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    assert client.get("/").json == {"app": response.json["app"]}


def test_health_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    headers = client.get("/health").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_health_fails_when_the_database_is_unreachable(tmp_path) -> None:
    unreachable = tmp_path / "missing-folder" / "app.db"
    config = Config(
        SECRET_KEY="test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{unreachable}"
    )
    app = create_app(config{% if cookiecutter.api %}, with_api=False{% endif %})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_setup_db_is_idempotent(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["setup-db"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
{%- if cookiecutter.api %}


def test_the_app_without_its_api_has_no_api_routes(tmp_path) -> None:
    # bin/setup runs `flask setup-db` in this app, which skips building the API.
    config = Config(
        SECRET_KEY="test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.db'}"
    )
    app = create_app(config, with_api=False)
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    assert not [rule for rule in rules if rule.startswith("/api")]
    assert {"db", "setup-db"} <= set(app.cli.commands)
{%- endif %}
