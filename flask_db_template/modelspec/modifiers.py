"""Modifiers after a field's type, and the checks of a whole field."""

from __future__ import annotations

import keyword
import re

from .declarations import _FieldDeclaration
from .defaults import _parse_default
from .errors import SpecError, _show
from .field_types import TYPE_ALIASES, TYPES
from .limits import MAX_INDEXED_STRING_LENGTH
from .names import MODULE_LEVEL_NAMES, _check_column_name, _check_name
from .words import _closest

MODIFIERS = (
    "unique",
    "uniq",
    "index",
    "default",
    "secret",
    "cascade",
    "nullify",
    "table",
    "primary",
    "column",
    "to",
    "type",
)
# Types that cannot be a primary key: no database compares them whole, or
# (float) not exactly.
NOT_PRIMARY_KINDS = ("json", "text", "binary", "float", "password")


# The modifiers written `name=value`.
VALUED_MODIFIERS = ("default", "table", "column", "to", "type")
# How each valued modifier is written, for the message refusing a bare one.
VALUED_EXAMPLES = {
    "table": "name the association table as 'table=name' or 'table=name(a_id,b_id)'",
    "column": "name the database column as 'column=name'",
    "to": "name the target's unique field as 'to=field'",
    "type": "name the enum's database type as 'type=name'",
}
# What deleting the referenced row does to a reference, in SQL's words.
ON_DELETE = {"cascade": "CASCADE", "nullify": "SET NULL"}


def _apply_modifier(
    field: _FieldDeclaration, segment: str, *, where: str, token: str, seen: set[str]
) -> None:
    name, equals, value = segment.partition("=")
    if segment == "":
        raise SpecError(f"{where}: empty modifier in {_show(token)}", token=token)
    if segment[-1] in "!?" and segment.rstrip("!?") in MODIFIERS:
        raise SpecError(
            f"{where}: {segment[-1]!r} goes right after the type, "
            "before the modifiers: "
            f"{_show(token)}",
            token=token,
        )
    if name not in MODIFIERS or (name in VALUED_MODIFIERS) != bool(equals):
        if name == "default":
            message = (
                f"{where}: write the default as 'default=value', not {_show(segment)}"
            )
            raise SpecError(message, token=segment)
        if name in VALUED_EXAMPLES:
            message = f"{where}: {VALUED_EXAMPLES[name]}, not {_show(segment)}"
            raise SpecError(message, token=segment)
        if name in MODIFIERS:
            raise SpecError(
                f"{where}: {name!r} takes no value: {_show(segment)}", token=segment
            )
        type_word = re.split(r"[{!?]", name, maxsplit=1)[0]
        if type_word in TYPES or type_word in TYPE_ALIASES:
            raise SpecError(
                f"{where}: {_show(segment)} is a type, and the type comes right after "
                f"the field name: '{field.name}:{segment}'",
                token=segment,
            )
        raise SpecError(
            f"{where}: unknown modifier {_show(segment)}",
            token=segment,
            suggestion=_modifier_meant(name, equals + value),
        )
    if name in VALUED_EXAMPLES and not value:
        raise SpecError(
            f"{where}: {VALUED_EXAMPLES[name]}, not {_show(segment)}", token=segment
        )
    canonical = "unique" if name == "uniq" else name
    if canonical in seen:
        raise SpecError(
            f"{where}: {_show(segment)} repeats ':{canonical}' in {_show(token)}",
            token=segment,
        )
    seen.add(canonical)
    if canonical == "table":
        _apply_table(field, value, where=where, token=token)
        return
    if field.kind == "many" and canonical not in ON_DELETE:
        raise SpecError(
            f"{where}: a many link takes no modifiers but ':table=' and ':cascade', "
            f"and {_show(segment)} is one",
            token=segment,
        )
    if canonical == "column":
        if field.kind == "password":
            what = "password hash column"
        else:
            what = "column name"
        _check_column_name(value, what, where=where)
        field.column = value
    elif canonical == "to":
        if field.kind != "references":
            raise SpecError(
                f"{where}: ':to=' names the field of the target a reference points "
                f"at, and {_show(token)} is no reference",
                token=token,
            )
        _check_name(value, "field name", where=where)
        field.to = value
    elif canonical == "type":
        if field.kind != "enum":
            raise SpecError(
                f"{where}: ':type=' names the database type of an enum, and "
                f"{_show(token)} is no enum",
                token=token,
            )
        _check_name(value, "enum type name", where=where)
        field.enum_type = value
    elif canonical == "unique":
        field.unique = True
    elif canonical == "index":
        field.index = True
    elif canonical == "secret":
        _apply_secret(field, where=where, token=token)
    elif canonical in ON_DELETE:
        _apply_on_delete(field, canonical, where=where, token=token)
    elif canonical == "primary":
        field.primary = True
    else:
        field.default = _parse_default(field, value, where=where)


