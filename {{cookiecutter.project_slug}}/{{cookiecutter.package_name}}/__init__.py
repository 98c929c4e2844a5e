"""The application factory: the settings, then each part of the app,
registered by a function of its own."""

from pathlib import Path

from flask import Flask
{%- if cookiecutter.api %}
from flask_db_kit.api import App
{%- endif %}
from flask_db_kit.database import init_database
from flask_db_kit.production import register_logging, register_security
from flask_db_kit.seed import seed_command
from flask_db_kit.setup_db import setup_db_command

from . import views
from .config import Config
from .extensions import db, migrate{% if cookiecutter.api and cookiecutter.api_auth %}, tokens{% endif %}


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

    init_database(app, db)
    # An absolute path, so that `flask db ...` works from any directory.
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(views.blueprint)
{%- if cookiecutter.api %}


def register_api(app: App) -> None:
    """The REST API under /api/: every model, as api.py adjusts it, with its
    OpenAPI document and docs page.

    The models' routes are made when first needed (the first request,
    `url_for`, `flask routes`), so that commands and tests that never call
    the API start without them; gunicorn.conf.py makes them before a
    production worker takes its first request.
    """
    # Imported here: an app without its API never loads them.
    from flask_db_kit.api import Api

    from . import api
{% if cookiecutter.api_auth %}
    rest_api = Api(app, overrides=api)
    # A bearer token on every /api/ request, and `flask tokens`.
    tokens.init_app(app, rest_api)
{%- else %}
    Api(app, overrides=api)
{%- endif %}
{%- endif %}


def register_commands(app: Flask) -> None:
    app.cli.add_command(setup_db_command)
    app.cli.add_command(seed_command)
