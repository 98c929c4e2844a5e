"""The application factory."""

{% if cookiecutter.api -%}
import functools
{% endif -%}
from pathlib import Path
from urllib.parse import urlsplit

{% if cookiecutter.api -%}
from apispec import APISpec
{% endif -%}
from flask import Flask
{%- if cookiecutter.api %}
from flask_smorest import Blueprint
{%- endif %}
from sqlalchemy.exc import ArgumentError

from . import views
from .config import Config, ConfigurationError
from .database_setup import setup_db_command
from .extensions import {% if cookiecutter.api %}App, api, {% endif %}db, migrate
from .logs import register_logging
from .security import register_security
from .seed import seed_command


{% if cookiecutter.api -%}
def create_app(config: Config | None = None, *, with_api: bool = True) -> Flask:
    """The app. Without its REST API (`with_api=False`) it has no /api/
    routes, as commands that only need the database want: bin/setup runs
    `flask setup-db` in it."""
    app = App(__name__)
{%- else -%}
def create_app(config: Config | None = None) -> Flask:
    app = Flask(__name__)
{%- endif %}
    app.config.from_object(config or Config.from_environment())
    register_security(app)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
{%- if cookiecutter.api %}
    if with_api:
        register_api(app)
{%- endif %}
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    # Imported for their side effect: Flask-Migrate only sees the tables of
    # models that were imported when it compares them with the database.
    from . import models  # noqa: F401
{%- if cookiecutter.api and cookiecutter.api_auth %}
    from .auth import ApiToken  # noqa: F401
{%- endif %}

    try:
        db.init_app(app)
    except (ArgumentError, TypeError, ValueError) as error:
        # The driver refused an option of DATABASE_URL (`?connect_timeout=abc`).
        raise ConfigurationError(unusable_database_url(app, error)) from None
    # An absolute path, so `flask db ...` works from any working directory.
    migrate.init_app(app, db, directory=Path(app.root_path).parent / "migrations")


def unusable_database_url(app: Flask, error: Exception) -> str:
    """One line on what is wrong with DATABASE_URL, without its password."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    password = urlsplit(app.config["SQLALCHEMY_DATABASE_URI"]).password
    if password:
        reason = reason.replace(password, "***")
    return f"DATABASE_URL cannot be used: {reason}; correct it in .env"


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(views.blueprint)


{%- if cookiecutter.api %}


def register_api(app: App) -> None:
    """The REST API under /api/, its OpenAPI document and JSON errors.

    The models' blueprints (their schemas, views and documented operations)
    are most of the start-up time of a large schema, so they are made when
    first needed: their routes when the routes are first read (the first
    request, `url_for`, `flask routes`), and their operations in the OpenAPI
    document when it is first read (/api/openapi.json, `flask openapi
    print`). `flask` commands, the reloader and the tests start without
    them, and a request that needs no document does not wait for it. A
    production server calls build_api, which makes both, before it takes a
    request.
    """
    # Imported here, not at the top: an app without its API never pays for it.
    from . import docs_page
{%- if cookiecutter.api_auth %}
    from .auth import register_auth
{%- endif %}
    from .request_limits import register_request_limits

    api.init_app(app)
    register_request_limits(app)
    app.register_blueprint(docs_page.blueprint)
{%- if cookiecutter.api_auth %}
    # Before the blueprints: it documents each operation as it comes.
    register_auth(app, api)
{%- endif %}
    app.url_map.defer(functools.partial(register_model_blueprints, app, api.spec))


def build_api(app: App) -> None:
    """Make the app's REST API now, its routes and its whole OpenAPI
    document, not when a request first needs them: what a production server
    does once the app is loaded, before it takes a request (gunicorn.conf.py,
    for gunicorn), so that no client waits for it and a mistake in
    api_overrides.py, in the routes or only in the document, stops the
    server's start. Once made, it is not made again."""
    app.complete_api()


def register_model_blueprints(app: App, spec: APISpec) -> None:
    """What api.register_blueprint does for each model's blueprint, for `app`
    and its own OpenAPI document: by the time they are made, `api` may hold
    another app's (the tests make several apps). The blueprints are
    registered now, and their operations written into the document when it
    is first read."""
    from . import resources

    blueprints = resources.model_blueprints()
    for blueprint in blueprints:
        app.extensions["flask-smorest"]["blp_name_to_api"][blueprint.name] = api
        app.register_blueprint(blueprint)
    app.api_document.defer(
        functools.partial(document_blueprints, app, spec, blueprints)
    )


def document_blueprints(app: App, spec: APISpec, blueprints: list[Blueprint]) -> None:
    """Each blueprint's operations, and its tag, in `app`'s OpenAPI document,
    in the blueprints' order (the tags' order in the docs page)."""
    for blueprint in blueprints:
        try:
            blueprint.register_views_in_doc(
                api, app, spec, name=blueprint.name, parameters=None
            )
        except Exception as error:
            # apispec's errors do not say which operation they are about.
            error.add_note(
                f"in the OpenAPI document of blueprint {blueprint.name!r}"
                f" ({blueprint.import_name})"
            )
            raise
        spec.tag({"name": blueprint.name, "description": blueprint.description})
{%- endif %}


def register_commands(app: Flask) -> None:
    app.cli.add_command(setup_db_command)
    app.cli.add_command(seed_command)
