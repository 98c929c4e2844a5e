"""`flask seed`: sample rows in the database, to look at and to try the app on.

The rows come from the tests' factories (tests/factories.py), so they are
made from the models as they are now, refined where the factories say so. A
development tool: it needs the dev dependencies (`pip install -e '.[dev]'`).
"""

import importlib
import random
import sys
from pathlib import Path
from types import ModuleType

import click
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .mapping import mapped_models


@click.command("seed")
@click.option(
    "--rows",
    default=10,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Rows to add to each table.",
)
def seed_command(rows: int) -> None:
    """Add sample rows to every table, made by tests/factories.py."""
    factories = load_factories(Path(current_app.root_path).parent / "tests")
    factories.start_again(seed=random.randrange(2**32))
    maker = factories.RowMaker(db.session, spread=True)
    added = {}
    try:
        for model in sample_models():
            existing = db.session.scalar(select(func.count()).select_from(model))
            # Unique values of few (an enum's) continue after those taken.
            factories.ROWS_MADE[model] = existing
            wanted = factories.capacity(model, existing + rows) - existing
            for _ in range(wanted):
                maker.add(model(**maker.complete_values(model)))
            added[model.__tablename__] = wanted
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        reason = str(getattr(error, "orig", error)).splitlines()[0]
        raise click.ClickException(
            f"no rows added: the database refused one: {reason}"
        ) from error
    for table, count in added.items():
        click.echo(f"{table}: {count} rows added")


def sample_models() -> list[type]:
    """The models to add rows to{% if cookiecutter.api and cookiecutter.api_auth %}: all but the API's tokens, which only `flask
    tokens create` makes{% endif %}."""
{%- if cookiecutter.api and cookiecutter.api_auth %}
    from .auth import ApiToken

    return [model for model in mapped_models() if model is not ApiToken]
{%- else %}
    return mapped_models()
{%- endif %}


def load_factories(tests: Path) -> ModuleType:
    if not (tests / "factories.py").is_file():
        raise click.ClickException(f"{tests / 'factories.py'} is missing")
    sys.path.insert(0, str(tests))
    try:
        return importlib.import_module("factories")
    except ImportError as error:
        raise click.ClickException(
            f"flask seed needs the dev dependencies ({error.name} is missing): "
            "pip install -e '.[dev]'"
        ) from error
    finally:
        sys.path.remove(str(tests))
