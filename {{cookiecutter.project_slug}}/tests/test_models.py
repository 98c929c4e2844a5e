{%- set plan = cookiecutter.__models | models_plan(cookiecutter.timestamps) -%}
{%- macro table(name, entries) -%}
{%- if entries -%}
{{ name }} = {
{%- for entry in entries %}
    {{ entry }}
{%- endfor %}
}
{%- else -%}
{{ name }} = {}
{%- endif -%}
{%- endmacro -%}
"""The models against a real database: every model round-trips, and the database
itself enforces what the models declare (unique and NOT NULL columns, enum values,
defaults, links between rows)."""

import collections
import datetime
{%- if plan.tests.defaults %}
import math
{%- endif %}
import uuid
from decimal import Decimal
from typing import NamedTuple

import pytest
import sqlalchemy as sa

from {{ cookiecutter.package_name }} import models


class Reference(NamedTuple):
    """A many-to-one link: `attribute` holds the target row, `column` its key."""

    attribute: str
    column: str
    target: type
    inverse: str
    required: bool
    unique: bool


class ManyLink(NamedTuple):
    attribute: str
    target: type
    inverse: str


class Default(NamedTuple):
    field: str
    value: object


# A value for every column of each model. Where a column is unique, each row of a
# test gets a different value (see `distinct`).
{{ table("SAMPLE_VALUES", plan.tests.sample_values) }}

{{ table("REFERENCES", plan.tests.references) }}

{{ table("MANY_LINKS", plan.tests.many_links) }}

# Columns whose values the database keeps unique, the keys of one-to-one
# references included.
{{ table("UNIQUE_COLUMNS", plan.tests.unique_columns) }}

{{ table("NOT_NULL_COLUMNS", plan.tests.not_null_columns) }}

{{ table("ENUM_FIELDS", plan.tests.enum_fields) }}

{{ table("DEFAULTS", plan.tests.defaults) }}

MODELS = list(SAMPLE_VALUES)


def cases(table):
    """One pytest case per (model, item) of a `{model: [item, ...]}` table."""
    return [
        pytest.param(model, item, id=f"{model.__name__}.{name_of(item)}")
        for model, items in table.items()
        for item in items
    ]


def name_of(item):
    return item if isinstance(item, str) else item[0]


def distinct(value, n, column):
    """`value` changed for row `n` of a test, for a unique column."""
    if isinstance(column.type, sa.Enum):
        enums = column.type.enums
        if n >= len(enums) and column.nullable:
            return None  # NULLs never clash, and every value is taken
        return enums[n % len(enums)]
    if isinstance(value, str):
        numbered = f"{value}-{n}"
        return numbered[len(numbered) - column.type.length :]
    if isinstance(value, Decimal):
        # Hundredths at the finest: SQLite keeps a decimal as a double, in
        # which steps of 10**-scale would vanish for a scale over about 15.
        return value + Decimal(n).scaleb(-min(column.type.scale, 2))
    if isinstance(value, datetime.datetime):
        return value + datetime.timedelta(minutes=n)
    if isinstance(value, datetime.date):
        return value + datetime.timedelta(days=n)
    if isinstance(value, datetime.time):
        return value.replace(minute=n % 60)
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=value.int + n)
    return value + n


class Rows:
    """Makes valid rows for one test, as few as it can.

    Rows of a model are numbered, so unique columns differ. A reference that is
    not unique, and a many link, point at one row of their target, made once per
    test and shared. A unique reference needs a target that no other row points
    at through it: a row of the target model made earlier in the test if one is
    free, else a new one. (A unique column of few values, an enum's, holds few
    rows.)
    """

    def __init__(self, session):
        self.session = session
        self.made = collections.Counter()
        self.rows_of = collections.defaultdict(list)
        self.shared_rows = {}
        self.taken = collections.defaultdict(set)  # unique reference: its targets

    # `model` is positional-only so that a field may be called "model".
    def values(self, model, /, **overrides):
        """Attribute values for a new row of `model`, required references set."""
        n = self.made[model]
        self.made[model] += 1
        values = dict(SAMPLE_VALUES[model])
        for name in UNIQUE_COLUMNS.get(model, []):
            if name in values:
                column = model.__table__.columns[name]
                values[name] = distinct(values[name], n, column)
        for reference in REFERENCES.get(model, []):
            if reference.attribute in overrides:
                if reference.unique and overrides[reference.attribute] is not None:
                    self.taken[reference].add(overrides[reference.attribute])
            elif reference.required:
                values[reference.attribute] = self.target_of(reference)
        values.update(overrides)
        return values

    def complete_values(self, model, /):
        """Values for a new row of `model` with every field set, links included."""
        values = self.values(model)
        for reference in REFERENCES.get(model, []):
            if not reference.required:
                values[reference.attribute] = self.target_of(reference)
        for link in MANY_LINKS.get(model, []):
            values[link.attribute] = [self.shared_row(link.target)]
        return values

    def column_values(self, model, /):
        """Values for a new row as its table sees them: keys instead of rows."""
        values = self.values(model)
        for reference in REFERENCES.get(model, []):
            if reference.attribute in values:
                values[reference.column] = values.pop(reference.attribute).id
        return values

    def target_of(self, reference):
        if not reference.unique:
            return self.shared_row(reference.target)
        taken = self.taken[reference]
        free = [row for row in self.rows_of[reference.target] if row not in taken]
        target = free[0] if free else self.make(reference.target)
        taken.add(target)
        return target

    def shared_row(self, model, /):
        if model not in self.shared_rows:
            self.shared_rows[model] = self.make(model)
        return self.shared_rows[model]

    def make(self, model, /, **overrides):
        """Add and flush a new row of `model`."""
        return self.add(model(**self.values(model, **overrides)))

    def add(self, row, /):
        self.session.add(row)
        self.session.flush()
        self.rows_of[type(row)].append(row)
        return row


