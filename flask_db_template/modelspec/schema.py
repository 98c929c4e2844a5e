"""What an answer becomes: a frozen Schema of models, fields and links."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Default:
    """A `:default=` value: `value` is the Python value, `written` as answered.

    `is_now` marks `default=now`, whose value (the word "now") is no literal:
    the database and the ORM fill in the current date or time when a row is made.
    """

    value: (
        bool
        | int
        | float
        | Decimal
        | str
        | datetime.date
        | datetime.datetime
        | datetime.time
    )
    written: str
    is_now: bool = False


@dataclass(frozen=True)
class Field:
    """A scalar column; `kind` is one of SCALAR_TYPES or "enum"."""

    model: str
    name: str
    kind: str
    nullable: bool
    unique: bool = False
    index: bool = False
    length: int | None = None  # string
    precision: int | None = None  # decimal
    scale: int | None = None  # decimal
    enum_values: tuple[str, ...] = ()
    # The database type of an enum: <table>_<field>, or its `:type=`, which
    # several fields may share.
    enum_name: str | None = None
    default: Default | None = None
    secret: bool = False  # write-only: never in a response, a log line or a repr
    primary: bool = False  # part of the primary key (`:primary`)
    column_name: str | None = None  # `:column=`: the database column's own name
    timezone: bool = False  # `datetime{tz}`: a time-zone-aware datetime

    @property
    def attribute(self) -> str:
        """The model's attribute: a password's is `<name>_hash`, holding its hash."""
        return f"{self.name}_hash" if self.kind == "password" else self.name

    @property
    def column(self) -> str:
        """The database column's name: its `:column=`, else the attribute's."""
        return self.column_name or self.attribute

    @property
    def password_methods(self) -> tuple[str, str]:
        """The model's methods that set and check a password field."""
        return (f"set_{self.name}", f"check_{self.name}")


@dataclass(frozen=True)
class Reference:
    """`name:references{Target.inverse}`: a foreign key column and both relationships.

    `unique` makes it one-to-one: the inverse then holds one row, not a list.
    """

    model: str
    name: str
    target: str
    inverse: str
    column: str  # the database column: `<name>_id`, or its `:column=`
    nullable: bool
    unique: bool = False
    # ON DELETE: "CASCADE" (`:cascade`), "SET NULL" (`:nullify`), or None: the
    # database refuses to delete a row still referred to.
    on_delete: str | None = None
    # The reference that closes a loop of references between tables: its
    # foreign key is created after both tables (use_alter), and the ORM sets
    # it in an UPDATE after both rows exist (post_update).
    closes_loop: bool = False
    primary: bool = False  # part of the primary key (`:primary`)
    # `:to=`: the target's unique field the foreign key points at; None: its key.
    to: str | None = None

    @property
    def attribute(self) -> str:
        """The model's attribute holding the foreign key: `<name>_id`."""
        return f"{self.name}_id"

    @property
    def is_self_reference(self) -> bool:
        return self.model == self.target


@dataclass(frozen=True)
class ManyToMany:
    """`name:many{Target.inverse}`: an association table and list relationships.

    `column` points at the declaring model's row, `target_column` at the target's;
    `on_delete` ("CASCADE" with `:cascade`) is on both of their foreign keys.
    """

    model: str
    name: str
    target: str
    inverse: str
    table: str
    column: str
    target_column: str
    on_delete: str | None = None

    @property
    def is_self_reference(self) -> bool:
        return self.model == self.target


@dataclass(frozen=True)
class Composite:
    """`unique(a,b)` or `index(a,b)` on a model: one constraint or index over
    several fields; `columns` are their columns (a reference's `<name>_id`)."""

    model: str
    kind: str  # "unique" or "index"
    fields: tuple[str, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    name: str
    table: str
    members: tuple[Field | Reference | ManyToMany, ...]  # in the order of the answer
    composites: tuple[Composite, ...] = ()

    @property
    def key(self) -> tuple[Field | Reference, ...]:
        """The members of the primary key; () for the generated integer `id`."""
        return tuple(
            m for m in self.members if isinstance(m, Field | Reference) and m.primary
        )

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(m for m in self.members if isinstance(m, Field))

    @property
    def references(self) -> tuple[Reference, ...]:
        return tuple(m for m in self.members if isinstance(m, Reference))

    @property
    def many(self) -> tuple[ManyToMany, ...]:
        return tuple(m for m in self.members if isinstance(m, ManyToMany))


@dataclass(frozen=True)
class Schema:
    models: tuple[Model, ...]
    timestamps: bool

    def model(self, name: str) -> Model:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(name)

    def references_to(self, name: str) -> tuple[Reference, ...]:
        """References of every model whose target is the model `name`."""
        return self._references_by_target.get(name, ())

    def many_to(self, name: str) -> tuple[ManyToMany, ...]:
        """Many-to-many links of every model whose target is the model `name`."""
        return self._links_by_target.get(name, ())

    # Both are asked for every model: indexes rather than a scan of every model
    # each time, which a schema of a hundred models would make quadratic.
    @functools.cached_property
    def _references_by_target(self) -> dict[str, tuple[Reference, ...]]:
        return _by_target(r for m in self.models for r in m.references)

    @functools.cached_property
    def _links_by_target(self) -> dict[str, tuple[ManyToMany, ...]]:
        return _by_target(k for m in self.models for k in m.many)


def _by_target(members: Iterable[Reference | ManyToMany]) -> dict[str, tuple]:
    grouped: dict[str, list] = {}
    for member in members:
        grouped.setdefault(member.target, []).append(member)
    return {target: tuple(found) for target, found in grouped.items()}


def key_column(schema: Schema, model: Model) -> tuple[str, str]:
    """The column of a model's one-column key and its kind ("integer" for the
    generated id; a reference's is its target's)."""
    if not model.key:
        return ("id", "integer")
    [member] = model.key
    return (member.column, member_kind(schema, member))


def member_kind(schema: Schema, member: Field | Reference) -> str:
    """A column's kind: a reference's is that of the column it points at."""
    if isinstance(member, Field):
        return member.kind
    return referred_column(schema, member)[1]


def referred_column(schema: Schema, reference: Reference) -> tuple[str, str]:
    """The column a reference's foreign key points at, and its kind: the
    target's key, or the field its `:to=` names."""
    target = schema.model(reference.target)
    if reference.to is None:
        return key_column(schema, target)
    if reference.to == "id" and not target.key:
        return ("id", "integer")
    member = next(m for m in target.members if m.name == reference.to)
    assert isinstance(member, Field | Reference)
    return (member.column, member_kind(schema, member))


def referred_attribute(schema: Schema, reference: Reference) -> str:
    """The target's attribute that holds the column `referred_column` names."""
    target = schema.model(reference.target)
    if reference.to is None:
        if not target.key:
            return "id"
        [member] = target.key
    else:
        if reference.to == "id" and not target.key:
            return "id"
        member = next(m for m in target.members if m.name == reference.to)
    assert isinstance(member, Field | Reference)
    return member.attribute
