"""The models against a real database: every model round-trips, and the
database itself enforces what the models declare (unique and NOT NULL
columns, enum values, defaults, links between rows).

The cases come from the mapped models (see model_facts.py), so a column or a
model added to models.py is tested here too, named in the test ids. Collected
into the project's tests/ (see plugin.py); the fixtures come from its
conftest.py and from fixtures.py.
"""

import datetime
import math
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from flask_db_kit.factories import RowMaker
from flask_db_kit.testing import model_facts
from flask_db_kit.testing.project import current

MODELS = current().mapped_models()


def cases(facts_of):
    """One case per (model, fact) of `facts_of(model)`, named Model.attribute."""
    return [
        pytest.param(model, fact, id=f"{model.__name__}.{name_of(fact)}")
        for model in MODELS
        for fact in facts_of(model)
    ]


def name_of(fact):
    if isinstance(fact, str):
        return fact
    if isinstance(fact, tuple) and all(isinstance(part, str) for part in fact):
        return "+".join(fact)
    return fact.attribute


models = pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)


@pytest.fixture
def rows(db_session):
    return RowMaker(db_session)


def without_python_defaults(table):
    """A copy of `table` without Python-side defaults: an insert through it
    leaves the missing columns to the database, as plain SQL would."""
    columns = (
        sa.Column(column.name, column.type, primary_key=column.primary_key)
        for column in table.columns
    )
    return sa.Table(table.name, sa.MetaData(), *columns)


def attribute_values(row, values):
    return {attribute: getattr(row, attribute) for attribute in values}


@models
def test_round_trip(db_session, rows, model):
    """A row with every field set reads back unchanged."""
    values = rows.complete_values(model)
    row = rows.add(model(**values))
    db_session.commit()
    db_session.expire_all()
    assert attribute_values(row, values) == values


@pytest.mark.parametrize(("model", "attributes"), cases(model_facts.unique_attributes))
def test_database_refuses_duplicates_in_unique_columns(
    db_session, rows, model, attributes
):
    first = rows.add(model(**rows.complete_values(model)))
    db_session.commit()
    # Straight to the table: for a one-to-one reference the ORM would unlink
    # the first row rather than let two rows point at one target.
    values = rows.column_values(model)
    mapper = sa.inspect(model)
    for attribute in attributes:
        values[mapper.columns[attribute].name] = getattr(first, attribute)
    with pytest.raises(sa.exc.IntegrityError):
        db_session.execute(sa.insert(model.__table__).values(values))


@pytest.mark.parametrize(("model", "attribute"), cases(model_facts.not_null_attributes))
def test_database_refuses_null_in_not_null_columns(db_session, rows, model, attribute):
    # Straight to the table with an explicit NULL: through the ORM a None
    # would be left out of the INSERT, and a default would fill it.
    values = rows.column_values(model)
    values[sa.inspect(model).columns[attribute].name] = sa.null()
    with pytest.raises(sa.exc.IntegrityError):
        db_session.execute(sa.insert(model.__table__).values(values))


@pytest.mark.parametrize(("model", "reference"), cases(model_facts.references))
def test_reference_reads_back_from_both_sides(db_session, rows, model, reference):
    target = rows.make(reference.target)
    row = rows.make(model, **{reference.attribute: target})
    db_session.commit()
    db_session.expire_all()
    assert getattr(row, reference.attribute) is target
    if reference.inverse:
        # One row for a unique reference (`:unique`); a list otherwise, also
        # for a reference that is a key on its own (unique too, by the key).
        inverse = sa.inspect(reference.target).relationships[reference.inverse]
        assert inverse.uselist or reference.unique
        expected = [row] if inverse.uselist else row
        assert getattr(target, reference.inverse) == expected


@pytest.mark.parametrize(("model", "link"), cases(model_facts.links))
def test_many_link_reads_back_from_both_sides(db_session, rows, model, link):
    target = rows.make(link.target)
    row = rows.make(model, **{link.attribute: [target]})
    db_session.commit()
    db_session.expire_all()
    assert getattr(row, link.attribute) == [target]
    if link.inverse:
        assert getattr(target, link.inverse) == [row]


@pytest.mark.parametrize(("model", "attribute"), cases(model_facts.enum_attributes))
def test_enum_refuses_values_outside_it(db_session, rows, model, attribute):
    with pytest.raises(sa.exc.StatementError):
        rows.make(model, **{attribute: "not-a-listed-value"})


