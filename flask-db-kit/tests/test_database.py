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
