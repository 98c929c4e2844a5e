"""The application factory."""

from pathlib import Path

from flask import Flask

from . import views
from .config import Config
from .database_setup import setup_db_command
from .extensions import db, migrate


def create_app(config: Config | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(config or Config.from_environment())
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    # Imported for its side effect: Flask-Migrate only sees the tables of
    # models that were imported when it compares them with the database.
    from . import models  # noqa: F401

    db.init_app(app)
    # An absolute path, so `flask db ...` works from any working directory.
    migrate.init_app(app, db, directory=Path(app.root_path).parent / "migrations")


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(views.blueprint)


def register_commands(app: Flask) -> None:
    app.cli.add_command(setup_db_command)