def orm_defaults(model):
    return [d for d in model_facts.defaults(model) if d.value is not None]


def database_defaults(model):
    return [d for d in model_facts.defaults(model) if d.in_database]


def applied_as_written(actual, default, session):
    """Whether `actual` is `default` as the database applied it: exact, but
    for a float on SQLite, which reads a number written in SQL (as a default
    is, in the table's definition) with a conversion of its own that can be
    one unit off in the last place."""
    if isinstance(default, float) and session.get_bind().dialect.name == "sqlite":
        return abs(actual - default) <= math.ulp(default)
    return actual == default


@pytest.mark.parametrize(("model", "default"), cases(orm_defaults))
def test_default_applies_when_field_is_not_given(db_session, rows, model, default):
    values = rows.values(model)
    values.pop(default.attribute, None)
    row = rows.add(model(**values))
    db_session.commit()
    db_session.expire_all()
    assert getattr(row, default.attribute) == default.value


@pytest.mark.parametrize(("model", "default"), cases(database_defaults))
def test_database_applies_default_without_the_orm(db_session, rows, model, default):
    """The migration carries each default, so plain SQL inserts get it too."""
    values = rows.column_values(model)
    values.pop(sa.inspect(model).columns[default.attribute].name, None)
    table = without_python_defaults(model.__table__)
    result = db_session.execute(sa.insert(table).values(values))
    row = db_session.get(model, tuple(result.inserted_primary_key))
    actual = getattr(row, default.attribute)
    if default.value is None:  # a SQL function, such as the current time
        assert actual is not None
    else:
        assert applied_as_written(actual, default.value, db_session)


# A session time zone far from UTC, as each server names it; SQLite has none
# (its CURRENT_TIMESTAMP is UTC whatever the machine's zone).
FAR_FROM_UTC = {
    "postgresql": ("SET TIME ZONE 'Asia/Tokyo'", "SET TIME ZONE DEFAULT"),
    "mysql": ("SET time_zone = '+09:00'", "SET time_zone = @@global.time_zone"),
    "mariadb": ("SET time_zone = '+09:00'", "SET time_zone = @@global.time_zone"),
}


@contextmanager
def session_time_zone_far_from_utc(session):
    statements = FAR_FROM_UTC.get(session.get_bind().dialect.name)
    if statements is None:
        yield
        return
    session.execute(sa.text(statements[0]))
    try:
        yield
    finally:
        session.execute(sa.text(statements[1]))


def close_to_now(value, before, after):
    """Whether `value` lies between the UTC times `before` and `after`: a
    date on one of their dates, a time to the second (SQLite keeps seconds)."""
    if not isinstance(value, datetime.datetime):
        return before.date() <= value <= after.date()
    second = datetime.timedelta(seconds=1)
    return before - second <= value <= after + second


def utc_now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def database_clock_start(session):
    """The earliest "now" the database may write: PostgreSQL's now() is the
    start of the transaction, which the suite keeps open for a whole module."""
    if session.get_bind().dialect.name != "postgresql":
        return utc_now()
    started = session.execute(sa.select(sa.func.now())).scalar_one()
    return started.astimezone(datetime.UTC).replace(tzinfo=None)


@pytest.mark.parametrize(("model", "attribute"), cases(model_facts.clock_attributes))
def test_now_is_utc_whatever_the_session_time_zone(db_session, rows, model, attribute):
    """The database and the ORM fill in the current UTC date or time, in a
    session whose time zone is nine hours away from UTC."""
    column = sa.inspect(model).columns[attribute]
    before = database_clock_start(db_session)
    with session_time_zone_far_from_utc(db_session):
        values = rows.column_values(model)
        values.pop(column.name, None)
        table = without_python_defaults(model.__table__)
        result = db_session.execute(sa.insert(table).values(values))
        key = tuple(result.inserted_primary_key)
        from_database = getattr(db_session.get(model, key), attribute)
    # Again through the ORM, without the first row: the column may be unique.
    db_session.rollback()
    with session_time_zone_far_from_utc(db_session):
        orm_rows = RowMaker(db_session)
        orm_values = orm_rows.values(model)
        orm_values.pop(attribute, None)
        from_orm = getattr(orm_rows.add(model(**orm_values)), attribute)
        after = utc_now()
    assert close_to_now(from_database, before, after), (from_database, before)
    assert close_to_now(from_orm, before, after), (from_orm, before)


