"""References and many links: their targets, keys and loops."""

from __future__ import annotations

import dataclasses
import re

from .declarations import _FieldDeclaration, _ModelDeclaration
from .errors import SpecError, _show
from .names import _MODEL_NAME, _check_attribute_name, _check_generated_name
from .schema import Field, ManyToMany, Model, Reference, Schema
from .words import _camel, _closest, _pluralize, _singularize, _snake


def _parse_link_target(
    field: _FieldDeclaration, args: str | None, *, where: str
) -> None:
    if args is None:
        if field.kind == "many":
            raise SpecError(
                f"{where}: {_show(field.token)} needs its target model, e.g. "
                f"'{field.name}:many{{{_camel(_singularize(field.name))}}}'",
                token=field.token,
            )
        return  # `author:references` links to the model Author
    if args == "":
        raise SpecError(
            f"{where}: {_show(field.token)} names no model; write e.g. "
            f"'{field.name}:{field.kind}{{User}}'",
            token=field.token,
        )
    target, dot, inverse = args.partition(".")
    if target.lower() == "polymorphic":
        raise SpecError(
            f"{where}: 'references{{{args}}}' is not supported: reference one "
            f"model, e.g. '{field.name}:references{{Post}}'",
            token=f"references{{{args}}}",
        )
    if not _MODEL_NAME.match(target):
        suggestion = _camel(_snake(target)) if re.fullmatch(r"\w+", target) else ""
        raise SpecError(
            f"{where}: {_show(target)} is not a model name (models start with a "
            "capital letter)",
            token=target,
            suggestion=suggestion if _MODEL_NAME.match(suggestion) else "",
        )
    field.target = target
    if dot:
        if not inverse:
            model = where.split(".")[0]
            raise SpecError(
                f"{where}: nothing after '.' in '{{{args}}}'; name the inverse, "
                f"e.g. {{{target}.{_pluralize(_snake(model))}}}",
                token=f"{{{args}}}",
            )
        field.inverse = inverse


def _reference_loop(
    schema: Schema, closing: set[tuple[str, str]]
) -> list[Reference] | None:
    """A loop of references between tables (self-references and those in
    `closing` left out), in order, or None."""
    outgoing = {
        model.name: [
            r
            for r in model.references
            if not r.is_self_reference and (r.model, r.name) not in closing
        ]
        for model in schema.models
    }
    state: dict[str, str] = {}
    path: list[Reference] = []

    def visit(name: str) -> list[Reference] | None:
        state[name] = "visiting"
        for reference in outgoing[name]:
            path.append(reference)
            if state.get(reference.target) == "visiting":
                start = next(
                    i for i, r in enumerate(path) if r.model == reference.target
                )
                return path[start:]
            if reference.target not in state:
                found = visit(reference.target)
                if found is not None:
                    return found
            path.pop()
        state[name] = "done"
        return None

    for model in schema.models:
        if model.name not in state:
            found = visit(model.name)
            if found is not None:
                return found
    return None


def _check_keys(schema: Schema) -> None:
    """A reference takes the type of its target's key, which must be one
    column; a many link joins models keyed by their generated id."""
    for model in schema.models:
        for reference in model.references:
            target = schema.model(reference.target)
            if reference.to is not None:
                _check_to(model, reference, target)
            elif len(target.key) > 1:
                raise SpecError(
                    f"{model.name}.{reference.name}: {target.name} has a key of "
                    f"{len(target.key)} fields, so the reference {reference.name!r} "
                    "cannot name its rows by one column; give it a single key or "
                    "refer to its parts",
                    token=reference.name,
                )
            if reference.primary and reference.nullable:
                raise SpecError(
                    f"{model.name}.{reference.name}: ':primary' on the optional "
                    f"reference {reference.name!r}: a primary key is never empty",
                    token=reference.name,
                )
        for link in model.many:
            for end in (model, schema.model(link.target)):
                if end.key:
                    raise SpecError(
                        f"{model.name}.{link.name}: the many link {link.name!r} "
                        f"joins models keyed by their generated id, and {end.name} "
                        "has a ':primary' key; declare the link as a model of two "
                        "references",
                        token=link.name,
                    )


def _check_to(model: Model, reference: Reference, target: Model) -> None:
    """`:to=field`: a field of the target that names one row, by a column."""
    where = f"{model.name}.{reference.name}"
    shown = f"':to={reference.to}'"
    if reference.to == "id" and not target.key:
        return
    member = next((m for m in target.members if m.name == reference.to), None)
    if member is None:
        names = [m.name for m in target.members if not isinstance(m, ManyToMany)]
        raise SpecError(
            f"{where}: {shown} names no field of {target.name}",
            token=reference.to,
            suggestion=_closest(reference.to, names + ([] if target.key else ["id"])),
        )
    if isinstance(member, ManyToMany):
        raise SpecError(
            f"{where}: {shown} names the many link {target.name}.{member.name}, "
            "which has no column to point at",
            token=reference.to,
        )
    if not (member.unique or (member.primary and len(target.key) == 1)):
        raise SpecError(
            f"{where}: {shown} names {target.name}.{member.name}, which is neither "
            "unique nor the key, so it may name several rows; make it ':unique'",
            token=reference.to,
        )
    if isinstance(member, Reference) and member.to is not None:
        raise SpecError(
            f"{where}: {shown} names {target.name}.{member.name}, a reference with "
            "a ':to=' of its own; point at the field that one points at",
            token=reference.to,
        )
    if isinstance(member, Field) and member.kind in ("text", "password"):
        raise SpecError(
            f"{where}: {shown} names the {member.kind} field "
            f"{target.name}.{member.name}; a foreign key points at a string, a "
            "number, a uuid, a date or a reference",
            token=reference.to,
        )


