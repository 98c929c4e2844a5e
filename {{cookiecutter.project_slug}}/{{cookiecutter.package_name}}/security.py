"""What production asks of any web app: no debugger, the real client behind
proxies, security headers{% if cookiecutter.api %}, and cross-origin calls to the API only from
origins named{% endif %}.
"""

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigurationError

# Scripts, styles and images from the app itself only{% if cookiecutter.api %} (the docs page's
# Swagger UI included: its files are served from the swagger-ui-bundle
# package and started by a file, not an inline script); Swagger UI's icons
# are data: URLs{% endif %}. No page may frame the app's.
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
    if app.config["PRODUCTION"] and app.debug:
        raise ConfigurationError(
            "debug is on (FLASK_DEBUG) with APP_ENV=production: the debugger "
            "runs any code a visitor sends; unset FLASK_DEBUG"
        )
    proxies = app.config["TRUSTED_PROXIES"]
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
{%- if cookiecutter.api %}
    if app.config["CORS_ORIGINS"]:
        # Imported here: an app that allows no other origin never loads it.
        from flask_cors import CORS

        CORS(
            app,
            resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
            # Tokens travel in the Authorization header, never in cookies.
            supports_credentials=False,
            expose_headers=["Location", "Link", "X-Pagination"],
        )
{%- endif %}


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", STRICT_TRANSPORT_SECURITY
        )
    return response
