"""The production settings: what the app refuses to start with, and what
every response carries."""

import json
import secrets
from collections.abc import Callable, Iterator

import pytest
from flask import Flask, session

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.config import Config, ConfigurationError
from {{ cookiecutter.package_name }}.extensions import db
{%- if cookiecutter.api %}
from {{ cookiecutter.package_name }}.resources import served_models
{%- endif %}

GOOD_KEY = secrets.token_hex(32)


@pytest.fixture
def production_environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> pytest.MonkeyPatch:
    """What a server's environment holds: no APP_ENV, no FLASK_DEBUG."""
    for name in ("APP_ENV", "FLASK_DEBUG", "SECRET_KEY_FALLBACKS", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
{%- if cookiecutter.api %}
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
{%- endif %}
    monkeypatch.delenv("MAX_CONTENT_LENGTH", raising=False)
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return monkeypatch


@pytest.fixture
def apps() -> Iterator[Callable[..., Flask]]:
    """create_app, its database connections closed after the test.
{%- if cookiecutter.api %}

    The tests of what the app does outside its REST API make it without the
    API (`with_api=False`): an app that answers a request builds its API
    first, a good part of a second for each app of a large schema.
{%- endif %}"""
    made: list[Flask] = []

    def make(config: Config | None = None, **options: bool) -> Flask:
        made.append(create_app(config, **options))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_production_is_the_default(
    apps: Callable[..., Flask],
    production_environment: pytest.MonkeyPatch,
) -> None:
    config = Config.from_environment()
    assert config.PRODUCTION
    assert config.SESSION_COOKIE_SECURE
    app = apps()
    assert not app.debug
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]


def test_development_is_asked_for(production_environment: pytest.MonkeyPatch) -> None:
    production_environment.setenv("APP_ENV", "development")
    production_environment.setenv("SECRET_KEY", "dev")
    config = Config.from_environment()
    assert not config.PRODUCTION and not config.SESSION_COOKIE_SECURE


def test_an_unknown_environment_is_refused(
    production_environment: pytest.MonkeyPatch,
) -> None:
    production_environment.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigurationError, match="APP_ENV is 'staging'"):
        Config.from_environment()


@pytest.mark.parametrize("debug", ["1", "true"])
def test_production_refuses_debug(
    apps: Callable[..., Flask], production_environment: pytest.MonkeyPatch, debug: str
) -> None:
    production_environment.setenv("FLASK_DEBUG", debug)
    with pytest.raises(ConfigurationError, match="debug is on"):
        apps()


@pytest.mark.parametrize(
    "key",
    ["change-me", "CHANGE-ME", "x", "secret", "your-secret-key", GOOD_KEY[:31]],
)
def test_production_refuses_a_weak_or_placeholder_key(
    production_environment: pytest.MonkeyPatch, key: str
) -> None:
    production_environment.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        Config.from_environment()


def test_production_refuses_a_weak_fallback_key(
    production_environment: pytest.MonkeyPatch,
) -> None:
    production_environment.setenv("SECRET_KEY_FALLBACKS", f"{GOOD_KEY[::-1]},change-me")
    with pytest.raises(ConfigurationError, match="SECRET_KEY_FALLBACKS"):
        Config.from_environment()


@pytest.mark.parametrize("name", ["TRUSTED_PROXIES", "MAX_CONTENT_LENGTH"])
def test_a_count_that_is_not_a_number_is_refused(
    production_environment: pytest.MonkeyPatch, name: str
) -> None:
    production_environment.setenv(name, "two")
    with pytest.raises(ConfigurationError, match=f"{name} .*'two'"):
        Config.from_environment()


def test_the_old_key_still_verifies_after_a_rotation(
    apps: Callable[..., Flask],
    production_environment: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    old_key = secrets.token_hex(32)
    before = apps(
        Config(
            SECRET_KEY=old_key, SQLALCHEMY_DATABASE_URI=database_url, PRODUCTION=True
        ){% if cookiecutter.api %},
        with_api=False,{% endif %}
    )
    with before.test_request_context():
        session["user"] = "kept"
        interface = before.session_interface
        cookie = interface.get_signing_serializer(before).dumps(dict(session))

    production_environment.setenv("SECRET_KEY_FALLBACKS", old_key)
    after = apps({% if cookiecutter.api %}with_api=False{% endif %})
    assert after.config["SECRET_KEY"] == GOOD_KEY
    with after.test_request_context(headers={"Cookie": f"session={cookie}"}):
        assert session["user"] == "kept"


def test_every_response_carries_the_security_headers(
    apps: Callable[..., Flask],
    production_environment: pytest.MonkeyPatch,
) -> None:
    client = apps().test_client()
    for url in ["/health"{% if cookiecutter.api %}, "/api/", "/api/openapi.json"{% endif %}]:
        headers = client.get(url).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-eval" not in policy
        assert "Strict-Transport-Security" not in headers


def test_behind_a_trusted_proxy_https_is_seen(
    apps: Callable[..., Flask],
    production_environment: pytest.MonkeyPatch,
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    # Without TRUSTED_PROXIES the headers are a client's word, and ignored.
    ignored = apps({% if cookiecutter.api %}with_api=False{% endif %}).test_client().get("/health", headers=forwarded)
    assert "Strict-Transport-Security" not in ignored.headers

    production_environment.setenv("TRUSTED_PROXIES", "1")
    app = apps({% if cookiecutter.api %}with_api=False{% endif %})
    seen = app.test_client().get("/health", headers=forwarded)
    assert seen.status_code == 200
    assert seen.headers["Strict-Transport-Security"].startswith("max-age=")
{%- if cookiecutter.api %}


# A list of rows the API serves: none when every model has a key of its own
# (`:primary`), and the test is then left out (see conftest.py).
@pytest.mark.parametrize(
    "url", [f"/api/{model.__tablename__}" for model in served_models()][:1]
)
def test_a_body_over_the_limit_is_refused_with_413(
    apps: Callable[..., Flask],
    production_environment: pytest.MonkeyPatch,
{%- if cookiecutter.api_auth %}
    auth_headers: dict[str, str],
{%- endif %}
    url: str,
) -> None:
    production_environment.setenv("MAX_CONTENT_LENGTH", "1000")
    app = apps()
    assert app.config["MAX_CONTENT_LENGTH"] == 1000
    response = app.test_client().post(
        url,
        data=json.dumps({"field": "x" * 2000}),
        content_type="application/json",
{%- if cookiecutter.api_auth %}
        headers=auth_headers,
{%- endif %}
    )
    assert response.status_code == 413
    assert response.json["code"] == 413


def test_cors_is_off_unless_origins_are_named(
    apps: Callable[..., Flask],
    production_environment: pytest.MonkeyPatch,
) -> None:
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization",
    }
    closed = apps().test_client().options("/api/openapi.json", headers=preflight)
    assert "Access-Control-Allow-Origin" not in closed.headers

    origins = "https://app.example, https://b.example"
    production_environment.setenv("CORS_ORIGINS", origins)
    client = apps().test_client()
    allowed = client.options("/api/openapi.json", headers=preflight)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    other = client.options(
        "/api/openapi.json", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in other.headers
{%- endif %}


def test_production_logs_are_json_lines_on_stdout(
    apps: Callable[..., Flask],
    production_environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = apps({% if cookiecutter.api %}with_api=False{% endif %})
    with app.test_request_context("/somewhere"):
        app.logger.warning("something %s", "happened")
    [line] = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["message"] == "something happened"
    assert entry["path"] == "/somewhere"
