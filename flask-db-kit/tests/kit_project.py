"""A tiny project on flask-db-kit, written for the tests of the pytest plugin,
the factories and `flask seed`: the package `shop` (two models, Author and
Book, the API with tokens unless asked otherwise), its migrations (made by
`make_migrations`) and tests/conftest.py as a baked project's."""

import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = "shop"

INIT = """
from pathlib import Path

from flask_db_kit.api import Api, App
from flask_db_kit.database import init_database
from flask_db_kit.seed import seed_command

from .extensions import db, migrate


def create_app(config):
    app = App(__name__)
    app.config.update(config)
    from . import models  # noqa: F401

    init_database(app, db)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    app.cli.add_command(seed_command)
    try:
        from . import api as overrides
    except ImportError:
        return app
    rest_api = Api(app, overrides=overrides)
    tokens = getattr(__import__("shop.extensions").extensions, "tokens", None)
    if tokens is not None:
        tokens.init_app(app, rest_api)
    return app
"""

EXTENSIONS = """
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from flask_db_kit.database import NAMING_CONVENTION, enforce_sqlite_rules
from flask_db_kit.migrations import alembic_options


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


enforce_sqlite_rules(Base.metadata)
db = SQLAlchemy(model_class=Base)
migrate = Migrate(**alembic_options())
"""

TOKENS = """
from flask_db_kit.tokens import ApiTokens

tokens = ApiTokens(db)
"""

MODELS = """
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


class Author(db.Model):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    born: Mapped[int | None]
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(db.Model):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")
"""

OVERRIDES = """
EXCLUDED_MODELS = set()
SCHEMAS = {}
BLUEPRINTS = {}
"""

CONFTEST = """
import os
from pathlib import Path

import flask_migrate
import pytest

from shop import create_app
from shop.extensions import db


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    app = create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade()
        yield app
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()
"""

OWN_TEST = """
from flask_db_kit.factories import RowMaker

from shop.models import Book


def test_a_book_has_an_author(db_session):
    book = RowMaker(db_session).make(Book)
    assert book.author.name
"""


def pyproject(*settings: str) -> str:
    lines = "\n".join(settings)
    return f"""
[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
addopts = ["-p", "pytester"]
pytest_alembic_tests_path = "tests/no-pytest-alembic-collector"
{lines}
"""


def write_project(
    root: Path, *, api: bool = True, tokens: bool = True, settings: tuple = ()
) -> Path:
    """The project's files under `root` (migrations aside)."""
    files = {
        f"{PACKAGE}/__init__.py": INIT,
        f"{PACKAGE}/extensions.py": EXTENSIONS + (TOKENS if tokens else ""),
        f"{PACKAGE}/models.py": MODELS,
        "tests/conftest.py": CONFTEST,
        "tests/test_own.py": OWN_TEST,
        "pyproject.toml": pyproject(f'flask_db_kit_app = "{PACKAGE}"', *settings),
    }
    if api:
        files[f"{PACKAGE}/api.py"] = OVERRIDES
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


MAKE_MIGRATIONS = """
import flask_migrate
from flask_db_kit.migrations import TEMPLATE_DIRECTORY
from shop import create_app

app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
with app.app_context():
    flask_migrate.init(directory="migrations", template=str(TEMPLATE_DIRECTORY))
    flask_migrate.migrate(directory="migrations", message="initial")
"""


def make_migrations(root: Path) -> None:
    """The initial migration, made against an empty in-memory database."""
    subprocess.run(
        [sys.executable, "-c", MAKE_MIGRATIONS],
        cwd=root,
        check=True,
        capture_output=True,
    )