def _target(
    by_name: dict[str, _ModelDeclaration],
    declaration: _ModelDeclaration,
    field: _FieldDeclaration,
) -> str:
    """The declared model a reference or many link names (or its name implies)."""
    where = f"{declaration.name}.{field.name}"
    target = field.target or _camel(field.name)
    if target in by_name:
        return target
    suggestion = _closest(target, list(by_name))
    if field.target is None:
        example = suggestion or next(iter(by_name))
        raise SpecError(
            f"{where}: {_show(field.token)} links to the model {target!r}, which "
            f"is not declared; name the target, e.g. "
            f"'{field.name}:references{{{example}}}'",
            token=field.token,
        )
    raise SpecError(
        f"{where}: {field.kind} target {target!r} is not a declared model",
        token=target,
        suggestion=suggestion,
    )


def _links_of(
    declaration: _ModelDeclaration,
    by_name: dict[str, _ModelDeclaration],
    timestamps: bool,
) -> dict[str, Reference | ManyToMany]:
    links: dict[str, Reference | ManyToMany] = {}
    model = declaration.name
    for field in declaration.fields:
        where = f"{model}.{field.name}"
        if field.kind not in ("references", "many"):
            continue
        target = _target(by_name, declaration, field)
        if target == model and field.inverse == field.name:
            raise SpecError(
                f"{where}: {_show(field.token)} links {model} to itself, so its "
                f"inverse needs another name, e.g. {{{model}.{field.name}_of}}",
                token=field.token,
            )
        if field.inverse is not None:
            _check_attribute_name(
                field.inverse,
                "inverse name",
                where=where,
                timestamps=timestamps,
            )
        if field.kind == "references":
            if field.unique:
                inverse = field.inverse or _snake(model)
            else:
                inverse = field.inverse or _pluralize(_snake(model))
            _check_generated_name(
                f"{field.name}_id", "foreign key attribute", where=where
            )
            column = field.column or f"{field.name}_id"
            links[field.name] = Reference(
                model=model,
                name=field.name,
                target=target,
                inverse=inverse,
                column=column,
                nullable=field.mark == "?",
                unique=field.unique,
                on_delete=field.on_delete,
                primary=field.primary,
                to=field.to,
            )
        else:
            table = field.table or f"{_snake(model)}_{field.name}"
            if field.table is None:
                _check_generated_name(table, "association table", where=where)
            column = f"{_snake(model)}_id"
            target_column = f"{_snake(target)}_id"
            if target == model:
                target_column = f"{_singularize(field.name)}_id"
                if target_column == column:
                    target_column = f"related_{column}"
            if field.link_columns is not None:
                column, target_column = field.link_columns
            for name in (column, target_column):
                _check_generated_name(name, "association column", where=where)
            links[field.name] = ManyToMany(
                model=model,
                name=field.name,
                target=target,
                inverse=field.inverse or _pluralize(_snake(model)),
                table=table,
                column=column,
                target_column=target_column,
                on_delete=field.on_delete,
            )
    return links


def _close_reference_loops(schema: Schema) -> Schema:
    """Mark one reference of each loop between tables as closing it; refuse
    what no database could fill.

    A required self-reference leaves the first row nothing to point to,
    and so does a loop of required references. A loop with an optional
    reference is fine: that one's foreign key is created after the tables
    (so that PostgreSQL and MariaDB can create them at all), and the ORM
    sets it once both rows exist.
    """
    for model in schema.models:
        for reference in model.references:
            if reference.is_self_reference and not reference.nullable:
                raise SpecError(
                    f"{reference.model}.{reference.name}: the required "
                    f"self-reference {reference.name!r} leaves the first row "
                    "nothing to point to; make it optional: "
                    f"'{reference.name}:references{{{reference.target}."
                    f"{reference.inverse}}}?'",
                    token=reference.name,
                )
    closing: set[tuple[str, str]] = set()
    while (loop := _reference_loop(schema, closing)) is not None:
        optional = [r for r in loop if r.nullable]
        if not optional:
            shown = ", ".join(f"'{r.model}.{r.name}' -> {r.target}" for r in loop)
            last = loop[-1]
            raise SpecError(
                f"required references loop between tables ({shown}): no row "
                "could be stored first; make one of them optional with '?'",
                token=f"{last.model}.{last.name}",
            )
        closing.add((optional[-1].model, optional[-1].name))
    if not closing:
        return schema
    models = tuple(
        dataclasses.replace(
            model,
            members=tuple(
                dataclasses.replace(member, closes_loop=True)
                if isinstance(member, Reference)
                and (member.model, member.name) in closing
                else member
                for member in model.members
            ),
        )
        for model in schema.models
    )
    return Schema(models, schema.timestamps)
