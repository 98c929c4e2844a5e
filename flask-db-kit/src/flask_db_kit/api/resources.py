"""The REST API: a blueprint for each model, under /api/<table>.

    GET    /api/<table>?page=1&per_page=20   a page of rows, in id order
    POST   /api/<table>                      create a row
    GET    /api/<table>/<id>                 one row
    PATCH  /api/<table>/<id>                 change the fields given
    DELETE /api/<table>/<id>                 delete the row

Every model of the app's database is served (`served_models`): the
blueprints are made from the models each time the app runs (at its first
request, or by build_api before a server takes one), not written once for
them; the app's overrides module changes that for one model. The schemas
from schemas.py check every request and write every response, and
flask-smorest makes the OpenAPI document (/api/openapi.json) from the same
decorators. Each operation documents the errors it answers with, in JSON:
400 for malformed JSON or no body, 415 for a body that is not JSON, 422 for
a field that does not validate (named), 404 for an unknown id, 409 when the
database would refuse the change (its constraint explained).

The views use the database of the app that serves them
(`current_app.extensions["sqlalchemy"]`), so one blueprint function serves
any app.
"""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from flask import Request, current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.pagination import PaginationParameters
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema
from sqlalchemy import exists, func, inspect, null, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import RelationshipDirection, selectinload
from webargs import missing
from webargs.flaskparser import FlaskParser

from ..mapping import mapped_models
from .database_errors import explain_integrity_error
from .pages import (
    DEFAULT_PER_PAGE,
    LINK_HEADER,
    MAX_PER_PAGE,
    PagedBlueprint,
    add_page_links,
)
from .schemas import (
    MAX_ID,
    ErrorSchema,
    ModelSchema,
    ModelSchemas,
    RowIds,
    password_hashes,
    schema_for,
)

# Ids as the routes take them: positive and within the INTEGER id column.
ROW_ID = f"<int(min=1, max={MAX_ID}):row_id>"
LOCATION_HEADER = {
    "Location": {"description": "The URL of the new row.", "schema": {"type": "string"}}
}
MALFORMED_JSON = "The body is not JSON, or there is none."
NOT_JSON = "The body is not JSON: send it as Content-Type: application/json."
NO_BODY = "The request has no body: send the fields as a JSON object."
UNKNOWN_ID = "No row has this id."
CONFLICT = (
    "The database would refuse the change: a unique value is taken, a required "
    "field is left empty, or an id names no row."
)


def database() -> SQLAlchemy:
    """The Flask-SQLAlchemy extension of the app serving the request."""
    return current_app.extensions["sqlalchemy"]


