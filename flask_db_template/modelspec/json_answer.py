"""The models answer written as a JSON object."""

from __future__ import annotations

import json
import re

from .composites import _COMPOSITE, _parse_composite
from .declarations import _ModelDeclaration
from .defaults import _FLOAT_LITERAL
from .errors import SpecError, _show
from .limits import MAX_JSON_NESTING, _bounded_int
from .names import _check_name
from .syntax import _parse_field, _parse_model_header


def _declarations_from_json(text: str) -> list[_ModelDeclaration]:
    def refuse_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for key, value in pairs:
            if key in seen:
                raise SpecError(f"{key!r} appears twice in the JSON answer", token=key)
            seen[key] = value
        return seen

    def refuse_long_numbers(number: str) -> int:
        return _bounded_int(number, where="the JSON answer", token=number)

    _check_json_nesting(text)
    try:
        data = json.loads(
            text, object_pairs_hook=refuse_duplicates, parse_int=refuse_long_numbers
        )
    except json.JSONDecodeError as error:
        near = error.doc[error.pos : error.pos + 12]
        raise SpecError(
            f"the models answer is not valid JSON: {error.msg} at line {error.lineno} "
            f"column {error.colno}, near {_show(near)}",
            token=near,
        ) from None
    if not isinstance(data, dict):
        raise SpecError(
            "the JSON answer must be an object of models, "
            f'e.g. {{"User": {{"email": "string!"}}}}, not {_json_kind(data)}',
        )
    if not data:
        raise SpecError(
            "the JSON answer holds no model: describe at least one, "
            'e.g. {"User": {"email": "string!"}}',
            token="{}",
        )
    declarations = []
    for header, fields in data.items():
        name, table = _parse_model_header(header.strip(), first=True)
        if not isinstance(fields, dict):
            raise SpecError(
                f"model {name!r} in the JSON answer must map field names to field "
                f'syntax, e.g. {{"email": "string!"}}, not {_json_kind(fields)}',
                token=header,
            )
        if not fields:
            raise SpecError(
                f"model {name!r} has no fields: give it at least one", token=header
            )
        parsed = []
        composites = []
        for field_name, syntax in fields.items():
            if _COMPOSITE.match(field_name):
                # {"unique(user,item)": true}: a composite, the value unused.
                composites.append(_parse_composite(field_name.replace(" ", ""), name))
                continue
            _check_name(field_name, "field name", where=name)
            if syntax is None:
                syntax = ""
            if not isinstance(syntax, str):
                raise SpecError(
                    f"{name}.{field_name}: a field is described by a string in the "
                    f'field syntax, e.g. "string{{120}}!:unique", '
                    f"not {_json_kind(syntax)}",
                    token=field_name,
                )
            syntax = syntax.strip()
            if syntax and syntax[0] not in "!?:":
                syntax = ":" + syntax
            parsed.append(_parse_field(field_name + syntax, name))
        if not parsed:
            raise SpecError(
                f"model {name!r} has no fields: give it at least one", token=header
            )
        declarations.append(_ModelDeclaration(header, name, table, parsed, composites))
    return declarations


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _check_json_nesting(text: str) -> None:
    """Refuse a JSON answer nested deeper than MAX_JSON_NESTING, before reading it."""
    depth = 0
    for match in re.finditer(r"[\[\]{}]", _JSON_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_JSON_NESTING:
            raise SpecError(
                f"the JSON answer is nested more than {MAX_JSON_NESTING} deep; "
                'models are an object of objects, e.g. {"User": {"email": "string!"}}',
                token=text[: match.start() + 1][-12:],
            )


def _looks_like_json(text: str) -> bool:
    """An object, or a JSON value that is not one (to refuse it as such)."""
    return (
        text[0] in '{["'
        or text in ("true", "false", "null")
        or _FLOAT_LITERAL.match(text) is not None
    )


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "an object"
