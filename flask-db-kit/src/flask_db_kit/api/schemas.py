"""What each model looks like as JSON, in the API's requests and responses.

`schema_for` derives a model's schema from its mapping when the app starts:
marshmallow-sqlalchemy makes a field of each column (type, length, NOT NULL,
default, enum values), and `ColumnConverter` narrows them to what every
database the app may run on stores as it is, so a request that passes
validation is one the database accepts. A column or a model added to the
app's models shows up in the API and its OpenAPI document without a change
here; to change one model's schema, the app's overrides module names its own
(`SCHEMAS`).

A reference is its foreign key column (`author_id`); a many-to-many link is
the list of its rows' ids (`tag_ids`), in the schema of each side.

A secret column (`info={"secret": True}` in the model) is write-only: a
request may give it, no response holds it, and the OpenAPI document marks it
`writeOnly` in the schemas of requests (that of responses lacks it). A password's hash column (`info={"hash_of": "password"}`) is not
in the schema at all: requests give the password, which the views hash.

Values are taken as JSON types them, never coerced: a number for an integer
or a float (not "7", and 2.9 is not an integer), true or false for a boolean,
a string for a decimal (as responses give it, every digit kept). A request
may send back the read-only fields a response gave (`id`, `created_at`):
they are ignored, so that a row read, changed and sent back is accepted.

One schema class serves a model's requests and responses; the OpenAPI
document shows it as three components (`ModelSchemas`, api/components.py): `<Model>` for
responses (every field it returns, required; no write-only ones),
`<Model>Create` for POST and `<Model>Update` for PATCH (the fields a request
writes). Each enum is one component of its own (`<Model><Field>`), shared by
the three.
"""

import base64
import binascii
import datetime
import decimal
import functools
import re
from collections.abc import Mapping
from typing import Self

import sqlalchemy as sa
from flask_smorest.error_handler import ErrorSchema as SmorestErrorSchema
from marshmallow import Schema, fields, pre_load, validate
from marshmallow_sqlalchemy import ModelConverter, SQLAlchemyAutoSchema
from sqlalchemy.orm import RelationshipProperty

from ..mapping import filled_by_database

# The id column and every reference are INTEGER: 32 bits on every database.
MAX_ID = 2**31 - 1
INTEGER_RANGES = (
    (sa.BigInteger, -(2**63), 2**63 - 1),
    (sa.SmallInteger, -(2**15), 2**15 - 1),
    (sa.Integer, -(2**31), 2**31 - 1),
)
# The ids a request may give for one many-to-many link: each is a parameter
# of the statement that finds their rows (psycopg and PyMySQL take at most
# 65,535, SQLite 32,766).
MAX_LINKED_IDS = 1000
# MySQL and MariaDB keep a Float column in single precision.
FLOAT_LIMIT = 3.4e38
# PostgreSQL's text cannot hold NUL, and no driver can send half a surrogate pair.
STORABLE_TEXT = r"^[^\u0000\ud800-\udfff]*$"
# Werkzeug hashes a password of any length; this bounds the work a request asks.
MAX_PASSWORD_LENGTH = 1024


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


