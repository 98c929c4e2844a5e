"""How a model's schemas read in the OpenAPI document, for the clients
generated from it (openapi-python-client) and the tools that check responses
against it (openapi-core, schemathesis).

- `<Model>`, the schema of responses, requires every field it lists: a
  response always holds them all (null where the row has none), and holds
  no write-only field (a password, a secret), which it does not list.
- `<Model>Create` and `<Model>Update`, the schemas of POST and PATCH, list
  the fields a request writes; their description says that the read-only
  fields a response gave may be sent back, and are ignored.
- each enum is one component, `<Model><Field>` (`ProductStatus`), that the
  three refer to, rather than a list of values repeated in each (which a
  generated client makes into as many enum classes).
"""

from apispec import BasePlugin
from apispec.ext.marshmallow import resolver
from apispec.ext.marshmallow.common import resolve_schema_instance

from .schemas import CREATE, RESPONSE, UPDATE, purpose_of, read_only_fields

# Keys of an enum's property that its component holds instead.
ENUM_KEYS = ("type", "enum", "maxLength", "minLength", "pattern")


def component_name(schema) -> str:
    """A schema's name in the document: `Post` for PostSchema, with the suffix
    of its purpose: `PostCreate`, `PostUpdate`."""
    return resolver(schema) + (purpose_of(schema) or "")


class ModelComponents(BasePlugin):
    """Writes each model's components as the module says (an apispec plugin
    that runs after the marshmallow plugin has written a schema)."""

    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        self.spec = spec

    def schema_helper(self, name, definition, **kwargs) -> None:
        if kwargs.get("schema") is None or "properties" not in definition:
            return
        schema = resolve_schema_instance(kwargs["schema"])
        model = getattr(schema.opts, "model", None)
        purpose = purpose_of(schema)
        properties = definition["properties"]
        if model is not None:
            for field, prop in properties.items():
                if "enum" in prop:
                    properties[field] = self.enum_reference(model, field, prop)
        if purpose == RESPONSE:
            definition["required"] = sorted(properties)
        elif purpose in (CREATE, UPDATE):
            ignored = sorted(read_only_fields(schema))
            if ignored:
                definition.setdefault(
                    "description",
                    "The fields a request writes. The read-only fields of a "
                    f"response ({', '.join(ignored)}) may be sent back: they "
                    "are ignored.",
                )

    def enum_reference(self, model: type, field: str, prop: dict) -> dict:
        """A reference to the enum's component (made the first time), null
        allowed where the property allowed it."""
        types = prop.get("type")
        nullable = None in prop["enum"] or (isinstance(types, list) and "null" in types)
        if isinstance(types, list):
            types = next((kind for kind in types if kind != "null"), None)
        component = {"enum": [value for value in prop["enum"] if value is not None]}
        if types:
            component["type"] = types
        name = model.__name__ + "".join(part.title() for part in field.split("_"))
        known = self.spec.components.schemas
        if known.get(name, component) != component:  # a model of that name
            name += "Enum"
        if name not in known:
            self.spec.components.schema(name, component)
        reference = {"$ref": f"#/components/schemas/{name}"}
        rest = {key: value for key, value in prop.items() if key not in ENUM_KEYS}
        if nullable:
            return {"anyOf": [reference, {"type": "null"}], **rest}
        return {**reference, **rest}
