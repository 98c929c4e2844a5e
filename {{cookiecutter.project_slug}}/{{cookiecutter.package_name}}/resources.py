"""The REST API: a blueprint for each model, under /api/<table>.

    GET    /api/<table>?page=1&per_page=20   a page of rows, in id order
    POST   /api/<table>                      create a row
    GET    /api/<table>/<id>                 one row
    PATCH  /api/<table>/<id>                 change the fields given
    DELETE /api/<table>/<id>                 delete the row

Every model of models.py is served: the blueprints are made from the models
each time the app runs (at its first request, or by build_api before a
server takes one: see register_api in __init__.py), not written once for
them (api_overrides.py changes that for one model). The schemas from schemas.py check every request
and write every response, and flask-smorest makes the OpenAPI document
(/api/openapi.json) from the same decorators. Each operation documents the errors it answers with, in JSON:
400 for malformed JSON, 422 for a field that does not validate (named), 404
for an unknown id, 409 when the database would refuse the change (its
constraint explained).
"""

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import func, inspect, null, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import RelationshipDirection, selectinload

from .database_errors import explain_integrity_error
from .extensions import ErrorSchema, SharedWhenCopied, db
from .mapping import mapped_models
from .schemas import MAX_ID, ModelSchema, RowIds, password_hashes, schema_for

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

# Ids as the routes take them: positive and within the INTEGER id column.
ROW_ID = f"<int(min=1, max={MAX_ID}):row_id>"


class PageParameters(SharedWhenCopied, Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1),
        metadata={"description": "The page, from 1."},
    )
    per_page = fields.Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={"description": f"Rows a page, at most {MAX_PER_PAGE}."},
    )


PAGE_HEADERS = {
    "X-Pagination": {
        "description": "flask-smorest's page metadata, as JSON: total, "
        "total_pages, first_page, last_page, page, previous_page, next_page.",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": "The URLs of the first, previous, next and last pages "
        '(RFC 8288: <url>; rel="next").',
        "schema": {"type": "string"},
    },
}
LOCATION_HEADER = {
    "Location": {"description": "The URL of the new row.", "schema": {"type": "string"}}
}
MALFORMED_JSON = "The body is not JSON."
UNKNOWN_ID = "No row has this id."
CONFLICT = (
    "The database would refuse the change: a unique value is taken, a required "
    "field is left empty, or an id names no row."
)


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

    def page(self, page: int, per_page: int) -> tuple[list[Any], int]:
        """The rows of one page, in id order, and the number of rows."""
        total = db.session.scalar(select(func.count()).select_from(self.model))
        if (page - 1) * per_page >= total:
            return [], total
        query = (
            select(self.model)
            .options(*self.loads)
            .order_by(self.model.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        return list(db.session.scalars(query)), total

    def get_or_404(self, row_id: int) -> Any:
        row = db.session.get(self.model, row_id, options=self.loads)
        if row is None:
            abort(404, message=f"{self.table} has no row with id {row_id}.")
        return row

    def delete(self, row: Any) -> None:
        # The ORM cannot order the delete of a row that names itself (it would
        # have to come before itself), so the database lets go of it first.
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
                target = self.references[key]
                if db.session.get(target, value) is None:
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


def page_headers(page: int, per_page: int, total: int) -> dict[str, str]:
    # flask-smorest's X-Pagination, and the same pages as links to follow.
    metadata = Blueprint._make_pagination_metadata(page, per_page, total)
    relations = {
        "first": "first_page",
        "prev": "previous_page",
        "next": "next_page",
        "last": "last_page",
    }
    links = [
        f"<{url_for('.Collection', page=metadata[key], per_page=per_page)}>; "
        f'rel="{relation}"'
        for relation, key in relations.items()
        if key in metadata
    ]
    return {"X-Pagination": json.dumps(metadata), "Link": ", ".join(links)}


def resource_blueprint(schema: type[ModelSchema]) -> Blueprint:
    """The five operations on the rows of `schema`'s model."""
    rows = Rows(schema)
    table = rows.table
    blueprint = Blueprint(
        rows.model.__name__,
        __name__,
        url_prefix=f"/api/{table}",
        description=f"The rows of the {table} table.",
    )

    @blueprint.route("")
    class Collection(MethodView):
        @blueprint.arguments(PageParameters, location="query", as_kwargs=True)
        @blueprint.response(200, schema(many=True), headers=PAGE_HEADERS)
        def get(self, page: int, per_page: int):
            """List the rows, a page at a time, in id order."""
            found, total = rows.page(page, per_page)
            return found, page_headers(page, per_page, total)

        @blueprint.arguments(schema)
        @blueprint.response(201, schema, headers=LOCATION_HEADER)
        @blueprint.alt_response(400, schema=ErrorSchema, description=MALFORMED_JSON)
        @blueprint.alt_response(409, schema=ErrorSchema, description=CONFLICT)
        def post(self, values: dict[str, Any]):
            """Create a row."""
            row = rows.build(values)
            with refusals_answered():
                db.session.add(row)
                db.session.commit()
            return row, {"Location": url_for(".Item", row_id=row.id)}

    @blueprint.route(f"/{ROW_ID}")
    class Item(MethodView):
        @blueprint.response(200, schema)
        @blueprint.alt_response(404, schema=ErrorSchema, description=UNKNOWN_ID)
        def get(self, row_id: int):
            """Read a row."""
            return rows.get_or_404(row_id)

        @blueprint.arguments(schema(partial=True))
        @blueprint.response(200, schema)
        @blueprint.alt_response(400, schema=ErrorSchema, description=MALFORMED_JSON)
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
                db.session.commit()
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
                db.session.commit()

    return blueprint


def served_models() -> list[type]:
    """The models with a REST API: every mapped model keyed by an integer
    `id`, but those api_overrides.py leaves out{% if cookiecutter.api_auth %} and the API's own tokens{% endif %}.

    A model with a key of its own (`:primary` in the models answer: a string,
    or several columns such as a follow's two references) is left out: its
    rows are reached through the models that refer to them, and a blueprint
    of your own in api_overrides.py can serve it.
    """
    from . import api_overrides
{%- if cookiecutter.api_auth %}
    from .auth import ApiToken

    excluded = {ApiToken, *api_overrides.EXCLUDED_MODELS}
{%- else %}

    excluded = api_overrides.EXCLUDED_MODELS
{%- endif %}
    return [
        model
        for model in mapped_models()
        if model not in excluded and has_integer_id(model)
    ]


def has_integer_id(model: type) -> bool:
    """Whether the rows are addressed by one integer column named `id`."""
    [*key] = inspect(model).primary_key
    return len(key) == 1 and key[0].key == "id" and key[0].type.python_type is int


@functools.cache
def schema_of(model: type) -> type[ModelSchema]:
    """The schema of `model`'s requests and responses: api_overrides.py's, or
    the one derived from the model. Made once, so that the app, its OpenAPI
    document and the tests share one class."""
    from . import api_overrides

    return api_overrides.SCHEMAS.get(model) or schema_for(model)


def model_blueprints() -> list[Blueprint]:
    """A blueprint for each served model: api_overrides.py's, or the five
    operations of `resource_blueprint`."""
    from . import api_overrides

    served = served_models()
    blueprints = [
        api_overrides.BLUEPRINTS.get(model) or resource_blueprint(schema_of(model))
        for model in served
    ]
    # Views of the user's own for models the five operations cannot serve.
    return blueprints + [
        blueprint
        for model, blueprint in api_overrides.BLUEPRINTS.items()
        if model not in served
    ]