_LINK_TABLE = re.compile(r"([^()]*)(?:\(([^()]*)\))?\Z")


def _apply_table(
    field: _FieldDeclaration, value: str, *, where: str, token: str
) -> None:
    """`:table=name` or `:table=name(a,b)`: the association table of a many
    link, and its two columns (this model's, then the target's)."""
    if field.kind != "many":
        raise SpecError(
            f"{where}: ':table=' names the association table of a many link, "
            f"and {_show(token)} is not one",
            token=token,
        )
    match = _LINK_TABLE.match(value)
    if match is None:
        raise SpecError(
            f"{where}: write the association table as 'table=name(a_id,b_id)', "
            f"not {_show(value)}",
            token=value,
        )
    table, columns = match.group(1), match.group(2)
    _check_name(table, "association table name", where=where)
    if keyword.iskeyword(table) or table in MODULE_LEVEL_NAMES:
        raise SpecError(
            f"{where}: the association table {table!r} would be a name that "
            "models.py needs for itself; choose another",
            token=table,
        )
    field.table = table
    if columns is None:
        return
    names = tuple(columns.split(","))
    if len(names) != 2:
        raise SpecError(
            f"{where}: {_show(value)} names {len(names)} columns; an association "
            "table has two: 'table=name(this_id,other_id)'",
            token=value,
        )
    for name in names:
        _check_column_name(name, "association column name", where=where)
    if names[0].lower() == names[1].lower():
        raise SpecError(
            f"{where}: {_show(value)} names the column {names[0]!r} twice; the "
            "association table's two columns need two names",
            token=value,
        )
    field.link_columns = (names[0], names[1])


def _apply_secret(field: _FieldDeclaration, *, where: str, token: str) -> None:
    """`:secret`: a write-only column. A reference's id is no secret: the row it
    names can be read at its own URL."""
    if field.kind == "references":
        raise SpecError(
            f"{where}: ':secret' on a reference ({_show(token)}): the id of a row "
            "is no secret; make a secret field of its own",
            token=token,
        )
    field.secret = True


def _apply_on_delete(
    field: _FieldDeclaration, modifier: str, *, where: str, token: str
) -> None:
    """`:cascade` or `:nullify`: what deleting the referenced row does."""
    if field.kind == "many" and modifier == "nullify":
        raise SpecError(
            f"{where}: ':nullify' on a many link ({_show(token)}): its link rows "
            "have nothing to empty; ':cascade' deletes them with either row",
            token=token,
        )
    if field.kind not in ("references", "many"):
        raise SpecError(
            f"{where}: ':{modifier}' is for a reference or a many link "
            f"({_show(token)}): it says what deleting the referenced row does",
            token=token,
        )
    if field.on_delete is not None:
        raise SpecError(
            f"{where}: both ':cascade' and ':nullify' in {_show(token)}: deleting "
            "the referenced row either deletes this one or empties the reference",
            token=token,
        )
    field.on_delete = ON_DELETE[modifier]


