"""The answer as read, before the checks that need the whole schema."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .schema import Default


@dataclass
class _FieldDeclaration:
    token: str
    name: str
    kind: str
    mark: str = ""
    unique: bool = False
    index: bool = False
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    enum_values: tuple[str, ...] = ()
    target: str | None = None
    inverse: str | None = None
    default: Default | None = None
    secret: bool = False
    on_delete: str | None = None  # of a reference: a value of ON_DELETE
    table: str | None = None  # of a many link: its association table's name
    primary: bool = False
    column: str | None = None  # `:column=`: the database column's own name
    # `:table=name(a,b)`: the association table's column names
    link_columns: tuple[str, str] | None = None
    to: str | None = None  # `:to=`: the target's field the foreign key points at
    enum_type: str | None = None  # `:type=`: the enum type's name
    timezone: bool = False  # `datetime{tz}`


@dataclass
class _CompositeDeclaration:
    token: str
    kind: str  # "unique" or "index"
    names: tuple[str, ...]


@dataclass
class _ModelDeclaration:
    token: str
    name: str
    table: str | None
    fields: list[_FieldDeclaration]
    composites: list[_CompositeDeclaration] = dataclasses.field(default_factory=list)
