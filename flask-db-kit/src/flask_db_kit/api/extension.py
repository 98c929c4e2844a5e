"""The REST API's flask-smorest extension: one `Api` for each app.

`Api(app, overrides=...)` serves every model of the app's database under
/api/<table> (resources.py), with the OpenAPI document at /api/openapi.json,
the docs page at /api/ (docs_page.py), JSON for every HTTP error of the app,
and the request limits (request_limits.py). The model blueprints are made
when the app's routes are first read (an `App`: see deferred.py), and
registered through flask-smorest's own `Api.register_blueprint`, which also
writes their operations into this app's document.
"""

from collections.abc import Iterable

import flask_smorest
from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from . import docs_page
from .components import ModelComponents, component_name
from .deferred import DeferredRoutes
from .pages import PerPageDocs
from .request_limits import RequestLimitsPlugin, register_request_limits
from .resources import model_blueprints
from .schemas import ErrorSchema

# Where the app keeps its Api: app.extensions[EXTENSION]["api"].
EXTENSION = "flask-db-kit"
# The API's settings, unless the app's config sets them (API_TITLE defaults
# to the app's name).
CONFIG_DEFAULTS = {
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


class Api(flask_smorest.Api):
    """flask-smorest's Api for one app: its model blueprints, its OpenAPI
    document, and JSON instead of HTML for every HTTP error of the app.

    `overrides` is a module (or any object) with optional EXCLUDED_MODELS
    (models with no route), SCHEMAS (model -> schema class) and BLUEPRINTS
    (model -> a flask-smorest Blueprint of your own).

    Each operation documents the errors it answers with and no catch-all
    `default` response, so the document says exactly what a client (or a
    fuzzer) may receive. A 405 keeps its Allow header, as HTTP requires.
    Reading `spec` (the document's view, `flask openapi print`) first makes
    the app's deferred routes, and so writes their operations.
    """

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ErrorSchema

    def __init__(
        self,
        app: Flask | None = None,
        *,
        overrides: object = None,
        spec_kwargs: dict | None = None,
    ) -> None:
        self.overrides = overrides
        # Set by init_app; named apart from flask-smorest's own attributes.
        self.flask_app: Flask | None = None
        self._spec: APISpec | None = None
        super().__init__(app, spec_kwargs=spec_kwargs)

    def init_app(self, app: Flask, *, spec_kwargs: dict | None = None) -> None:
        self.flask_app = app
        app.config.setdefault("API_TITLE", app.name)
        for name, value in CONFIG_DEFAULTS.items():
            app.config.setdefault(name, value)
        # Plugins of its own: an apispec plugin keeps the document it writes to.
        plugins = {
            "marshmallow_plugin": MarshmallowPlugin(
                schema_name_resolver=component_name
            ),
            "extra_plugins": [ModelComponents(), RequestLimitsPlugin(), PerPageDocs()],
        }
        super().init_app(app, spec_kwargs=plugins | (spec_kwargs or {}))
        app.extensions.setdefault(EXTENSION, {})["api"] = self
        register_request_limits(app)
        app.register_blueprint(docs_page.blueprint)
        if isinstance(app.url_map, DeferredRoutes):
            app.url_map.defer(self.register_model_blueprints)
        else:
            self.register_model_blueprints()

    def register_model_blueprints(self) -> None:
        """A blueprint for each served model (and the overrides' own),
        registered and documented now, in the models' order (the tags' order
        in the docs page)."""
        db = self.flask_app.extensions["sqlalchemy"]
        self.register_blueprints(model_blueprints(db, self.overrides))

    def register_blueprints(self, blueprints: Iterable[Blueprint]) -> None:
        for blueprint in blueprints:
            try:
                self.register_blueprint(blueprint)
            except Exception as error:
                # apispec's errors do not say which operation they are about.
                error.add_note(
                    f"in the REST API's blueprint {blueprint.name!r}"
                    f" ({blueprint.import_name})"
                )
                raise

    def add_spec_plugin(self, plugin: BasePlugin) -> None:
        """An apispec plugin for this app's document (its `init_spec` run
        now): one that documents each operation must come before the model
        blueprints are made, as it sees only the operations written after it."""
        spec = self._spec
        if spec is None:
            raise RuntimeError("add_spec_plugin needs the Api initialised: init_app")
        url_map = self.flask_app.url_map
        made = isinstance(url_map, DeferredRoutes) and not url_map.pending
        if made or spec.to_dict().get("paths"):
            raise RuntimeError(
                "an apispec plugin must be added before the API's blueprints"
            )
        plugin.init_spec(spec)
        spec.plugins.append(plugin)

    @property
    def spec(self) -> APISpec | None:
        app = self.flask_app
        if self._spec is not None and isinstance(app.url_map, DeferredRoutes):
            app.url_map.complete()
        return self._spec

    @spec.setter
    def spec(self, spec: APISpec | None) -> None:
        self._spec = spec

    def handle_http_exception(self, error: HTTPException):
        payload, status, headers = super().handle_http_exception(error)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers = {**headers, "Allow": ", ".join(sorted(error.valid_methods))}
        return payload, status, headers


def api_of(app: Flask) -> Api:
    """The app's Api (made by `Api(app)` or `Api().init_app(app)`)."""
    return app.extensions[EXTENSION]["api"]
