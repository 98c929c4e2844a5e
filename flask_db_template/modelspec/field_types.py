"""Types: their names, aliases, the names other languages use, and their arguments."""

from __future__ import annotations

import re

from .declarations import _FieldDeclaration
from .errors import SpecError, _show
from .limits import (
    DEFAULT_DECIMAL_PRECISION,
    DEFAULT_STRING_LENGTH,
    MAX_BINARY_LENGTH,
    MAX_DECIMAL_PRECISION,
    MAX_DECIMAL_SCALE,
    MAX_STRING_LENGTH,
    _bounded_int,
)
from .links import _parse_link_target
from .names import _MODEL_NAME, _check_name
from .words import _closest

SCALAR_TYPES = (
    "string",
    "text",
    "integer",
    "bigint",
    "float",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "time",
    "uuid",
    "json",
    "binary",
    "password",
)
TYPES = (*SCALAR_TYPES, "enum", "references", "belongs_to", "many")
# Other names for the types, accepted as these (model-spec.md, version 2).
TYPE_ALIASES = {
    "int": "integer",
    "str": "string",
    "bool": "boolean",
    "timestamp": "datetime",
    "double": "float",
    "numeric": "decimal",
    "bytes": "binary",
}
# Type names of SQL and other languages that are not accepted, and the type
# meant by them: the suggestion for them, before any spelling match.
MEANT_TYPES = {
    "smallint": "integer",
    "tinyint": "integer",
    "mediumint": "integer",
    "serial": "integer",
    "number": "integer",
    "long": "bigint",
    "bigserial": "bigint",
    "varchar": "string",
    "char": "string",
    "character": "string",
    "nvarchar": "string",
    "clob": "text",
    "longtext": "text",
    "real": "float",
    "money": "decimal",
    "blob": "binary",
    "bytea": "binary",
    "varbinary": "binary",
    "timestamptz": "datetime{tz}",
    "jsonb": "json",
    "guid": "uuid",
}


_WHOLE_NUMBER = re.compile(r"[0-9]+\Z")


_TYPE_SEGMENT = re.compile(
    r"(?P<word>[^{}!?]*)(?:\{(?P<args>[^{}]*)\})?(?P<marks>[!?]*)\Z", re.DOTALL
)


def _parse_type(
    segment: str, *, name: str, where: str, token: str
) -> _FieldDeclaration:
    if segment == "":
        return _FieldDeclaration(token, name, "string", length=DEFAULT_STRING_LENGTH)
    match = _TYPE_SEGMENT.match(segment)
    if match is None:
        raise SpecError(
            f"{where}: cannot read the type {_show(segment)}; "
            "write e.g. 'string{80}!'",
            token=segment,
        )
    word, args, marks = match.group("word"), match.group("args"), match.group("marks")
    if word == "belongs_to":
        word = "references"
    word = TYPE_ALIASES.get(word, word)
    if word not in TYPES:
        if _MODEL_NAME.match(word) and word.lower() not in TYPES:
            raise SpecError(
                f"{where}: unknown type {word!r}; to link to a model write "
                f"'{name}:references{{{word}}}' or '{name}:many{{{word}}}'",
                token=word,
            )
        raise SpecError(
            f"{where}: unknown type {_show(word)}",
            token=word,
            suggestion=_type_meant(word),
        )
    field = _FieldDeclaration(token, name, word, mark=marks)
    if word in ("references", "many"):
        _parse_link_target(field, args, where=where)
    elif word == "enum":
        field.enum_values = _parse_enum_values(args, where=where, token=segment)
    else:
        _parse_scalar_arguments(field, args, where=where, token=segment)
    return field


def _parse_enum_values(args: str | None, *, where: str, token: str) -> tuple[str, ...]:
    if args is None or args.strip(",") == "":
        raise SpecError(
            f"{where}: {_show(token)} needs its values, e.g. 'enum{{draft,live}}'",
            token=token,
        )
    values = tuple(args.split(","))
    seen: set[str] = set()
    for value in values:
        if value == "":
            raise SpecError(f"{where}: empty value in {_show(token)}", token=token)
        _check_name(value, "enum value", where=where)
        if value in seen:
            raise SpecError(
                f"{where}: enum value {value!r} is listed twice in {_show(token)}",
                token=value,
            )
        seen.add(value)
    return values


