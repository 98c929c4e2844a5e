"""`unique(a,b)` and `index(a,b)` on a model."""

from __future__ import annotations

import re

from .declarations import _CompositeDeclaration
from .errors import SpecError, _show
from .limits import MAX_INDEXED_STRING_LENGTH
from .names import _check_name
from .schema import Composite, Field, ManyToMany, Reference
from .words import _closest

# `unique(a,b)` and `index(a,b)` among a model's fields.
_COMPOSITE = re.compile(r"(unique|index)\(", re.IGNORECASE)


def _join_composites(tokens: list[str]) -> list[str]:
    """The tokens, with `unique(a, b)` written with spaces joined into one."""
    joined: list[str] = []
    open_composite = False
    for token in tokens:
        if open_composite:
            joined[-1] += token
        else:
            joined.append(token)
        current = joined[-1]
        open_composite = bool(_COMPOSITE.match(current)) and ")" not in current
    return joined


def _parse_composite(token: str, model: str) -> _CompositeDeclaration:
    """`unique(a,b)`: at least two distinct names, each checked as a field name."""
    kind = token.split("(", 1)[0]
    inside = token[len(kind) + 1 :]
    if kind != kind.lower():
        raise SpecError(
            f"{model}: write {_show(token)} in lower case: '{kind.lower()}(...)'",
            token=token,
        )
    if not inside.endswith(")") or ")" in inside[:-1]:
        raise SpecError(
            f"{model}: {_show(token)} must be '{kind}(field,field)', closed by ')'",
            token=token,
        )
    names = tuple(name.strip() for name in inside[:-1].split(","))
    if len(names) < 2:
        raise SpecError(
            f"{model}: {_show(token)} names one field; a {kind} over one field is "
            f"':{kind}' on it",
            token=token,
        )
    for name in names:
        _check_name(name, "field name", where=f"{model} {token}")
        if names.count(name) > 1:
            raise SpecError(
                f"{model}: {_show(token)} names {name!r} twice", token=token
            )
    return _CompositeDeclaration(token, kind, names)


# Types that no database indexes whole (MariaDB needs a prefix length).
_UNINDEXABLE = ("text", "json", "binary", "password")


def _resolve_composite(
    model: str,
    composite: _CompositeDeclaration,
    members: list[Field | Reference | ManyToMany],
) -> Composite:
    """A composite's fields must be the model's own scalars or references."""
    by_name = {member.name: member for member in members}
    columns = []
    length = 0
    generated_key = not any(
        isinstance(m, Field | Reference) and m.primary for m in members
    )
    for name in composite.names:
        member = by_name.get(name)
        if member is None and name == "id" and generated_key:
            columns.append("id")  # the generated integer key (version 3)
            continue
        if member is None:
            raise SpecError(
                f"{model}: {_show(composite.token)} names {name!r}, which is not a "
                f"field of {model}",
                token=composite.token,
                suggestion=_closest(name, list(by_name)),
            )
        if isinstance(member, ManyToMany):
            raise SpecError(
                f"{model}: {_show(composite.token)} names the many link {name!r}, "
                "which has no column (its rows are in an association table)",
                token=composite.token,
            )
        if isinstance(member, Reference):
            columns.append(member.column)
            continue
        if member.kind in _UNINDEXABLE:
            raise SpecError(
                f"{model}: {_show(composite.token)} names the {member.kind} field "
                f"{name!r}, which MariaDB cannot index whole; use string{{n}}",
                token=composite.token,
            )
        columns.append(member.column)
        length += member.length or 0
    if length > MAX_INDEXED_STRING_LENGTH:
        raise SpecError(
            f"{model}: {_show(composite.token)} holds strings of {length} "
            f"characters together; MariaDB indexes at most "
            f"{MAX_INDEXED_STRING_LENGTH}",
            token=composite.token,
        )
    return Composite(model, composite.kind, composite.names, tuple(columns))


def _check_composites_distinct(model: str, composites: tuple[Composite, ...]) -> None:
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for composite in composites:
        key = (composite.kind, composite.columns)
        if key in seen:
            shown = f"{composite.kind}({','.join(composite.fields)})"
            raise SpecError(f"{model}: {shown!r} is declared twice", token=shown)
        seen.add(key)
