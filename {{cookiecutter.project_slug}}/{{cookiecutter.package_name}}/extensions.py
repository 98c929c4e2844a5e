"""The Flask extensions: created here unbound, bound to the app in create_app."""

import sqlite3
{%- if cookiecutter.api %}
import threading
from collections.abc import Callable, Iterator
from typing import Self
{%- endif %}

{% if cookiecutter.api -%}
import flask_smorest
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, resolver
from flask import Flask
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
from werkzeug.routing import Map, MapAdapter, Rule

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


class Deferred:
    """Work put off until it is first needed, then done once.

    `defer(work)` adds a function; `complete()` runs those added so far, in
    their order, and forgets them. Under a threaded server the first requests
    come in together: one of them runs the work, holding a lock, and the
    others wait for it to finish. Work that fails is not tried again: each
    later `complete()` raises, naming `what` could not be made.
    """

    def __init__(self, what: str) -> None:
        self._what = what
        self._deferred: list[Callable[[], None]] = []
        self._pending = False
        self._running = False
        self._failure: Exception | None = None
        self._lock = threading.RLock()

    def defer(self, work: Callable[[], None]) -> None:
        with self._lock:
            self._deferred.append(work)
            self._pending = True

    def complete(self) -> None:
        """Run the deferred work now, once: the first caller runs it, and
        other threads wait until it is done."""
        if not self._pending:
            return
        with self._lock:
            if self._failure is not None:
                raise RuntimeError(
                    f"{self._what} could not be made: {self._failure}"
                ) from self._failure
            if not self._pending or self._running:
                # Done, or being done in this thread (the work reads what it
                # makes: the routes being added read the map).
                return
            self._running = True
            try:
                for work in self._deferred:
                    work()
            except Exception as error:
                self._failure = error
                raise
            finally:
                self._running = False
            self._deferred.clear()
            self._pending = False


class DeferredRoutes(Map):
    """Werkzeug's URL map, with rules that may be added when it is first read.

    `defer(add)` puts off `add` (a function registering blueprints) until
    something reads the routes: a request matching its URL, `url_for`,
    `flask routes`, `app.url_map.iter_rules()`. `complete()` adds them now.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._additions = Deferred("the app's routes")

    def defer(self, add: Callable[[], None]) -> None:
        self._additions.defer(add)

    def complete(self) -> None:
        self._additions.complete()

    def bind(self, *args, **kwargs) -> MapAdapter:
        self.complete()
        return super().bind(*args, **kwargs)

    def bind_to_environ(self, *args, **kwargs) -> MapAdapter:
        self.complete()
        return super().bind_to_environ(*args, **kwargs)

    def iter_rules(self, endpoint=None) -> Iterator[Rule]:
        self.complete()
        return super().iter_rules(endpoint)

    def is_endpoint_expecting(self, endpoint, *arguments: str) -> bool:
        self.complete()
        return super().is_endpoint_expecting(endpoint, *arguments)


class App(Flask):
    """Flask, with a REST API made when it is first used (see register_api in
    __init__.py): its routes a DeferredRoutes map, and the operations of its
    OpenAPI document written when the document is first read."""

    url_map_class = DeferredRoutes

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.api_document = Deferred("the app's OpenAPI document")

    def complete_api(self) -> None:
        """Its deferred routes, then the document of their operations, now."""
        self.url_map.complete()
        self.api_document.complete()


class Api(flask_smorest.Api):
    """flask-smorest's Api: the REST API's blueprints and OpenAPI document, and
    JSON instead of HTML for every HTTP error of the app.

    Each operation documents the errors it answers with and no catch-all
    `default` response, so the document says exactly what a client (or a
    fuzzer) may receive. A 405 keeps its Allow header, as HTTP requires.

    Like flask-smorest's, it holds the document of the last app given to
    init_app; reading it (`api.spec`: the OpenAPI document's view,
    `flask openapi print`) first adds that app's deferred routes and writes
    their operations into the document (App.complete_api).
    """

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app: Flask, *, spec_kwargs: dict | None = None) -> None:
        # Plugins of its own for each app's document: an apispec plugin keeps
        # the document it writes to, and an app's routes may be added after
        # another app was made (tests make several).
        plugins = {
            "marshmallow_plugin": MarshmallowPlugin(
                schema_name_resolver=schema_component_name
            ),
            "extra_plugins": [RequestLimitsPlugin()],
        }
        super().init_app(app, spec_kwargs=plugins | (spec_kwargs or {}))

    @property
    def spec(self) -> APISpec | None:
        if isinstance(self._app, App):
            self._app.complete_api()
        return self._spec

    @spec.setter
    def spec(self, spec: APISpec | None) -> None:
        self._spec = spec

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


api = Api()
{%- endif %}
