"""`flask seed`: sample rows in the database, to look at and to try the app on.

The rows come from flask_db_kit.factories, made from the models as they are
now, refined by the factories the app declares in `<package>/factories.py`
(imported when it exists), with realistic values (Faker's names, emails,
URLs, sentences, as each field's name suggests). `--seed N` makes the same
rows again. A development tool: the factories need the `testing` extra
(polyfactory, which brings Faker), which the project's dev dependencies
bring (`pip install -e '.[dev]'`); a production app (APP_ENV=production)
is refused unless `--yes-production` says so.
"""

import importlib
import importlib.util
import random
from typing import Any

import click
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from flask_db_kit.mapping import mapped_models


@click.command("seed")
@click.option(
    "--rows",
    default=10,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Rows to add to each table.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    help="The same rows again from the same number (random by default).",
)
@click.option(
    "--yes-production",
    is_flag=True,
    help="Add fake rows even though the app is production (APP_ENV).",
)
def seed_command(rows: int, seed: int | None, yes_production: bool) -> None:
    """Add sample rows to every table the app serves (not the API's tokens)."""
    if current_app.config.get("PRODUCTION") and not yes_production:
        raise click.ClickException(
            "this app is production (APP_ENV=production): flask seed would add "
            "fake rows to its database; add --yes-production if you mean it"
        )
    factories = load_factories()
    db = current_app.extensions["sqlalchemy"]
    factories.start_again(
        seed=random.randrange(2**32) if seed is None else seed, realistic=True
    )
    maker = factories.RowMaker(db.session, spread=True)
    added = {}
    try:
        for model in sample_models(db):
            existing = db.session.scalar(select(func.count()).select_from(model))
            # Unique values of few (an enum's) continue after those taken.
            factories.ROWS_MADE[model] = existing
            wanted = room(factories, model, existing, rows)
            for _ in range(wanted):
                maker.add(model(**maker.complete_values(model)))
            added[model.__table__.name] = wanted
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        reason = str(getattr(error, "orig", error)).splitlines()[0]
        raise click.ClickException(
            f"no rows added: the database refused one: {reason}"
        ) from error
    for table, count in added.items():
        click.echo(f"{table}: {count} rows added")


def room(factories: Any, model: type, existing: int, rows: int) -> int:
    """How many rows of `model` to add, up to `rows`: as many as its unique
    values of few leave, and as many as there are targets left for a
    reference that needs one of its own for each row (the models a model
    refers to are seeded before it)."""
    wanted = factories.capacity(model, existing + rows) - existing
    for reference in factories.model_facts.references(model):
        own_target = reference.unique or factories.in_unique_set(reference)
        if own_target and reference.target is not model:
            total = factories.capacity(reference.target, 2**31)
            wanted = min(wanted, total - factories.ROWS_MADE[reference.target])
    return max(wanted, 0)


def sample_models(db: Any) -> list[type]:
    """The models to add rows to: all but those whose table says it is not
    served (`info={"served": False}`: the API's tokens, which only `flask
    tokens create` makes)."""
    return [
        model
        for model in mapped_models(db)
        if model.__table__.info.get("served", True) is not False
    ]


def load_factories() -> Any:
    """flask_db_kit.factories, and the app's own factories if it has some;
    a one-line error when the dev dependencies are missing."""
    try:
        from flask_db_kit import factories
    except ImportError as error:
        raise click.ClickException(
            f"flask seed needs the dev dependencies ({error.name} is missing): "
            "pip install -e '.[dev]'"
        ) from None
    import_optional(f"{current_app.import_name}.factories")
    return factories


def import_optional(name: str) -> None:
    """Import module `name` if it exists (the app's own factories)."""
    try:
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # its parent is a module, not a package
        found = False
    if found:
        importlib.import_module(name)
