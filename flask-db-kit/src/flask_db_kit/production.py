"""What production asks of any web app: no debugger, the real client behind
proxies, security headers, cross-origin calls to the API only from origins
named, and logs as JSON lines.

Both read the app's config: PRODUCTION, TRUSTED_PROXIES (how many proxies
set X-Forwarded-*), CORS_ORIGINS (a list) and LOG_LEVEL.

`refuse_bad_configuration` is a gunicorn `on_starting` hook: a setting the
app refuses stops gunicorn with one line, once, not a traceback per worker.
"""

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .settings import ConfigurationError

# Scripts, styles and images from the app itself only (the API's docs page
# included: its Swagger UI files are served by the app and started by a
# file, not an inline script); Swagger UI's icons are data: URLs. No page
# may frame the app's.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Browsers keep to HTTPS for two years once they saw this over HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


def register_security(app: Flask) -> None:
    """Refuse debug in production; trust TRUSTED_PROXIES proxies; add the
    security headers to every response; allow CORS_ORIGINS to call /api/."""
    if app.config.get("PRODUCTION") and app.debug:
        raise ConfigurationError(
            "debug is on (FLASK_DEBUG) with APP_ENV=production: the debugger "
            "runs any code a visitor sends; unset FLASK_DEBUG"
        )
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Each header is believed from that many proxies and no more, so a
        # client cannot pass itself off as another address or as HTTPS.
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=proxies,
            x_proto=proxies,
            x_host=proxies,
            x_port=proxies,
            x_prefix=proxies,
        )
    app.after_request(add_security_headers)
    origins = app.config.get("CORS_ORIGINS")
    if origins:
        # Imported here: an app that allows no other origin never loads it.
        from flask_cors import CORS

        CORS(
            app,
            resources={r"/api/*": {"origins": origins}},
            # Tokens travel in the Authorization header, never in cookies.
            supports_credentials=False,
            expose_headers=["Location", "Link", "X-Pagination"],
        )


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", STRICT_TRANSPORT_SECURITY
        )
    return response


class JSONFormatter(logging.Formatter):
    """One JSON object a line: what container platforms and log collectors
    read without a parser of their own."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["method"] = request.method
            entry["path"] = request.path
            entry["remote_addr"] = request.remote_addr
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def register_logging(app: Flask) -> None:
    """The app's log level from LOG_LEVEL; in production, its log as JSON
    lines on standard output (Flask's own handler writes plain text to
    standard error, for development)."""
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    if not app.config.get("PRODUCTION"):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JSONFormatter())
    app.logger.handlers[:] = [handler]
    app.logger.propagate = False


def refuse_bad_configuration(server: Any) -> None:
    """gunicorn's `on_starting` hook (`server` is its arbiter): make the app
    once, in a child process, before gunicorn listens or starts a worker. A
    setting the app refuses (a ConfigurationError: a placeholder or missing
    SECRET_KEY, FLASK_DEBUG=1 in production, a wrong APP_ENV or DATABASE_URL)
    is printed as one line, as bin/entrypoint prints it, and gunicorn exits
    with status 1 instead of each worker printing a traceback.

    The child, not gunicorn's master process, imports the app, so that a
    reload (HUP) still loads its code anew; any other error is left to the
    workers, which report it as gunicorn does.
    """
    if server.cfg.preload_app:  # gunicorn made the app already, in the master
        return
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        status = 0
        try:
            server.app.wsgi()
        except ConfigurationError as error:
            print(f"error: {error.format_message()}", file=sys.stderr, flush=True)
            status = 1
        except BaseException:  # noqa: BLE001 - the workers will report it
            pass
        os._exit(status)
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) == 1:
        sys.exit(1)