@pytest.mark.parametrize(("model", "password"), cases(model_facts.passwords))
def test_a_password_is_kept_as_its_hash(db_session, rows, model, password):
    row = rows.make(model)
    getattr(row, f"set_{password.name}")("correct horse battery")
    db_session.commit()
    db_session.expire_all()
    kept = getattr(row, password.hash_attribute)
    assert "correct horse" not in kept
    check = getattr(row, f"check_{password.name}")
    assert check("correct horse battery")
    assert not check("correct horse")


def text_secrets(model):
    """Secret text columns long enough that their value cannot be in a repr by
    chance (not an enum, a String too, that holds its values only)."""
    mapper = sa.inspect(model)
    return [
        attribute
        for attribute in model_facts.secret_attributes(model)
        if isinstance(mapper.columns[attribute].type, sa.String)
        and not isinstance(mapper.columns[attribute].type, sa.Enum)
        and (mapper.columns[attribute].type.length or SECRET_LENGTH) >= SECRET_LENGTH
    ]


SECRET_LENGTH = 8


@pytest.mark.parametrize(("model", "attribute"), cases(text_secrets))
def test_a_secret_is_never_in_a_repr(db_session, rows, model, attribute):
    row = rows.make(model, **{attribute: "S3cr3t!x"})
    db_session.commit()
    assert "S3cr3t!x" not in repr(row) + str(row)


def references_with_on_delete(model):
    return [r for r in model_facts.references(model) if r.on_delete]


@pytest.mark.parametrize(("model", "reference"), cases(references_with_on_delete))
def test_the_foreign_key_has_the_declared_on_delete(db_session, model, reference):
    """The migration gave the foreign key its ON DELETE."""
    table = model.__table__
    column = sa.inspect(model).columns[reference.key]
    reflected = sa.inspect(db_session.connection()).get_foreign_keys(table.name)
    [foreign_key] = [
        fk for fk in reflected if fk["constrained_columns"] == [column.name]
    ]
    assert foreign_key["options"].get("ondelete", "").upper() == reference.on_delete


def test_sqlite_enforces_foreign_keys(db_session):
    """SQLite checks foreign keys (and applies their ON DELETE) only on the
    connections that ask: the app's do (flask_db_kit.database)."""
    if db_session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL and MariaDB always enforce them")
    assert db_session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize("how", ["orm", "sql"])
@pytest.mark.parametrize(("model", "reference"), cases(model_facts.references))
def test_deleting_a_referred_row_does_what_the_reference_says(
    db_session, rows, model, reference, how
):
    """:cascade deletes the row that refers to the deleted one, :nullify
    empties its reference, and without either the database refuses the
    delete, optional reference or not: through the ORM (which must not empty
    the reference first) as through plain SQL."""
    row = rows.make(model)
    # A target made last, that no other row refers to (the factories may give
    # the row's other references targets that refer to an earlier one, and a
    # cascade from there would take the row along).
    target = rows.make(reference.target)
    setattr(row, reference.attribute, target)
    db_session.commit()
    row_key, target_id = sa.inspect(row).identity, getattr(row, reference.key)
    if how == "orm":
        db_session.delete(target)
        delete = db_session.flush
    else:
        # The column the reference points at: the key, or its `:to=` field.
        [foreign_key] = sa.inspect(model).columns[reference.key].foreign_keys
        statement = sa.delete(reference.target.__table__).where(
            foreign_key.column == target_id
        )

        def delete():
            db_session.execute(statement)

    if reference.on_delete is None:
        with pytest.raises(sa.exc.IntegrityError):
            delete()
        db_session.rollback()
        assert getattr(db_session.get(model, row_key), reference.key) == target_id
        return
    delete()
    db_session.commit()
    db_session.expire_all()
    remaining = db_session.get(model, row_key)
    if reference.on_delete == "CASCADE":
        assert remaining is None
    else:
        assert getattr(remaining, reference.key) is None


def counted_keys(model):
    """The model's key, if the database counts it up."""
    column = model.__table__.autoincrement_column
    if column is None:
        return []
    return [sa.inspect(model).get_property_by_column(column).key]


@pytest.mark.parametrize(("model", "key"), cases(counted_keys))
def test_an_id_is_never_handed_out_twice(db_session, rows, model, key):
    """Not even the highest after its row is deleted (SQLite's AUTOINCREMENT)."""
    first = rows.make(model)
    db_session.commit()
    taken = getattr(first, key)
    db_session.delete(first)
    db_session.commit()
    second = rows.make(model)
    db_session.commit()
    assert getattr(second, key) > taken
