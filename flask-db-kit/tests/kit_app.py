"""A tiny app on the kit, for the library's own tests: a few models with
every kind of column the API treats apart (enum, decimal, datetime, binary,
a password, a secret, a many-to-many link, a reference to the same table),
served by `flask_db_kit.api` and protected by `flask_db_kit.tokens`."""

import datetime
import decimal
import enum

from flask import Flask
from flask_db_kit.api import Api, App
from flask_db_kit.database import NAMING_CONVENTION, enforce_sqlite_rules, init_database
from flask_db_kit.production import register_logging, register_security
from flask_db_kit.tokens import ApiTokens
from flask_db_kit.utc import UtcNow
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

# DATETIME keeps whole seconds on MariaDB unless given fsp=6.
PreciseDateTime = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


enforce_sqlite_rules(Base.metadata)
db = SQLAlchemy(model_class=Base)


class Status(enum.Enum):
    draft = "draft"
    published = "published"


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Author(db.Model):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(
        String(200), info={"hash_of": "password"}
    )
    api_key: Mapped[str | None] = mapped_column(String(64), info={"secret": True})
    created_at: Mapped[datetime.datetime] = mapped_column(server_default=UtcNow())

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, "pbkdf2:sha256:1")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Post(db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[Status] = mapped_column(default=Status.draft)
    price: Mapped[decimal.Decimal | None] = mapped_column(Numeric(8, 2))
    published_at: Mapped[datetime.datetime | None] = mapped_column(PreciseDateTime)
    cover: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    rating: Mapped[int | None] = mapped_column(default=5)
    score: Mapped[float | None]
    due: Mapped[datetime.time | None]
    featured: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    author: Mapped[Author] = relationship()
    parent: Mapped["Post | None"] = relationship(remote_side=[id])
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags)


class Serial(db.Model):
    """Keyed by a string: not served."""

    __tablename__ = "serials"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)


tokens = ApiTokens(db)


def make_app(database_url: str, *, with_api: bool = True, **config) -> Flask:
    app = App(__name__)
    app.config.update(
        {
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "PRODUCTION": False,
            "API_TITLE": "Kit Test",
            **config,
        }
    )
    register_security(app)
    register_logging(app)
    init_database(app, db)
    if with_api:
        api = Api(app)
        tokens.init_app(app, api)
    return app
