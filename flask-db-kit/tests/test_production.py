"""flask_db_kit.production: what the app refuses to start with, what every
response carries, and the logs."""

import json
import re

import pytest
from flask import Flask
from flask_db_kit.production import register_logging, register_security
from flask_db_kit.settings import ConfigurationError


def make(name: str = "production_app", **config) -> Flask:
    app = Flask(name)
    app.config.update({"PRODUCTION": True, "LOG_LEVEL": "INFO", **config})
    register_security(app)
    register_logging(app)
    app.get("/api/x")(lambda: {"ok": True})
    return app


def test_production_refuses_debug():
    app = Flask(__name__)
    app.config.update(PRODUCTION=True, DEBUG=True)
    with pytest.raises(ConfigurationError, match="debug is on"):
        register_security(app)


def test_every_response_carries_the_security_headers():
    headers = make().test_client().get("/api/x").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert "Strict-Transport-Security" not in headers


def test_behind_a_trusted_proxy_https_is_seen():
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    ignored = make().test_client().get("/api/x", headers=forwarded)
    assert "Strict-Transport-Security" not in ignored.headers
    seen = make(TRUSTED_PROXIES=1).test_client().get("/api/x", headers=forwarded)
    assert seen.headers["Strict-Transport-Security"].startswith("max-age=")


def test_cors_is_off_unless_origins_are_named():
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization",
    }
    closed = make().test_client().options("/api/x", headers=preflight)
    assert "Access-Control-Allow-Origin" not in closed.headers
    client = make(CORS_ORIGINS=["https://app.example"]).test_client()
    allowed = client.options("/api/x", headers=preflight)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    other = {**preflight, "Origin": "https://evil.example"}
    assert (
        "Access-Control-Allow-Origin"
        not in client.options("/api/x", headers=other).headers
    )


def test_production_logs_are_json_lines_on_stdout(capsys):
    app = make()
    with app.test_request_context("/somewhere"):
        app.logger.warning("something %s", "happened")
    [line] = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["message"]) == ("WARNING", "something happened")
    assert entry["path"] == "/somewhere"


def test_development_logs_stay_flasks():
    app = make("development_app", PRODUCTION=False, LOG_LEVEL="DEBUG")
    assert app.logger.level == 10 and app.logger.propagate


def test_the_docs_page_runs_under_the_policy(app):
    """The docs page (a kit app) has no inline script: every script is a file."""
    client = app.test_client()
    page = client.get("/api/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/api/openapi.json" in html and "Kit Test" in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in tag and not body.strip() for tag, body in scripts)
    for source in re.findall(r'<script src="([^"]+)"', html):
        with client.get(source) as script:
            assert script.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
