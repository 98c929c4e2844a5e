"""The factories and `flask seed`, on a tiny app of their own: unique values
apart in every row, capacities (also through a key that refers to a model
of few rows), a declared factory winning, and seed skipping the tokens."""

import enum
import re
import sys
import textwrap
import types

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_db_kit import factories
from flask_db_kit.factories import ModelFactory, RowMaker, capacity, factory_for
from flask_db_kit.seed import seed_command
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Size(enum.Enum):
    small = "small"
    large = "large"


class Shelf(db.Model):
    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[Size] = mapped_column(unique=True)
    label: Mapped[str] = mapped_column(sa.String(40), unique=True)


class Slot(db.Model):
    """Keyed by its shelf and a number: a row needs a shelf of its own."""

    __tablename__ = "slots"
    shelf_id: Mapped[int] = mapped_column(sa.ForeignKey("shelves.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    shelf: Mapped[Shelf] = relationship()


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(120), unique=True)


class Secret(db.Model):
    __tablename__ = "secrets"
    __table_args__ = {"info": {"served": False}}
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(20))


@pytest.fixture
def app(tmp_path):
    app = Flask("factories_test")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'f.db'}"
    db.init_app(app)
    app.cli.add_command(seed_command)
    with app.app_context():
        db.create_all()
        factories.start_again(seed=0)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_unique_columns_differ_from_row_to_row(app):
    rows = RowMaker(db.session)
    made = [rows.make(Shelf) for _ in range(capacity(Shelf, 5))]
    assert len({shelf.label for shelf in made}) == len(made) == 2


def test_capacity_follows_a_key_reference_to_its_target(app):
    assert capacity(Shelf, 10) == 2  # an enum of two values
    assert capacity(Slot, 10) == 2  # each slot needs a shelf of its own
    rows = RowMaker(db.session)
    for _ in range(capacity(Slot, 10)):
        rows.make(Slot)
    db.session.commit()


def test_a_declared_factory_wins(app):
    class ShelfFactory(ModelFactory[Shelf]):
        label = "declared"

    try:
        assert factory_for(Shelf) is ShelfFactory
        assert RowMaker(db.session).values(Shelf)["label"].endswith("declared")
    finally:
        del factories.DECLARED[Shelf]


def docstring_example(module) -> str:
    """The first indented block of a module's docstring, as code."""
    lines = module.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    end = next(
        (i for i in range(start, len(lines)) if lines[i] and lines[i][0] != " "),
        len(lines),
    )
    return textwrap.dedent("\n".join(lines[start:end]))


def test_the_factory_example_works_as_copied(app, monkeypatch):
    """factories.py's example, imports and all, on an app whose package is
    `myapp` with a User model."""
    package = types.ModuleType("myapp")
    package.models = types.ModuleType("myapp.models")
    package.models.User = User
    monkeypatch.setitem(sys.modules, "myapp", package)
    monkeypatch.setitem(sys.modules, "myapp.models", package.models)
    try:
        exec(docstring_example(factories), {})
        assert factory_for(User).__name__ == "UserFactory"
        emails = [RowMaker(db.session).values(User)["email"] for _ in range(3)]
        assert all(email.endswith("@example.com") for email in emails)
        assert len(set(emails)) == 3
    finally:
        factories.DECLARED.pop(User, None)


def test_seed_fills_the_tables_but_the_unserved(app):
    result = app.test_cli_runner().invoke(args=["seed", "--rows", "3"])
    assert result.exit_code == 0, result.output
    assert "shelves: 2 rows added" in result.output
    assert "secrets" not in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Secret)) == 0
    again = app.test_cli_runner().invoke(args=["seed"])
    assert "shelves: 0 rows added" in again.output


def test_seed_without_the_dev_dependencies_says_what_to_install(app, monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "flask_db_kit.factories")
    monkeypatch.setitem(sys.modules, "polyfactory.factories.sqlalchemy_factory", None)
    monkeypatch.delattr("flask_db_kit.factories", raising=False)
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 1
    assert "pip install -e '.[dev]'" in result.output
    assert "Traceback" not in result.output


def test_seed_refuses_a_production_app_unless_told(app):
    app.config["PRODUCTION"] = True
    refused = app.test_cli_runner().invoke(args=["seed"])
    assert refused.exit_code == 1
    assert refused.output.count("\n") == 1, refused.output
    assert "production" in refused.output and "--yes-production" in refused.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    told = app.test_cli_runner().invoke(args=["seed", "--yes-production"])
    assert told.exit_code == 0, told.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 10


def seeded_rows(app, *arguments: str) -> list[tuple]:
    """The rows `flask seed ...` adds to empty tables."""
    db.drop_all()
    db.create_all()
    result = app.test_cli_runner().invoke(args=["seed", *arguments])
    assert result.exit_code == 0, result.output
    return [
        tuple(row)
        for model in (User, Shelf)
        for row in db.session.execute(sa.select(model.__table__)).all()
    ]


def test_seed_rows_are_readable_and_the_same_from_the_same_seed(app):
    rows = seeded_rows(app, "--rows", "5", "--seed", "7")
    assert rows == seeded_rows(app, "--rows", "5", "--seed", "7")
    assert rows != seeded_rows(app, "--rows", "5", "--seed", "8")
    emails = [email for _, email in db.session.execute(sa.select(User.__table__))]
    # A unique column keeps its values apart with the row's number.
    assert len(set(emails)) == 5
    for email in emails:
        assert re.fullmatch(r"[a-z0-9._%-]+\+\d+@[a-z0-9.-]+\.[a-z]{2,}", email), email
    labels = db.session.scalars(sa.select(Shelf.label)).all()
    for label in labels:
        assert len(label) <= 40 and re.fullmatch(r"[A-Z][a-z]+( [a-z]+)* \d+", label)


def test_realistic_text_follows_the_field_name_and_the_length():
    class OwnBase(DeclarativeBase):  # not in the app's tables
        pass

    class Person(OwnBase):
        __tablename__ = "people"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(sa.String(12))
        homepageUrl: Mapped[str] = mapped_column(sa.String(200))
        bio: Mapped[str] = mapped_column(sa.Text)
        status: Mapped[Size]

    factories.start_again(seed=3, realistic=True)
    try:
        values = factory_for(Person).process_kwargs()
    finally:
        factories.start_again()
    assert len(values["name"]) <= 12 and values["name"][0].isupper()
    assert values["homepageUrl"].startswith(("http://", "https://"))
    assert values["bio"].count(" ") >= 5 and values["bio"].endswith(".")
    assert isinstance(values["status"], Size)
    assert factories.name_words("avatarURL") >= {"avatar", "url"}
