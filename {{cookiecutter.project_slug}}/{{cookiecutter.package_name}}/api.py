"""Where the REST API differs from what the models give it: the one place to
change the API of one model.

Every model in models.py is served under /api/<table>, with a schema derived
from its columns and five operations (list, create, read, update, delete),
made as the app runs by flask_db_kit.api; a model added later is served
without a change here. To change a model's API:

    from flask_db_kit.api import resource_blueprint, schema_for
    from marshmallow import fields

    from . import models

    # No REST API for a model:
    EXCLUDED_MODELS = {models.AuditLog}

    # A schema of your own, starting from the derived one:
    DerivedUserSchema = schema_for(models.User)

    class UserSchema(DerivedUserSchema):
        nickname = fields.String(dump_only=True)

        class Meta(DerivedUserSchema.Meta):
            exclude = ("email",)

    SCHEMAS = {models.User: UserSchema}

    # Views of your own: any flask-smorest Blueprint, e.g. the five operations
    # of `resource_blueprint(UserSchema)` with a route of yours added.
    user_blueprint = resource_blueprint(UserSchema)
    BLUEPRINTS = {models.User: user_blueprint}

The model-following tests (the flask_db_kit pytest plugin) follow what is
served here.
"""

from flask_db_kit.api import ModelSchema
from flask_smorest import Blueprint

# Models with no /api/ route.
EXCLUDED_MODELS: set[type] = set()

# A schema class per model, used instead of the one derived from the model.
SCHEMAS: dict[type, type[ModelSchema]] = {}

# A blueprint per model, registered instead of its five derived operations.
BLUEPRINTS: dict[type, Blueprint] = {}