def _parse_scalar_arguments(
    field: _FieldDeclaration, args: str | None, *, where: str, token: str
) -> None:
    kind = field.kind
    if kind == "string":
        field.length = DEFAULT_STRING_LENGTH
        if args is None:
            return
        numbers = _whole_numbers(args, where=where, token=token)
        if len(numbers) != 1:
            raise SpecError(
                f"{where}: string takes one length, e.g. 'string{{120}}', "
                f"not {_show(token)}",
                token=token,
            )
        length = numbers[0]
        if length < 1:
            raise SpecError(
                f"{where}: {_show(token)}: the length must be at least 1", token=token
            )
        if length > MAX_STRING_LENGTH:
            raise SpecError(
                f"{where}: {_show(token)} is longer than MariaDB's VARCHAR allows "
                f"({MAX_STRING_LENGTH} characters); use 'text' for long values",
                token=token,
            )
        field.length = length
    elif kind == "decimal":
        field.precision, field.scale = DEFAULT_DECIMAL_PRECISION
        if args is None:
            return
        numbers = _whole_numbers(args, where=where, token=token)
        if len(numbers) not in (1, 2):
            raise SpecError(
                f"{where}: decimal takes a precision and a scale, "
                "e.g. 'decimal{10,2}', "
                f"not {_show(token)}",
                token=token,
            )
        precision, scale = numbers[0], (numbers[1] if len(numbers) == 2 else 0)
        if not 1 <= precision <= MAX_DECIMAL_PRECISION:
            raise SpecError(
                f"{where}: {_show(token)}: the precision must be 1 to "
                f"{MAX_DECIMAL_PRECISION} digits",
                token=token,
            )
        if scale > precision:
            raise SpecError(
                f"{where}: {_show(token)}: the scale ({scale}) cannot exceed the "
                f"precision ({precision}); e.g. 'decimal{{10,2}}'",
                token=token,
            )
        if scale > MAX_DECIMAL_SCALE:
            raise SpecError(
                f"{where}: {_show(token)}: MariaDB allows at most "
                f"{MAX_DECIMAL_SCALE} digits after the point",
                token=token,
            )
        field.precision, field.scale = precision, scale
    elif kind == "datetime" and args is not None:
        if args != "tz":
            raise SpecError(
                f"{where}: datetime takes only '{{tz}}' (a time-zone-aware "
                f"datetime, 'datetime{{tz}}'), not {_show(token)}",
                token=token,
            )
        field.timezone = True
    elif kind == "binary" and args is not None:
        field.length = _binary_length(args, where=where, token=token)
    elif args is not None:
        raise SpecError(
            f"{where}: {kind} takes no arguments: {_show(token)}", token=token
        )


def _binary_length(args: str, *, where: str, token: str) -> int:
    """`binary{n}`: at most n bytes, a VARBINARY(n) on MySQL and MariaDB."""
    numbers = _whole_numbers(args, where=where, token=token)
    if len(numbers) != 1 or not 1 <= numbers[0] <= MAX_BINARY_LENGTH:
        raise SpecError(
            f"{where}: binary takes one length in bytes, 1 to {MAX_BINARY_LENGTH} "
            f"(MariaDB's VARBINARY), e.g. 'binary{{32}}', not {_show(token)}",
            token=token,
        )
    return numbers[0]


def _whole_numbers(args: str, *, where: str, token: str) -> list[int]:
    if args == "":
        raise SpecError(f"{where}: {_show(token)} has empty braces", token=token)
    numbers = []
    for part in args.split(","):
        if not _WHOLE_NUMBER.match(part):
            raise SpecError(
                f"{where}: {_show(part)} is not a whole number in {_show(token)}",
                token=token,
            )
        numbers.append(_bounded_int(part, where=where, token=token))
    return numbers


def _type_meant(word: str) -> str:
    """The type an unknown type word most likely means.

    Another language's name for it first (`smallint` is an integer, not the
    `many` its letters are closest to), then a misspelt type or alias
    (`strng`), the alias standing for its type.
    """
    lowered = word.lower()
    if lowered in MEANT_TYPES:
        return MEANT_TYPES[lowered]
    closest = _closest(word, [*TYPES, *TYPE_ALIASES])
    return TYPE_ALIASES.get(closest, closest)
