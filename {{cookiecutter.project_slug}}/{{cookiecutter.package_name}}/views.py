"""The app's pages: a start page and a health check."""

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

{{ cookiecutter.project_name | python_assignment("PROJECT_NAME") }}

blueprint = Blueprint("main", __name__)


@blueprint.get("/")
def index() -> dict[str, object]:
    """The app's name; in development its tables too, which production
    tells no visitor."""
    if current_app.config["PRODUCTION"]:
        return {"app": PROJECT_NAME}
    return {"app": PROJECT_NAME, "tables": sorted(db.metadata.tables)}


@blueprint.get("/health")
def health() -> tuple[dict[str, str], int]:
    """Up, and the database answers: what a load balancer needs to know."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "unhealthy", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
