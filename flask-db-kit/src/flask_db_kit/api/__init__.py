"""A REST API derived from the models of an app's database, at run time.

    from flask_db_kit.api import Api, App

    app = App(__name__)              # routes made when first read
    ...                              # db.init_app(app) first
    api = Api(app, overrides=my_app.api)

Every model of the app's database keyed by one integer `id` gets five
operations under /api/<table> (resources.py), with a schema derived from its
columns (schemas.py), an OpenAPI document at /api/openapi.json and a docs
page at /api/. The overrides module changes the API of one model
(EXCLUDED_MODELS, SCHEMAS, BLUEPRINTS). A production server calls
`build_api(app)` before it takes a request.
"""

from .deferred import App, Deferred, DeferredRoutes, build_api
from .extension import Api, api_of
from .pages import DEFAULT_PER_PAGE, MAX_PER_PAGE
from .request_limits import MAX_INTEGER_DIGITS, MAX_JSON_DEPTH
from .resources import model_blueprints, resource_blueprint, schema_of, served_models
from .schemas import (
    MAX_ID,
    MAX_LINKED_IDS,
    ErrorSchema,
    JsonBoolean,
    JsonFloat,
    JsonInteger,
    ModelSchema,
    ModelSchemas,
    RowIds,
    SharedWhenCopied,
    password_hashes,
    schema_for,
    secret_attributes,
)

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_ID",
    "MAX_INTEGER_DIGITS",
    "MAX_JSON_DEPTH",
    "MAX_LINKED_IDS",
    "MAX_PER_PAGE",
    "Api",
    "App",
    "Deferred",
    "DeferredRoutes",
    "ErrorSchema",
    "JsonBoolean",
    "JsonFloat",
    "JsonInteger",
    "ModelSchema",
    "ModelSchemas",
    "RowIds",
    "SharedWhenCopied",
    "api_of",
    "build_api",
    "model_blueprints",
    "password_hashes",
    "resource_blueprint",
    "schema_for",
    "schema_of",
    "secret_attributes",
    "served_models",
]
