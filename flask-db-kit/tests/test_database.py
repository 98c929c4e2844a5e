"""flask_db_kit.database: named constraints, SQLite as strict as the other
databases, and an unusable DATABASE_URL refused in one line."""

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_db_kit.database import (
    NAMING_CONVENTION,
    enforce_sqlite_rules,
    init_database,
    unusable_database_url,
)
from flask_db_kit.settings import ConfigurationError
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


def test_sqlite_checks_foreign_keys_and_never_reuses_ids():
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    before = sa.Table("before", metadata, sa.Column("id", sa.Integer, primary_key=True))
    enforce_sqlite_rules(metadata)
    enforce_sqlite_rules(metadata)  # once is enough; twice does no harm
    parents = sa.Table(
        "parents", metadata, sa.Column("id", sa.Integer, primary_key=True)
    )
    children = sa.Table(
        "children",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.ForeignKey("parents.id")),
    )
    other = sa.Table(
        "other", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True)
    )
    assert before.dialect_kwargs["sqlite_autoincrement"] is True
    assert parents.dialect_kwargs["sqlite_autoincrement"] is True
    assert not other.dialect_options["sqlite"]["autoincrement"]
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(parents.insert().values(id=1))
        connection.execute(parents.insert().values(id=2))
        connection.execute(children.insert().values(id=1, parent_id=1))
        connection.execute(parents.delete().where(parents.c.id == 2))
        assert connection.execute(parents.insert()).inserted_primary_key[0] == 3
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(parents.delete().where(parents.c.id == 1))
    engine.dispose()
    [fk] = children.foreign_key_constraints
    assert fk.name == "fk_children_parent_id_parents"


def test_an_unusable_database_url_is_one_line(tmp_path):
    class Base(DeclarativeBase):
        pass

    app = Flask(__name__)
    url = f"sqlite:///{tmp_path / 'x.db'}?timeout=abc"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    with pytest.raises(
        ConfigurationError, match="DATABASE_URL cannot be used"
    ) as raised:
        init_database(app, SQLAlchemy(model_class=Base))
    assert "\n" not in raised.value.message


def test_the_password_never_shows():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://app:hunter2@db/app"
    message = unusable_database_url(app, ValueError("bad hunter2\nmore"))
    assert message == "DATABASE_URL cannot be used: bad ***; correct it in .env"


def test_an_aware_datetime_is_kept_as_utc_and_read_back_aware():
    """flask_db_kit.utc.AwareDateTime on SQLite: any offset in, UTC out; a
    naive value is UTC; AwareNow fills it in. (PostgreSQL's TIMESTAMP WITH
    TIME ZONE and MariaDB: the template's tests/test_version3.py.)"""
    import datetime

    from flask_db_kit.utc import AwareDateTime, AwareNow

    metadata = sa.MetaData()
    moments = sa.Table(
        "moments",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", AwareDateTime(), server_default=AwareNow()),
    )
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    with engine.begin() as connection:
        connection.execute(
            moments.insert(),
            [
                {"id": 1, "at": datetime.datetime(2024, 1, 2, 9, 0, tzinfo=tokyo)},
                {"id": 2, "at": datetime.datetime(2024, 1, 2, 9, 0)},
            ],
        )
        connection.execute(moments.insert().values(id=3))
        rows = dict(connection.execute(sa.select(moments.c.id, moments.c.at)).all())
        stored = connection.exec_driver_sql("SELECT at FROM moments WHERE id = 1")
        assert stored.scalar_one() == "2024-01-02 00:00:00.000000"
    engine.dispose()
    assert rows[1] == datetime.datetime(2024, 1, 2, 0, 0, tzinfo=datetime.UTC)
    assert rows[2] == datetime.datetime(2024, 1, 2, 9, 0, tzinfo=datetime.UTC)
    now = datetime.datetime.now(datetime.UTC)
    assert abs((now - rows[3]).total_seconds()) < 60