class Rows:
    """Finding, building and changing the rows of one model for its views."""

    def __init__(self, schema: type[ModelSchema]) -> None:
        self.model = schema.Meta.model
        self.table = self.model.__tablename__
        mapper = inspect(self.model)
        # The links the schema shows as lists of ids: relationship name ->
        # (field name, relationship).
        self.links = {
            field.attribute: (name, mapper.relationships[field.attribute])
            for name, field in schema().fields.items()
            if isinstance(field, RowIds)
        }
        references = [
            relationship
            for relationship in mapper.relationships
            if relationship.direction is RelationshipDirection.MANYTOONE
        ]
        # Foreign key attribute -> the model whose row it names.
        self.references = {
            mapper.get_property_by_column(column).key: relationship.mapper.class_
            for relationship in references
            for column in relationship.local_columns
        }
        # Foreign key attribute -> the column it points at when that is not
        # the target's key (`:to=` in the models language).
        self.referred = {
            mapper.get_property_by_column(column).key: foreign_key.column
            for relationship in references
            for column in relationship.local_columns
            for foreign_key in column.foreign_keys
            if not foreign_key.column.primary_key
        }
        # Foreign key attributes that may name the row itself.
        self.self_references = [
            key for key, target in self.references.items() if target is self.model
        ]
        # The ids of a page's links come in one query per link, not one per row.
        self.loads = [selectinload(link) for _, link in self.links.values()]
        # Password field -> the attribute holding its hash.
        self.passwords = password_hashes(self.model)
        # Attributes that the ORM or the database fills in when a new row
        # leaves them out. The ORM leaves a None out of its INSERT too, so a
        # null the request gives must go in as SQL NULL to be kept.
        self.defaulted = {
            attribute.key
            for attribute in mapper.column_attrs
            if any(
                column.default is not None or column.server_default is not None
                for column in attribute.columns
            )
        }

    def build(self, values: dict[str, Any]) -> Any:
        """A new row of the request's values (links resolved, passwords hashed)."""
        values = self.resolve(values)
        passwords = {key: values.pop(key) for key in self.passwords if key in values}
        for key in self.defaulted:
            if key in values and values[key] is None:
                values[key] = null()
        row = self.model(**values)
        self.change(row, passwords)
        return row

    def change(self, row: Any, values: dict[str, Any]) -> None:
        """Set the request's values on `row`: a password as its hash (`set_<name>`
        of the model), or None where the password may be empty."""
        for key, value in self.resolve(values).items():
            if key not in self.passwords:
                setattr(row, key, value)
            elif value is None:
                setattr(row, self.passwords[key], None)
            else:
                getattr(row, f"set_{key}")(value)

    def page(self, pages: PaginationParameters) -> list[Any]:
        """The rows of one page, in id order; the number of rows in
        `pages.item_count` (flask-smorest's X-Pagination). A page past the
        last is empty."""
        session = database().session
        total = session.scalar(select(func.count()).select_from(self.model))
        pages.item_count = total
        if pages.first_item >= total:
            return []
        query = (
            select(self.model)
            .options(*self.loads)
            .order_by(self.model.id)
            .limit(pages.page_size)
            .offset(pages.first_item)
        )
        return list(session.scalars(query))

    def get_or_404(self, row_id: int) -> Any:
        row = database().session.get(self.model, row_id, options=self.loads)
        if row is None:
            abort(404, message=f"{self.table} has no row with id {row_id}.")
        return row

    def delete(self, row: Any) -> None:
        # The ORM cannot order the delete of a row that names itself (it would
        # have to come before itself), so the database lets go of it first.
        db = database()
        for key in self.self_references:
            if getattr(row, key) == row.id:
                forget = {key: None}
                db.session.execute(
                    update(self.model).where(self.model.id == row.id).values(forget)
                )
                db.session.expire(row)
        db.session.delete(row)

    def resolve(self, values: dict[str, Any]) -> dict[str, Any]:
        """The request's values with each link's ids replaced by its rows.

        Every id must name a row: 409 otherwise, as the database would refuse
        a foreign key to nothing (SQLite does not check them by default).
        """
        db = database()
        resolved = dict(values)
        for key, value in values.items():
            if key in self.links:
                name, link = self.links[key]
                target = link.mapper.class_
                query = select(target).where(target.id.in_(value))
                resolved[key] = list(db.session.scalars(query)) if value else []
                missing = set(value) - {row.id for row in resolved[key]}
                if missing:
                    refuse_missing(name, target, sorted(missing))
            elif key in self.references and value is not None:
                target, column = self.references[key], self.referred.get(key)
                if column is None:
                    found = db.session.get(target, value) is not None
                else:
                    found = db.session.scalar(select(exists().where(column == value)))
                if not found:
                    refuse_missing(key, target, [value])
        return resolved


def refuse_missing(field: str, target: type, ids: list[int]) -> NoReturn:
    listed = ", ".join(map(str, ids))
    abort(
        409,
        message=f"{field}: {target.__tablename__} has no row with id {listed}.",
        errors={
            "json": {field: [f"No row of {target.__tablename__} has id {listed}."]}
        },
    )


@contextmanager
def refusals_answered(refusal: str = "") -> Iterator[None]:
    """A write the database refuses inside becomes a JSON error, not a 500:
    409 for a constraint (explained, after `refusal`), 422 for a value."""
    db = database()
    try:
        yield
    except IntegrityError as error:
        db.session.rollback()
        explanation = explain_integrity_error(error, db.metadata, db.engine.dialect)
        abort(409, message=f"{refusal}{explanation}.")
    except DataError as error:
        # The schemas keep values within what every database stores; this is
        # the database's word on what they cannot know (MariaDB's TEXT and
        # BLOB hold 64 KiB, say). The driver's message is the last of its
        # arguments: MariaDB's first is its error number.
        db.session.rollback()
        reported = str(error.orig.args[-1]).strip().splitlines()[0]
        current_app.logger.info("The database refused a value: %s", reported)
        abort(422, message=f"The database refused a value: {reported}")


class JsonBodyParser(FlaskParser):
    """webargs' parser, refusing a request without a JSON body rather than
    reading it as no field given: 415 for a body of another type, 400 for none."""

    def load_json(self, req: Request, schema: Schema) -> Any:
        if not req.is_json:
            chunked = "chunked" in req.headers.get("Transfer-Encoding", "").lower()
            if req.content_length or chunked:
                abort(415, message=NOT_JSON)
            abort(400, message=NO_BODY)
        data = super().load_json(req, schema)
        if data is missing:
            abort(400, message=NO_BODY)
        return data


class ModelBlueprint(PagedBlueprint):
    """The blueprint of a model's operations: pages read `per_page`, and a
    body must be JSON."""

    ARGUMENTS_PARSER = JsonBodyParser()