@pytest.fixture
def rows(db_session):
    return Rows(db_session)


def without_python_defaults(table):
    """A copy of `table` without Python-side defaults: an insert through it leaves
    the missing columns to the database, as plain SQL would."""
    columns = (
        sa.Column(column.name, column.type, primary_key=column.primary_key)
        for column in table.columns
    )
    return sa.Table(table.name, sa.MetaData(), *columns)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_round_trip(db_session, rows, model):
    """A row with every field set reads back unchanged."""
    values = rows.complete_values(model)
    row = rows.add(model(**values))
    db_session.commit()
    db_session.expire_all()
    for attribute, value in values.items():
        assert getattr(row, attribute) == value, attribute
{%- if plan.tests.timestamps %}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_database_fills_in_timestamps(db_session, rows, model):
    row = rows.make(model)
    db_session.commit()
    db_session.expire_all()
    assert isinstance(row.created_at, datetime.datetime)
    assert isinstance(row.updated_at, datetime.datetime)
{%- endif %}
{%- if plan.tests.unique_columns %}


@pytest.mark.parametrize(("model", "column"), cases(UNIQUE_COLUMNS))
def test_database_refuses_duplicates_in_unique_columns(db_session, rows, model, column):
    first = rows.add(model(**rows.complete_values(model)))
    db_session.commit()
    # Straight to the table: for a one-to-one reference the ORM would unlink the
    # first row rather than let two rows point at one target.
    values = rows.column_values(model)
    values[column] = getattr(first, column)
    with pytest.raises(sa.exc.IntegrityError):
        db_session.execute(sa.insert(model.__table__).values(values))
{%- endif %}
{%- if plan.tests.not_null_columns %}


@pytest.mark.parametrize(("model", "column"), cases(NOT_NULL_COLUMNS))
def test_database_refuses_null_in_not_null_columns(db_session, rows, model, column):
    # Straight to the table with an explicit NULL: through the ORM a None would
    # be left out of the INSERT, and a default would fill it.
    values = rows.column_values(model)
    values[column] = sa.null()
    with pytest.raises(sa.exc.IntegrityError):
        db_session.execute(sa.insert(model.__table__).values(values))
{%- endif %}
{%- if plan.tests.references %}


@pytest.mark.parametrize(("model", "reference"), cases(REFERENCES))
def test_reference_reads_back_from_both_sides(db_session, rows, model, reference):
    target = rows.make(reference.target)
    row = rows.make(model, **{reference.attribute: target})
    db_session.commit()
    db_session.expire_all()
    assert getattr(row, reference.attribute) is target
    inverse = getattr(target, reference.inverse)
    assert inverse == (row if reference.unique else [row])
{%- endif %}
{%- if plan.tests.many_links %}


@pytest.mark.parametrize(("model", "link"), cases(MANY_LINKS))
def test_many_link_reads_back_from_both_sides(db_session, rows, model, link):
    target = rows.make(link.target)
    row = rows.make(model, **{link.attribute: [target]})
    db_session.commit()
    db_session.expire_all()
    assert getattr(row, link.attribute) == [target]
    assert getattr(target, link.inverse) == [row]
{%- endif %}
{%- if plan.tests.enum_fields %}


@pytest.mark.parametrize(("model", "field"), cases(ENUM_FIELDS))
def test_enum_refuses_values_outside_it(db_session, rows, model, field):
    with pytest.raises(sa.exc.StatementError):
        rows.make(model, **{field: "not-a-listed-value"})
{%- endif %}
{%- if plan.tests.defaults %}


def applied_as_written(actual, default, session):
    """Whether `actual` is the value of `default` as the database applied it.

    Exact, but for a float on SQLite: SQLite reads a number written in SQL, as
    a default is in the table's definition, with a conversion of its own that
    can be one unit off in the last place.
    """
    if isinstance(default, float) and session.get_bind().dialect.name == "sqlite":
        return abs(actual - default) <= math.ulp(default)
    return actual == default


@pytest.mark.parametrize(("model", "default"), cases(DEFAULTS))
def test_default_applies_when_field_is_not_given(db_session, rows, model, default):
    values = rows.values(model)
    del values[default.field]
    row = rows.add(model(**values))
    db_session.commit()
    db_session.expire_all()
    assert getattr(row, default.field) == default.value


@pytest.mark.parametrize(("model", "default"), cases(DEFAULTS))
def test_database_applies_default_without_the_orm(db_session, rows, model, default):
    """The migration carries each default, so plain SQL inserts get it too."""
    values = rows.column_values(model)
    del values[default.field]
    table = without_python_defaults(model.__table__)
    result = db_session.execute(sa.insert(table).values(values))
    row = db_session.get(model, result.inserted_primary_key[0])
    assert applied_as_written(getattr(row, default.field), default.value, db_session)
{%- endif %}
