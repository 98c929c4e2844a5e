"""What the generated REST API and its tests say, decided in Python.

`plan_api` parses the models answer and returns an `ApiPlan` whose strings are
final code: schemas.py, resources.py and tests/test_api.py only loop over them
and print. Statements are written the way `ruff format` keeps them: on one
line when they fit in 88 columns, otherwise split one item a line with a
trailing comma, which ruff leaves split.

Standard library only, like `modelspec`: the cookiecutter hooks import it.
"""

from __future__ import annotations

import base64
import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .escaping import python_assignment
from .modelspec import (
    Field,
    Model,
    Schema,
    SpecError,
    _singularize,
    display_width,
    parse,
    python_string_literal,
)

__all__ = [
    "ApiPlan",
    "LinkField",
    "api_title_statement",
    "SchemaPlan",
    "check_api",
    "link_fields",
    "plan_api",
    "sample_value",
    "wrong_type_value",
]

LINE_LENGTH = 88
INDENT = "    "
TIMESTAMP_COLUMNS = ("created_at", "updated_at")


@dataclass(frozen=True)
class LinkField:
    """A many-to-many link of a model, read and written as the ids of its rows.

    `name` is the JSON field (`tag_ids`), `relationship` the model's attribute
    holding the rows (`tags`), `target` the model they are rows of.
    """

    name: str
    relationship: str
    target: str


@dataclass(frozen=True)
class SchemaPlan:
    """One schema class of schemas.py; `link_lines` are statements of its body."""

    class_name: str
    model: str
    link_lines: tuple[str, ...]


@dataclass(frozen=True)
class ApiPlan:
    schema: Schema
    # The columns no request may write: the key and the timestamps.
    dump_only: str
    schemas: tuple[SchemaPlan, ...]
    # Items of the `blueprints` list of resources.py, one per model.
    blueprint_items: tuple[str, ...]
    # Entries of the RESOURCES dict of tests/test_api.py, one per model.
    test_resources: tuple[str, ...]
    # What some model has, so that the tests of it are written: "required",
    # "unique", "references", "self_references", "links".
    test_kinds: frozenset[str]


def plan_api(text: str, timestamps: bool) -> ApiPlan:
    """Parse the models answer and decide the API's code; raises SpecError."""
    return _plan(parse(text, timestamps=timestamps))


# Several templates render from the plan: it is made once.
@functools.lru_cache(maxsize=16)
def _plan(schema: Schema) -> ApiPlan:
    check_api(schema)
    dump_only = ("id", *(TIMESTAMP_COLUMNS if schema.timestamps else ()))
    return ApiPlan(
        schema=schema,
        dump_only=_flat_tuple(dump_only),
        schemas=tuple(_schema_plan(schema, model) for model in schema.models),
        blueprint_items=tuple(
            _call_line(INDENT, "resource_blueprint", [f"schemas.{_schema(m)}"], ",")
            for m in schema.models
        ),
        test_resources=tuple(_test_resource(schema, m) for m in schema.models),
        test_kinds=_test_kinds(schema),
    )


def _test_kinds(schema: Schema) -> frozenset[str]:
    kinds = set()
    for model in schema.models:
        if _required(model):
            kinds.add("required")
        if _unique(model):
            kinds.add("unique")
        if model.references:
            kinds.add("references")
        if any(r.is_self_reference for r in model.references):
            kinds.add("self_references")
        if link_fields(schema, model):
            kinds.add("links")
    return frozenset(kinds)


def _required(model: Model) -> list[str]:
    """What a create must hold: NOT NULL columns without a default."""
    required = [f.name for f in model.fields if not f.nullable and f.default is None]
    return required + [r.column for r in model.references if not r.nullable]


def _unique(model: Model) -> list[str]:
    return [f.name for f in model.fields if f.unique] + [
        r.column for r in model.references if r.unique
    ]


def api_title_statement(project_name: str) -> str:
    """The `API_TITLE` line of config.py's Config class, as ruff writes it."""
    return python_assignment(project_name, "API_TITLE: ClassVar[str]", INDENT)


