"""The Flask extensions: created here unbound, bound to the app in create_app."""

import sqlite3
{%- if cookiecutter.api %}
from typing import Self
{%- endif %}

{% if cookiecutter.api -%}
import flask_smorest
from apispec.ext.marshmallow import MarshmallowPlugin, resolver
{% endif -%}
from flask_migrate import Migrate
{%- if cookiecutter.api %}
from flask_smorest.error_handler import ErrorSchema as SmorestErrorSchema
{%- endif %}
from flask_sqlalchemy import SQLAlchemy
{%- if cookiecutter.api %}
from marshmallow import Schema
{%- endif %}
from sqlalchemy import Engine, MetaData, Table, event
from sqlalchemy.orm import DeclarativeBase
{%- if cookiecutter.api %}
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .request_limits import RequestLimitsPlugin
{%- endif %}

# Every constraint gets a predictable name from the first migration on:
# Alembic cannot drop or alter an unnamed constraint later.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def enforce_foreign_keys_on_sqlite(connection: object, record: object) -> None:
    """SQLite checks foreign keys, and applies their ON DELETE, only on the
    connections that ask for it: every connection of the app does, so that a
    row still referred to is not deleted there either. (The migrations turn it
    off while they copy tables: see migrations/env.py.)"""
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA foreign_keys = ON")


@event.listens_for(Table, "after_parent_attach")
def never_reuse_ids(table: Table, metadata: MetaData) -> None:
    """SQLite's AUTOINCREMENT on every table of the models, written by hand or
    not: an id is never handed out again after its row is deleted (SQLite
    reuses the highest otherwise). SQLite applies it to an integer key only;
    the other databases ignore it."""
    if metadata is Base.metadata:
        table.dialect_kwargs["sqlite_autoincrement"] = True
{%- if cookiecutter.api %}


class SharedWhenCopied:
    """A schema that deep copies share rather than copy.

    flask-smorest deep-copies each operation's documentation, its schemas
    included, at every decorator and again when it registers a blueprint:
    most of the start-up time of an API of many models. A schema is not
    changed once made (one instance serves every request), so it can be its
    own copy.
    """

    def __deepcopy__(self, memo: dict) -> Self:
        return self


class ErrorSchema(SharedWhenCopied, SmorestErrorSchema):
    """flask-smorest's error body: `code`, `status`, `message`, `errors`."""


class Api(flask_smorest.Api):
    """flask-smorest's Api: the REST API's blueprints and OpenAPI document, and
    JSON instead of HTML for every HTTP error of the app.

    Each operation documents the errors it answers with and no catch-all
    `default` response, so the document says exactly what a client (or a
    fuzzer) may receive. A 405 keeps its Allow header, as HTTP requires.
    """

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        payload, status, headers = super().handle_http_exception(error)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers = {**headers, "Allow": ", ".join(sorted(error.valid_methods))}
        return payload, status, headers


def schema_component_name(schema: type[Schema] | Schema) -> str:
    """The name of a schema in the OpenAPI document: `Post` for PostSchema, and
    `PostUpdate` for the PostSchema(partial=True) that PATCH reads."""
    partial = not isinstance(schema, type) and schema.partial
    return resolver(schema) + ("Update" if partial else "")
{%- endif %}


db = SQLAlchemy(model_class=Base)
# Flask-Migrate 4 turns on batch mode (SQLite's ALTER TABLE) and type comparison.
migrate = Migrate()

{%- if cookiecutter.api %}


api = Api(
    spec_kwargs={
        "marshmallow_plugin": MarshmallowPlugin(
            schema_name_resolver=schema_component_name
        ),
        "extra_plugins": [RequestLimitsPlugin()],
    }
)
{%- endif %}
