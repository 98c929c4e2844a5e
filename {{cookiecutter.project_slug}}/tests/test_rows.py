"""Rows for your own tests, from flask-db-kit's factories: a value for each
column from its type, unique where the column is, and a row for each
required reference. To refine a model's rows, declare its factory, e.g. in
{{ cookiecutter.package_name }}/factories.py (which `flask seed` uses too):

    import uuid

    from flask_db_kit.factories import ModelFactory
    from polyfactory import Use

    from . import models

    class UserFactory(ModelFactory[models.User]):
        email = Use(lambda: f"{uuid.uuid4().hex[:12]}@example.com")

These examples work on whatever models models.py holds; yours may name
them: `rows.make(models.User, email="ada@example.com")`.
"""

import pytest
import sqlalchemy as sa
from flask_db_kit.factories import RowMaker, factory_for
from flask_db_kit.mapping import mapped_models
from sqlalchemy.orm import scoped_session

{{ (cookiecutter.package_name ~ ".extensions") | python_from_import("db", "") }}

MODELS = [m for m in mapped_models(db) if m.__table__.info.get("served", True)]
each_model = pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)


@each_model
def test_a_row_made_by_the_factories_is_saved(
    db_session: scoped_session, model: type
) -> None:
    rows = RowMaker(db_session)
    row = rows.make(model)  # added and flushed, its required references too
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(model, sa.inspect(row).identity) is row


@each_model
def test_values_alone_for_a_row_of_your_own(
    db_session: scoped_session, model: type
) -> None:
    # The column values, without references: a dict to change and pass on.
    values = factory_for(model).process_kwargs()
    assert set(values) <= set(sa.inspect(model).attrs.keys())


def test_each_test_starts_with_no_rows_of_its_own(db_session: scoped_session) -> None:
    # What a test wrote was rolled back after it (conftest.py: db_session).
    for model in MODELS:
        assert db_session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