def link_fields(schema: Schema, model: Model) -> tuple[LinkField, ...]:
    """The many-to-many links of `model`: those it declares, then the inverse
    sides of those other models (or itself) declare towards it."""
    declared = [LinkField(_ids(k.name), k.name, k.target) for k in model.many]
    inverse = [
        LinkField(_ids(k.inverse), k.inverse, k.model)
        for k in schema.many_to(model.name)
    ]
    return tuple(declared + inverse)


def check_api(schema: Schema) -> None:
    """Refuse a schema whose JSON field names would clash; raises SpecError."""
    for model in schema.models:
        owners = {"id": "the primary key"}
        if schema.timestamps:
            owners |= {name: "a timestamp column" for name in TIMESTAMP_COLUMNS}
        owners |= {f.name: f"the field {model.name}.{f.name}" for f in model.fields}
        owners |= {
            r.column: f"the foreign key column of {model.name}.{r.name}"
            for r in model.references
        }
        for link in link_fields(schema, model):
            if link.name in owners:
                raise SpecError(
                    f"{model.name}.{link.relationship}: the API shows this link as "
                    f"{link.name!r}, which is also {owners[link.name]}; rename one "
                    "of them",
                    token=link.name,
                )
            owners[link.name] = f"the API field of the link {link.relationship!r}"


def _ids(relationship: str) -> str:
    """`tags` -> `tag_ids`, `people` -> `person_ids`: Rails' name for the ids."""
    return f"{_singularize(relationship)}_ids"


def _schema(model: Model) -> str:
    return f"{model.name}Schema"


def _schema_plan(schema: Schema, model: Model) -> SchemaPlan:
    lines = tuple(
        _call_line(
            INDENT, f"{link.name} = RowIds", [python_string_literal(link.relationship)]
        )
        for link in link_fields(schema, model)
    )
    return SchemaPlan(class_name=_schema(model), model=model.name, link_lines=lines)


# --- The tests' data -----------------------------------------------------------------


def _test_resource(schema: Schema, model: Model) -> str:
    """`"<table>": Resource(...),` for tests/test_api.py."""
    references = [
        _Code(
            _call_line(
                INDENT * 3,
                "Reference",
                [
                    python_string_literal(r.column),
                    python_string_literal(schema.model(r.target).table),
                    f"required={not r.nullable}",
                    f"unique={r.unique}",
                ],
                ",",
            )
        )
        for r in model.references
    ]
    links = [
        _Code(
            _call_line(
                INDENT * 3,
                "Link",
                [
                    python_string_literal(link.name),
                    python_string_literal(schema.model(link.target).table),
                ],
                ",",
            )
        )
        for link in link_fields(schema, model)
    ]
    arguments = {
        "sample": {f.name: sample_value(f) for f in model.fields},
        "wrong_types": {f.name: wrong_type_value(f) for f in model.fields},
        "required": _required(model),
        "unique": _unique(model),
        "references": references,
        "links": links,
    }
    items = [f"models.{model.name}"]
    items += [f"{name}={_literal(value, 2)}" for name, value in arguments.items()]
    body = "".join(f"{INDENT * 2}{item},\n" for item in items)
    return f"{python_string_literal(model.table)}: Resource(\n{body}{INDENT}),"