def _check_primary(field: _FieldDeclaration, *, where: str) -> None:
    """A key is never NULL, and compares exactly."""
    if field.mark == "?":
        raise SpecError(
            f"{where}: ':primary' on an optional field ({_show(field.token)}): a "
            "primary key is never empty",
            token=field.token,
        )
    if field.kind in NOT_PRIMARY_KINDS:
        raise SpecError(
            f"{where}: ':primary' on a {field.kind} field ({_show(field.token)}); "
            "a key is a string, a number, a uuid, a date or a reference",
            token=field.token,
        )
    if field.default is not None:
        raise SpecError(
            f"{where}: ':primary' with a default ({_show(field.token)}): every row "
            "would get the same key",
            token=field.token,
        )
    if field.kind != "references":
        field.mark = "!"


def _check_password(field: _FieldDeclaration, *, where: str) -> None:
    """A password is a salted hash: no two are alike, so neither unique nor an
    index mean anything, and no default can be known in advance."""
    for modifier, present in (("unique", field.unique), ("index", field.index)):
        if present:
            raise SpecError(
                f"{where}: ':{modifier}' on a password ({_show(field.token)}): it is "
                "kept as a salted hash, which is never the same twice",
                token=field.token,
            )


def _check_field(field: _FieldDeclaration, *, where: str) -> None:
    """The checks that need the whole field: marks and modifiers against the type."""
    kind = field.kind
    if kind == "password":
        _check_password(field, where=where)
    if field.primary:
        _check_primary(field, where=where)
    if field.on_delete == "SET NULL" and field.mark != "?":
        raise SpecError(
            f"{where}: ':nullify' on a required reference ({_show(field.token)}) "
            "would leave it empty; make it optional with '?'",
            token=field.token,
        )
    if kind == "many" and field.mark:
        raise SpecError(
            f"{where}: {field.mark!r} in {_show(field.token)} has no meaning on a "
            "many link (it may hold no rows)",
            token=field.token,
        )
    if field.unique or field.index:
        what = "unique" if field.unique else "indexed"
        shown = _show(field.token)
        if kind == "text" and field.index:
            raise SpecError(
                f"{where}: {shown}: a text column cannot be indexed, as MariaDB "
                "cannot index it without a prefix length; use string{n} (':unique' "
                "it can enforce)",
                token=field.token,
            )
        if kind in ("json", "binary"):
            raise SpecError(
                f"{where}: {shown}: a {kind} column cannot be {what}, as MariaDB "
                "cannot index it without a prefix length; use string{n}",
                token=field.token,
            )
        if kind == "boolean" and field.unique:
            raise SpecError(
                f"{where}: {shown}: a unique boolean allows only two rows; "
                "drop ':unique'",
                token=field.token,
            )
        if (
            kind == "enum"
            and field.unique
            and field.mark == "!"
            and len(field.enum_values) == 1
        ):
            raise SpecError(
                f"{where}: {shown}: a required unique enum of one value allows only "
                "one row; drop ':unique' or '!'",
                token=field.token,
            )
        if kind == "string" and (field.length or 0) > MAX_INDEXED_STRING_LENGTH:
            raise SpecError(
                f"{where}: {shown}: string{{{field.length}}} is too long to be "
                f"{what}: MariaDB indexes at most {MAX_INDEXED_STRING_LENGTH} "
                "characters",
                token=field.token,
            )


# Other tools' words for a modifier or mark, and what they are here.
MEANT_MODIFIERS = {
    "nullable": "?",
    "null": "?",
    "optional": "?",
    "required": "!",
    "notnull": "!",
    "not_null": "!",
    "pk": "primary",
    "primary_key": "primary",
    "key": "primary",
    "on_delete_cascade": "cascade",
    "set_null": "nullify",
    "write_only": "secret",
    "writeonly": "secret",
    "hidden": "secret",
}


def _modifier_meant(name: str, value: str) -> str:
    """The modifier a misspelt one most likely means, written with its value:
    `primay` -> `primary`, `defualt=now` -> `default=now`, `tabel=x` -> `table=x`;
    `nullable` -> `?`. `uniq` is left out: its letters would win over `unique`'s."""
    if name.lower() in MEANT_MODIFIERS:
        return MEANT_MODIFIERS[name.lower()]
    meant = _closest(name, [m for m in MODIFIERS if m != "uniq"])
    if meant in VALUED_MODIFIERS:
        return meant + (value or "=")
    return meant