def resource_blueprint(schema: type[ModelSchema]) -> Blueprint:
    """The five operations on the rows of `schema`'s model."""
    rows = Rows(schema)
    schemas = ModelSchemas(schema)
    table = rows.table
    blueprint = ModelBlueprint(
        rows.model.__name__,
        __name__,
        url_prefix=f"/api/{table}",
        description=f"The rows of the {table} table.",
    )
    blueprint.after_request(add_page_links)

    @blueprint.route("")
    class Collection(MethodView):
        @blueprint.response(200, schemas.responses, headers=LINK_HEADER)
        @blueprint.paginate(page_size=DEFAULT_PER_PAGE, max_page_size=MAX_PER_PAGE)
        def get(self, pagination_parameters: PaginationParameters):
            """List the rows, a page at a time, in id order."""
            return rows.page(pagination_parameters)

        @blueprint.arguments(schemas.create)
        @blueprint.response(201, schemas.response, headers=LOCATION_HEADER)
        @blueprint.alt_response(400, schema=ErrorSchema, description=MALFORMED_JSON)
        @blueprint.alt_response(415, schema=ErrorSchema, description=NOT_JSON)
        @blueprint.alt_response(409, schema=ErrorSchema, description=CONFLICT)
        def post(self, values: dict[str, Any]):
            """Create a row."""
            row = rows.build(values)
            session = database().session
            with refusals_answered():
                session.add(row)
                session.commit()
            return row, {"Location": url_for(".Item", row_id=row.id)}

    @blueprint.route(f"/{ROW_ID}")
    class Item(MethodView):
        @blueprint.response(200, schemas.response)
        @blueprint.alt_response(404, schema=ErrorSchema, description=UNKNOWN_ID)
        def get(self, row_id: int):
            """Read a row."""
            return rows.get_or_404(row_id)

        @blueprint.arguments(schemas.update)
        @blueprint.response(200, schemas.response)
        @blueprint.alt_response(400, schema=ErrorSchema, description=MALFORMED_JSON)
        @blueprint.alt_response(415, schema=ErrorSchema, description=NOT_JSON)
        @blueprint.alt_response(404, schema=ErrorSchema, description=UNKNOWN_ID)
        @blueprint.alt_response(409, schema=ErrorSchema, description=CONFLICT)
        def patch(self, values: dict[str, Any], row_id: int):
            """Change fields of a row.

            Only the fields given change; a list of ids given replaces the
            link's rows whole.
            """
            row = rows.get_or_404(row_id)
            with refusals_answered():
                rows.change(row, values)
                database().session.commit()
            return row

        @blueprint.response(204)
        @blueprint.alt_response(404, schema=ErrorSchema, description=UNKNOWN_ID)
        @blueprint.alt_response(409, schema=ErrorSchema, description=CONFLICT)
        def delete(self, row_id: int):
            """Delete a row.

            Rows that refer to it go with it (`:cascade`) or lose their
            reference (`:nullify`); any other row that refers to it makes the
            delete a 409.
            """
            row = rows.get_or_404(row_id)
            with refusals_answered(f"Row {row_id} of {table} is still referred to: "):
                rows.delete(row)
                database().session.commit()

    return blueprint


def served_models(db: SQLAlchemy, overrides: object = None) -> list[type]:
    """The models with a REST API: every mapped model of `db` keyed by an
    integer `id`, but those the overrides leave out (`EXCLUDED_MODELS`) and
    those whose table says `info={"served": False}` (the API's own tokens).

    A model with a key of its own (a string, or several columns such as a
    follow's two references) is left out: its rows are reached through the
    models that refer to them, and a blueprint of the overrides
    (`BLUEPRINTS`) can serve it.
    """
    excluded = set(getattr(overrides, "EXCLUDED_MODELS", ()))
    return [
        model
        for model in mapped_models(db)
        if model not in excluded
        and model.__table__.info.get("served", True)
        and has_integer_id(model)
    ]


def has_integer_id(model: type) -> bool:
    """Whether the rows are addressed by one integer attribute named `id` (a
    column merely named "id", as a reference's `:column=id`, is not one)."""
    mapper = inspect(model)
    [*key] = mapper.primary_key
    return (
        len(key) == 1
        and mapper.get_property_by_column(key[0]).key == "id"
        and key[0].type.python_type is int
    )


def schema_of(model: type, overrides: object = None) -> type[ModelSchema]:
    """The schema of `model`'s requests and responses: the overrides' (their
    `SCHEMAS`), or the one derived from the model, made once, so that the
    app, its OpenAPI document and the tests share one class."""
    return getattr(overrides, "SCHEMAS", {}).get(model) or derived_schema(model)


@functools.cache
def derived_schema(model: type) -> type[ModelSchema]:
    return schema_for(model)


def model_blueprints(db: SQLAlchemy, overrides: object = None) -> list[Blueprint]:
    """A blueprint for each served model: the overrides' (`BLUEPRINTS`), or
    the five operations of `resource_blueprint`; then the overrides' own
    blueprints for models not served."""
    own = getattr(overrides, "BLUEPRINTS", {})
    served = served_models(db, overrides)
    blueprints = [
        own.get(model) or resource_blueprint(schema_of(model, overrides))
        for model in served
    ]
    return blueprints + [
        blueprint for model, blueprint in own.items() if model not in served
    ]
