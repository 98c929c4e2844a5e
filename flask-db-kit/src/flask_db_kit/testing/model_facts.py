"""What the checks (and the factories) know of the models, read from the
mapped models when they run.

Nothing here is a copy of the schema: the models, their columns' constraints,
defaults, references and many-to-many links come from SQLAlchemy's mappers and
tables, so a column or a model added to models.py is tested (and named in the
test ids) the next time the suite runs. Each answer is read once a process:
the models do not change while the tests run. No pytest here: `flask seed`
reads these facts too.
"""

import functools
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, RelationshipDirection

from flask_db_kit.mapping import filled_by_database, mapped_models
from flask_db_kit.utc import UtcNow, UtcToday

__all__ = [
    "Default",
    "Link",
    "Password",
    "Reference",
    "attribute_of",
    "clock_attributes",
    "defaulted_attributes",
    "defaults",
    "enum_attributes",
    "filled_by_database",
    "links",
    "mapped_models",
    "not_null_attributes",
    "passwords",
    "references",
    "secret_attributes",
    "unique_attributes",
]


class Reference(NamedTuple):
    """A many-to-one link: `attribute` holds the target row, `key` its id.

    `on_delete` is its foreign key's ON DELETE: "CASCADE" (deleting the target
    deletes this row), "SET NULL" (empties the reference), or None: the
    database refuses the delete, optional reference or not.
    """

    model: type
    attribute: str
    key: str
    target: type
    inverse: str | None
    required: bool
    unique: bool
    on_delete: str | None = None
    # The target's attribute the foreign key points at when it is not the key
    # (`:to=` in the models language); None: the key.
    referred: str | None = None

    def __str__(self) -> str:
        return f"{self.model.__name__}.{self.attribute}"


class Link(NamedTuple):
    """A many-to-many link: `attribute` holds the list of target rows."""

    model: type
    attribute: str
    target: type
    inverse: str | None

    def __str__(self) -> str:
        return f"{self.model.__name__}.{self.attribute}"


class Password(NamedTuple):
    """A password: requests give `name`, the row keeps its hash in `hash_attribute`,
    `set_<name>` and `check_<name>` write and check it."""

    model: type
    name: str
    hash_attribute: str
    required: bool

    def __str__(self) -> str:
        return f"{self.model.__name__}.{self.name}"

    @property
    def attribute(self) -> str:
        return self.name


class Default(NamedTuple):
    """A column's default: the ORM's value (None when only the database has
    one) and whether the database has one too."""

    attribute: str
    value: Any
    in_database: bool


def mapper(model: type) -> Mapper:
    return sa.inspect(model)


def attribute_of(model: type, column: sa.Column) -> str:
    return mapper(model).get_property_by_column(column).key


@functools.cache
def references(model: type) -> tuple[Reference, ...]:
    found = []
    for relationship in mapper(model).relationships:
        if relationship.direction is not RelationshipDirection.MANYTOONE:
            continue
        if relationship.viewonly or len(relationship.local_columns) != 1:
            continue
        [column] = relationship.local_columns
        [foreign_key] = column.foreign_keys
        target = relationship.mapper.class_
        referred = None
        if not foreign_key.column.primary_key:
            referred = attribute_of(target, foreign_key.column)
        found.append(
            Reference(
                model=model,
                attribute=relationship.key,
                key=attribute_of(model, column),
                target=relationship.mapper.class_,
                inverse=relationship.back_populates or None,
                required=not column.nullable,
                unique=is_unique(model, column),
                on_delete=on_delete(column),
                referred=referred,
            )
        )
    return tuple(found)


@functools.cache
def links(model: type) -> tuple[Link, ...]:
    return tuple(
        Link(model, rel.key, rel.mapper.class_, rel.back_populates or None)
        for rel in mapper(model).relationships
        if rel.secondary is not None and not rel.viewonly
    )


@functools.cache
def unique_attributes(model: type) -> tuple[tuple[str, ...], ...]:
    """The attributes whose values the database keeps unique, one tuple per
    unique constraint or unique index (one attribute, or several together)."""
    table = model.__table__
    column_sets = [
        tuple(constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ]
    column_sets += [tuple(index.columns) for index in table.indexes if index.unique]
    column_sets += [(column,) for column in table.columns if column.unique]
    if table.autoincrement_column is None:  # a key of its own (`:primary`)
        column_sets.append(tuple(table.primary_key.columns))
    found = []
    for columns in column_sets:
        attributes = tuple(attribute_of(model, column) for column in columns)
        if attributes not in found:
            found.append(attributes)
    return tuple(found)


def is_unique(model: type, column: sa.Column) -> bool:
    return (attribute_of(model, column),) in unique_attributes(model)


@functools.cache
def not_null_attributes(model: type) -> tuple[str, ...]:
    """Columns that may not hold NULL, but a key the database counts up."""
    table = model.__table__
    return tuple(
        attribute_of(model, column)
        for column in table.columns
        if not column.nullable and column is not table.autoincrement_column
    )


@functools.cache
def enum_attributes(model: type) -> tuple[str, ...]:
    """Enum columns that refuse a value outside the enum before the database
    sees it (an enum class, or `validate_strings=True`)."""
    return tuple(
        attribute_of(model, column)
        for column in model.__table__.columns
        if isinstance(column.type, sa.Enum)
        and (column.type.enum_class is not None or column.type.validate_strings)
    )


@functools.cache
def defaults(model: type) -> tuple[Default, ...]:
    found = []
    for column in model.__table__.columns:
        orm_default = column.default
        if orm_default is not None and not orm_default.is_scalar:
            continue  # a callable: no one value to compare with
        if orm_default is None and column.server_default is None:
            continue
        if column is column.table.autoincrement_column:
            continue
        value = orm_default.arg if orm_default is not None else None
        found.append(
            Default(
                attribute=attribute_of(model, column),
                value=value,
                in_database=column.server_default is not None,
            )
        )
    return tuple(found)


@functools.cache
def defaulted_attributes(model: type) -> tuple[str, ...]:
    """Attributes that a new row left without gets a value for, from the ORM
    or the database (the generated key aside), callables included."""
    return tuple(
        attribute_of(model, column)
        for column in model.__table__.columns
        if (column.default is not None or column.server_default is not None)
        and column is not column.table.autoincrement_column
    )


@functools.cache
def clock_attributes(model: type) -> tuple[str, ...]:
    """Columns the database fills in with the current date or time in UTC
    (utc.py's UtcNow and UtcToday): `default=now`, `created_at`."""
    return tuple(
        attribute_of(model, column)
        for column in model.__table__.columns
        if isinstance(getattr(column.server_default, "arg", None), UtcNow | UtcToday)
    )


@functools.cache
def secret_attributes(model: type) -> tuple[str, ...]:
    """Columns marked secret in models.py (`info={"secret": True}`): never in a
    response, a log line or a repr. A password's hash column among them."""
    return tuple(
        attribute_of(model, column)
        for column in model.__table__.columns
        if column.info.get("secret")
    )


@functools.cache
def passwords(model: type) -> tuple[Password, ...]:
    return tuple(
        Password(
            model=model,
            name=column.info["hash_of"],
            hash_attribute=attribute_of(model, column),
            required=not column.nullable,
        )
        for column in model.__table__.columns
        if column.info.get("hash_of")
    )


def on_delete(column: sa.Column) -> str | None:
    """The ON DELETE of the foreign key on `column`, upper case."""
    [foreign_key] = column.foreign_keys
    return foreign_key.ondelete.upper() if foreign_key.ondelete else None