class StorableText(fields.String):
    """Text without the characters some database or driver refuses."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(
            validate.Regexp(STORABLE_TEXT, error="Holds a NUL or a lone surrogate.")
        )


class JsonInteger(fields.Integer):
    """An integer as a JSON number: not a string ("7"), a boolean, nor a number
    with a fraction (2.9 is not taken as 2, nor 2.5e-42 as 0). A whole number
    written with a point (2.0) is the integer it equals, up to 2**53 (beyond,
    a float no longer holds every integer)."""

    default_error_messages = {"invalid": "Not an integer: a JSON number is needed."}

    def _validated(self, value):
        if type(value) is float and value.is_integer() and abs(value) <= 2**53:
            value = int(value)
        if type(value) is not int:
            raise self.make_error("invalid", input=value)
        return value


class JsonFloat(fields.Float):
    """A float as a JSON number: not a string ("4.5") nor a boolean."""

    default_error_messages = {"invalid": "Not a number: a JSON number is needed."}

    def _validated(self, value):
        if type(value) not in (int, float):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class JsonBoolean(fields.Boolean):
    """A boolean as JSON's true or false: not "yes", "on", 0 or 1."""

    default_error_messages = {"invalid": "Not a boolean: true or false is needed."}

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class DecimalString(fields.Decimal):
    """A Numeric(precision, scale) column as a JSON string such as "12.50".

    A string, because a JSON number reaches Python as a float and loses digits;
    at most `precision - scale` digits before the point and `scale` after it,
    so the database stores the value exactly as sent.
    """

    def __init__(self, *, precision: int, places: int, **kwargs) -> None:
        whole = "0" if precision == places else f"[0-9]{{1,{precision - places}}}"
        fraction = rf"(\.[0-9]{{1,{places}}})?" if places else ""
        self.syntax = re.compile(f"-?{whole}{fraction}")
        self.precision = precision
        metadata = {"type": "string", "pattern": f"^{self.syntax.pattern}$"}
        super().__init__(
            places=places,
            as_string=True,
            metadata=metadata | kwargs.pop("metadata", {}),
            **kwargs,
        )
        self.error_messages["invalid"] = (
            'Not a decimal: a JSON string such as "12.50" is needed, with at most '
            f"{precision - places} digits before the point and {places} after it."
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self.syntax.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        # Rounding to the scale needs every digit the column holds: Python's
        # default decimal context keeps 28, and a Numeric(65, 30) holds 65.
        with decimal.localcontext(prec=max(self.precision, 28)):
            return super()._serialize(value, attr, obj, **kwargs)


def decimal_field(converter: ModelConverter, column_type: sa.Numeric):
    # marshmallow-sqlalchemy passes the scale as `places`.
    return functools.partial(DecimalString, precision=column_type.precision)


def enum_field(converter: ModelConverter, column_type: sa.Enum):
    # Values listed in the model come as marshmallow-sqlalchemy's OneOf validator.
    return fields.Enum if column_type.enum_class else StorableText


class UTCDateTime(fields.NaiveDateTime):
    """A DateTime column holds UTC without a time zone.

    A request may give any offset (none means UTC); a response writes the
    offset, so that clients read the time it is.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(timezone=datetime.UTC, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.replace(tzinfo=datetime.UTC)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except OverflowError as error:  # the year 1 at a positive offset
            raise self.make_error(
                "invalid", input=value, obj_type="datetime"
            ) from error


class LocalTime(fields.Time):
    """A Time column holds a time of day without an offset ("13:45",
    "13:45:30.5"); one with an offset is refused, as no date says what it
    would be in another zone. The OpenAPI document gives the syntax as a
    pattern: clients and fuzzers that do not check `format: time` read it."""

    SYNTAX = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?")
    default_error_messages = {
        "invalid": "Not a time of day: HH:MM, HH:MM:SS or HH:MM:SS.ffffff."
    }

    def __init__(self, **kwargs) -> None:
        metadata = {"pattern": f"^{self.SYNTAX.pattern}$"}
        super().__init__(metadata=metadata | kwargs.pop("metadata", {}), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self.SYNTAX.fullmatch(value):
            raise self.make_error("invalid", input=value, obj_type="time")
        return super()._deserialize(value, attr, data, **kwargs)


class Base64Bytes(fields.String):
    """A LargeBinary column as base64 text, JSON having no bytes."""

    default_error_messages = {"invalid": "Not valid base64."}

    def __init__(self, **kwargs) -> None:
        metadata = {"format": "byte"} | kwargs.pop("metadata", {})
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else base64.b64encode(value).decode("ascii")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise self.make_error("invalid") from error


class ColumnConverter(ModelConverter):
    """marshmallow-sqlalchemy's converter, with the fields and limits above."""

    SQLA_TYPE_MAPPING = {
        **ModelConverter.SQLA_TYPE_MAPPING,
        sa.Enum: enum_field,
        sa.String: StorableText,
        sa.Integer: JsonInteger,
        sa.Boolean: JsonBoolean,
        sa.Float: JsonFloat,
        sa.Numeric: decimal_field,
        sa.DateTime: UTCDateTime,
        sa.Time: LocalTime,
        sa.LargeBinary: Base64Bytes,
        # The models type a JSON column as dict[str, Any].
        sa.JSON: fields.Dict,
    }

    def property2field(self, prop, *, instance=True, field_class=None, **kwargs):
        field = super().property2field(
            prop, instance=instance, field_class=field_class, **kwargs
        )
        if instance and hasattr(prop, "columns"):
            field.validators.extend(column_limits(prop.columns[0]))
        return field


def column_limits(column: sa.Column) -> list[validate.Validator]:
    """What a column's type holds on every database, beyond marshmallow's own."""
    if column.foreign_keys and isinstance(column.type, sa.Integer):
        return [validate.Range(min=1, max=MAX_ID)]  # a generated id
    for integer_type, low, high in INTEGER_RANGES:
        if isinstance(column.type, integer_type):
            return [validate.Range(min=low, max=high)]
    if isinstance(column.type, sa.Float):
        return [validate.Range(min=-FLOAT_LIMIT, max=FLOAT_LIMIT)]
    return []


class RowIds(fields.List):
    """A many-to-many link as the ids of its rows, sorted.

    Loads as a list of ids under the relationship's name; the view turns them
    into rows (see resources.py). At most MAX_LINKED_IDS in a request, so
    that the statements that look them up stay within every driver's limit
    of parameters.
    """

    def __init__(self, relationship: str, key: str = "id", **kwargs) -> None:
        ids = JsonInteger(validate=validate.Range(min=1, max=MAX_ID))
        cap = validate.Length(
            max=MAX_LINKED_IDS, error=f"At most {MAX_LINKED_IDS} ids."
        )
        super().__init__(ids, attribute=relationship, validate=cap, **kwargs)
        self.key = key

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return sorted(getattr(row, self.key) for row in value)


class ModelSchema(SharedWhenCopied, SQLAlchemyAutoSchema):
    """What every model's schema shares; `schema_for` makes one per model."""

    class Meta:
        model_converter = ColumnConverter
        # References as their foreign key columns.
        include_fk = True
        # Requests give plain values; the views build or change the rows.
        load_instance = False

    # So marshmallow's own load and validate: marshmallow-sqlalchemy's, which
    # can build instances, also read marshmallow's version from the installed
    # packages' metadata at every call (a millisecond of each write request).
    load = Schema.load
    validate = Schema.validate

    @pre_load
    def ignore_read_only_fields(self, data, **kwargs):
        """A row as a response gave it may be sent back: its read-only fields
        (`id`, `created_at`) are left out rather than refused."""
        if not isinstance(data, Mapping):
            return data
        read_only = read_only_fields(self)
        return {key: value for key, value in data.items() if key not in read_only}


def schema_for(model: type) -> type[ModelSchema]:
    """`model`'s schema: a field for each column, read-only where the database
    fills the column in, and each many-to-many link as its rows' ids."""
    meta = type("Meta", (ModelSchema.Meta,), {})
    meta.model = model
    meta.dump_only = filled_by_database_attributes(model)
    meta.load_only = secret_attributes(model)
    passwords = password_hashes(model)
    meta.exclude = tuple(passwords.values())
    attributes = {"Meta": meta, **link_fields(model), **password_fields(model)}
    return type(f"{model.__name__}Schema", (ModelSchema,), attributes)


def read_only_fields(schema: Schema) -> set[str]:
    """The fields of `schema` that responses show and no request writes."""
    return {
        name
        for name, field in schema.declared_fields.items()
        if field is not None and (field.dump_only or name in schema.dump_only)
    }


def write_only_fields(schema: Schema) -> set[str]:
    """The fields of `schema` that requests give and no response shows."""
    return {
        name
        for name, field in schema.declared_fields.items()
        if field is not None and (field.load_only or name in schema.load_only)
    }


# What each of a model's schemas is for: its name in the OpenAPI document is
# the model's, with this suffix.
RESPONSE, CREATE, UPDATE = "", "Create", "Update"


class ModelSchemas:
    """The instances of one schema class that a model's operations use:
    `response` (and `responses`, a list) without the write-only fields,
    `create` and `update` (partial) without the read-only ones. Each is named
    apart in the OpenAPI document (`purpose_of`), so that a client reads a
    response by its own schema: one that requires every field it returns,
    and none it does not (a password)."""

    def __init__(self, schema: type[ModelSchema]) -> None:
        whole = schema()
        hidden = tuple(sorted(write_only_fields(whole)))
        read_only = tuple(sorted(read_only_fields(whole)))
        self.response = schema(exclude=hidden)
        self.responses = schema(many=True, exclude=hidden)
        self.create = schema(exclude=read_only)
        self.update = schema(partial=True, exclude=read_only)
        for instance in (self.response, self.responses):
            instance.purpose = RESPONSE
        self.create.purpose = CREATE
        self.update.purpose = UPDATE


def purpose_of(schema: Schema | type[Schema]) -> str | None:
    """RESPONSE, CREATE or UPDATE for a schema instance of ModelSchemas; for
    any other, UPDATE if partial, else None (requests and responses alike)."""
    purpose = getattr(schema, "purpose", None)
    if purpose is None and not isinstance(schema, type) and schema.partial:
        return UPDATE
    return purpose


def secret_attributes(model: type) -> tuple[str, ...]:
    """The write-only attributes: columns marked `info={"secret": True}`, but
    password hashes, which no request gives either."""
    hashes = set(password_hashes(model).values())
    return tuple(
        attribute.key
        for attribute in sa.inspect(model).column_attrs
        if attribute.columns[0].info.get("secret") and attribute.key not in hashes
    )


def password_hashes(model: type) -> dict[str, str]:
    """Password field name -> the attribute holding its hash, for each column
    marked `info={"hash_of": "<name>"}`."""
    return {
        attribute.columns[0].info["hash_of"]: attribute.key
        for attribute in sa.inspect(model).column_attrs
        if attribute.columns[0].info.get("hash_of")
    }


def password_fields(model: type) -> dict[str, fields.Field]:
    """A write-only text field for each password, required where its hash
    column is NOT NULL; the views keep its hash (see resources.py)."""
    mapper = sa.inspect(model)
    found = {}
    for name, hash_attribute in password_hashes(model).items():
        nullable = mapper.columns[hash_attribute].nullable
        found[name] = StorableText(
            load_only=True,
            required=not nullable,
            allow_none=nullable,
            validate=validate.Length(min=1, max=MAX_PASSWORD_LENGTH),
        )
    return found


def filled_by_database_attributes(model: type) -> tuple[str, ...]:
    """The attributes no request writes (see mapping.filled_by_database)."""
    return tuple(
        attribute.key
        for attribute in sa.inspect(model).column_attrs
        if filled_by_database(attribute.columns[0])
    )


def link_fields(model: type) -> dict[str, RowIds]:
    """A `RowIds` field for each many-to-many relationship of `model`, named
    after the association table's column for the other side, plus an "s":
    `tag_ids` for the `tags` of a post kept in `post_tags.tag_id`."""
    mapper = sa.inspect(model)
    taken = set(mapper.attrs.keys())
    links = {}
    for relationship in mapper.relationships:
        if relationship.secondary is None or relationship.viewonly:
            continue
        name = ids_field_name(relationship)
        if name in taken or name in links:
            name = f"{relationship.key}_ids"
        [key] = [column.key for column in relationship.mapper.primary_key]
        links[name] = RowIds(relationship.key, key=key)
    return links


def ids_field_name(relationship: RelationshipProperty) -> str:
    pairs = relationship.secondary_synchronize_pairs
    if len(pairs) == 1:
        [(_, association_column)] = pairs
        return f"{association_column.name}s"
    return f"{relationship.key}_ids"
