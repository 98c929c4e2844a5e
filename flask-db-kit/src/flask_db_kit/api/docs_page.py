"""The REST API's docs page at /api/: Swagger UI, served by the app itself.

Its files come from the swagger-ui-bundle package (no CDN: nothing to pin,
nothing to go down), and the page has no inline script, so the
Content-Security-Policy of flask_db_kit.production can forbid them. The page runs
swagger_ui_start.js, which reads the OpenAPI document's URL from the page.
"""

from pathlib import Path

from flask import Blueprint, Response, current_app, url_for
from markupsafe import escape
from swagger_ui_bundle import swagger_ui_path

START_SCRIPT = Path(__file__).with_name("swagger_ui_start.js").read_text()

blueprint = Blueprint(
    "docs",
    __name__,
    static_folder=swagger_ui_path,
    static_url_path="/swagger-ui",
)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{stylesheet}">
<link rel="icon" type="image/png" href="{icon}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{bundle}"></script>
<script src="{start}"></script>
</body>
</html>
"""


@blueprint.get("/api/")
def page() -> Response:
    html = PAGE.format(
        title=escape(current_app.config["API_TITLE"]),
        stylesheet=escape(url_for(".static", filename="swagger-ui.css")),
        icon=escape(url_for(".static", filename="favicon-32x32.png")),
        openapi_url=escape(url_for("api-docs.openapi_json")),
        bundle=escape(url_for(".static", filename="swagger-ui-bundle.js")),
        start=escape(url_for(".start_script")),
    )
    return Response(html, mimetype="text/html")


@blueprint.get("/swagger-ui/start.js")
def start_script() -> Response:
    return Response(START_SCRIPT, mimetype="text/javascript")