def sample_value(field: Field) -> object:
    """The JSON value of `field` in the tests' payloads, unlike its default.

    Every value reads back unchanged on all three databases: no fractions of a
    second, binary fractions for floats, the declared scale for decimals,
    datetimes in UTC as the API writes them.
    """
    default = field.default.value if field.default is not None else None

    def unlike_default(*candidates: object) -> object:
        return next((c for c in candidates if c != default), candidates[0])

    kind = field.kind
    if kind == "string":
        length = field.length or 1
        return unlike_default(field.name[:length], "sample"[:length], "x" * length)
    if kind == "text":
        return unlike_default("Some text.", "Other text.")
    if kind == "enum":
        return unlike_default(*field.enum_values)
    if kind == "integer":
        return unlike_default(42, 7)
    if kind == "bigint":
        # Beyond 32 bits, so a test shows the column really is a BIGINT.
        return unlike_default(2**40, 2**40 + 1)
    if kind == "float":
        return unlike_default(1.5, 2.5)
    if kind == "decimal":
        return str(unlike_default(*_decimal_samples(field)))
    if kind == "boolean":
        return unlike_default(True, False)
    if kind == "date":
        return unlike_default(
            datetime.date(2024, 1, 31), datetime.date(2024, 2, 29)
        ).isoformat()
    if kind == "datetime":
        moments = [
            datetime.datetime(2024, 1, 31, 9, 30, tzinfo=datetime.UTC),
            datetime.datetime(2024, 2, 29, 18, 45, tzinfo=datetime.UTC),
        ]
        return next(m for m in moments if m.replace(tzinfo=None) != default).isoformat()
    if kind == "time":
        return unlike_default(datetime.time(9, 30), datetime.time(18, 45)).isoformat()
    if kind == "uuid":
        return "12345678-1234-5678-1234-567812345678"
    if kind == "json":
        return {"key": "value", "count": 1}
    if kind == "binary":
        return base64.b64encode(b"\x00\x01binary").decode("ascii")
    raise AssertionError(f"no sample for {kind}")


def wrong_type_value(field: Field) -> object:
    """A JSON value the API must refuse for `field`: of another JSON type, or
    for a decimal a number, which the API refuses because it would pass
    through a float."""
    if field.kind in ("integer", "bigint", "float"):
        return "forty-two"
    if field.kind == "boolean":
        return "perhaps"
    if field.kind == "json":
        return ["not", "an", "object"]
    if field.kind == "decimal":
        return 1.25
    return 12345


def _decimal_samples(field: Field) -> tuple[Decimal, Decimal]:
    """Two values that fit decimal{precision,scale}, written with the full scale."""
    precision, scale = field.precision or 1, field.scale or 0
    whole = precision > scale
    fractions = ("25" + "0" * scale)[:scale], ("35" + "0" * scale)[:scale]
    return tuple(
        Decimal(f"{digit if whole else '0'}.{fraction}" if scale else digit)
        for digit, fraction in zip("12", fractions, strict=True)
    )


# --- Writing code ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Code:
    """Code written as it is, not as a literal; its lines already carry the
    indentation of where it goes."""

    text: str


def _literal(value: object, depth: int = 0) -> str:
    """`value` as Python source; a non-empty list, tuple or dict one item a line
    with a trailing comma, so ruff keeps it split. `depth` is the indentation
    of the line the literal starts on, in levels of four spaces."""
    if isinstance(value, _Code):
        return value.text
    if isinstance(value, str):
        return python_string_literal(value)
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    inner = INDENT * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{_literal(k)}: {_literal(v, depth + 1)}" for k, v in value.items()]
        opener, closer = "{", "}"
    elif isinstance(value, list | tuple):
        if not value:
            return "[]" if isinstance(value, list) else "()"
        items = [_literal(v, depth + 1) for v in value]
        opener, closer = ("[", "]") if isinstance(value, list) else ("(", ")")
    else:
        raise AssertionError(f"no literal for {value!r}")
    lines = "".join(f"{inner}{item},\n" for item in items)
    return f"{opener}\n{lines}{INDENT * depth}{closer}"


def _flat_tuple(names: tuple[str, ...]) -> str:
    """A short tuple of names on one line: `("id",)`, `("id", "created_at")`."""
    items = ", ".join(python_string_literal(name) for name in names)
    return f"({items},)" if len(names) == 1 else f"({items})"


def _call_line(
    indent: str, callee: str, arguments: Iterable[str], followed_by: str = ""
) -> str:
    """`callee(arguments)` on one line if it fits, else one argument a line.

    `indent` is the indentation of the first line, which the caller writes;
    `followed_by` what the caller writes after the call on its last line. Both
    count towards the width; continuation lines carry their own indentation.
    """
    arguments = list(arguments)
    flat = f"{callee}({', '.join(arguments)})"
    if display_width(indent + flat + followed_by) <= LINE_LENGTH:
        return flat
    lines = "".join(f"{indent}{INDENT}{argument},\n" for argument in arguments)
    return f"{callee}(\n{lines}{indent})"
