"""What the generated models module says, decided in Python.

`plan_models` parses the models answer and returns a `ModelsPlan` whose strings
are final code: the Jinja templates only loop over them and print. Each
statement is laid out the way `ruff format` (line length 88) lays it out, so a
baked project passes `ruff format --check` without running the formatter.

Standard library only, like `modelspec`: the cookiecutter hooks import it.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .modelspec import (
    MODULE_ALIASES,
    PASSWORD_HASH_LENGTH,
    Field,
    ManyToMany,
    Model,
    Reference,
    Schema,
    display_width,
    modules_to_alias,
    parse,
    python_string_literal,
    referred_attribute,
    referred_column,
)

__all__ = ["ModelPlan", "ModelsPlan", "plan_models"]

LINE_LENGTH = 88
INDENT = 4


@dataclass(frozen=True)
class ModelPlan:
    """One model class. Each line is one statement of the class body: its first
    line carries no indentation (the template puts the class body's four spaces
    before it), its further lines carry their full indentation."""

    class_name: str
    bases: str
    table_name: str
    # `__table_args__ = (...)`, laid out like the other statements; "" if none.
    table_args: str
    column_lines: tuple[str, ...]
    relationship_lines: tuple[str, ...]
    # Whole methods (set_password, check_password), laid out as the lines above.
    method_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelsPlan:
    schema: Schema
    imports: str  # the import block of models.py, sections separated by a blank line
    # The column types models.py defines (a comment, then one line each); "" if none.
    column_types: str
    timestamp_lines: tuple[str, ...]  # body of TimestampMixin; empty without timestamps
    association_tables: tuple[str, ...]  # one module-level statement each
    models: tuple[ModelPlan, ...]


def plan_models(text: str, timestamps: bool | str) -> ModelsPlan:
    """Parse the models answer and decide the code; raises modelspec.SpecError.

    `timestamps` may also be the text of a --no-input answer ("yes", "false").
    """
    return _plan(parse(text, timestamps=timestamps))


# The plan is made once per bake, however often the template asks for it.
@functools.lru_cache(maxsize=16)
def _plan(schema: Schema) -> ModelsPlan:
    return _Planner(schema).plan()


# --- Laying out code like ruff format ---------------------------------------------


@dataclass(frozen=True)
class _Atom:
    """Code the formatter never splits: a name, a number, a string."""

    text: str


@dataclass(frozen=True)
class _Item:
    value: _Atom | _Bracketed
    prefix: str = ""  # "name=" of a keyword argument, "key: " of a dict entry


@dataclass(frozen=True)
class _Bracketed:
    """A call, list or dict: `opener` items `closer`.

    `magic` stands for a trailing comma in the source, which keeps ruff from
    joining the items onto one line.
    """

    opener: str
    items: tuple[_Item, ...]
    closer: str
    magic: bool = False


_Expression = _Atom | _Bracketed


def _call(
    callee: str, *args: _Expression | str, **kwargs: _Expression | str
) -> _Bracketed:
    items = [_Item(_as_expression(arg)) for arg in args]
    items += [
        _Item(_as_expression(value), f"{name}=") for name, value in kwargs.items()
    ]
    return _Bracketed(f"{callee}(", tuple(items), ")")


def _as_expression(value: _Expression | str) -> _Expression:
    return _Atom(value) if isinstance(value, str) else value


def _fits(line: str) -> bool:
    return display_width(line) <= LINE_LENGTH


def _can_be_flat(expression: _Expression) -> bool:
    if isinstance(expression, _Atom):
        return True
    return not expression.magic and all(_can_be_flat(i.value) for i in expression.items)


def _flat(expression: _Expression) -> str:
    if isinstance(expression, _Atom):
        return expression.text
    inner = ", ".join(item.prefix + _flat(item.value) for item in expression.items)
    return expression.opener + inner + expression.closer


def _layout(expression: _Expression, head: str, tail: str, indent: int) -> list[str]:
    """Lines of `expression` written after `head` and followed by `tail`.

    `head` holds the line's indentation; `indent` is where the closing bracket
    goes if the expression splits.
    """
    if _can_be_flat(expression):
        line = head + _flat(expression) + tail
        if _fits(line) or isinstance(expression, _Atom):
            return [line]
    assert isinstance(expression, _Bracketed)
    return _layout_split(expression, head, tail, indent)


def _layout_split(
    expression: _Bracketed, head: str, tail: str, indent: int
) -> list[str]:
    """The items on lines of their own: the arguments of a call all on one if that
    fits, else (and always for a list or dict) one item a line."""
    inner_indent = " " * (indent + INDENT)
    closing = " " * indent + expression.closer + tail
    items = expression.items
    is_call = expression.opener not in ("(", "[", "{")
    if is_call and not expression.magic and all(_can_be_flat(i.value) for i in items):
        body = inner_indent + ", ".join(i.prefix + _flat(i.value) for i in items)
        if _fits(body):
            return [head + expression.opener, body, closing]
    # ruff adds a trailing comma only when there is more than one item.
    last_comma = "," if len(items) > 1 or expression.magic else ""
    lines = [head + expression.opener]
    for position, item in enumerate(items):
        comma = "," if position < len(items) - 1 else last_comma
        lines += _layout(item.value, inner_indent + item.prefix, comma, indent + INDENT)
    lines.append(closing)
    return lines


def _annotated_assignment(
    target: str, annotation: str, value: _Bracketed, indent: int
) -> str:
    """`target: Mapped[annotation] = value` in the first layout of ruff's that fits.

    1. all on one line;
    2. the call's arguments split after its opening bracket;
    3. the value in parentheses on a line of its own;
    4. the annotation split inside `Mapped[...]`, then the value after `] = `.
    """
    pad = " " * indent
    before = f"{pad}{target}: Mapped[{annotation}] = "
    if _can_be_flat(value) and _fits(before + _flat(value)):
        lines = [before + _flat(value)]
    elif _fits(before + value.opener):
        lines = _layout_split(value, before, "", indent)
    elif _fits(before + "("):
        inner = " " * (indent + INDENT)
        lines = [before + "(", *_layout(value, inner, "", indent + INDENT), pad + ")"]
    else:
        lines = [
            f"{pad}{target}: Mapped[",
            f"{pad}{' ' * INDENT}{annotation}",
            *_layout(value, f"{pad}] = ", "", indent),
        ]
    return _statement(lines, indent)


def _dict_entry(key: str, value: _Expression, indent: int = INDENT) -> str:
    """A `key: value,` line of a dict whose entries sit at `indent`."""
    return _statement(_layout(value, " " * indent + f"{key}: ", ",", indent), indent)


def _statement(lines: list[str], indent: int) -> str:
    """Join the lines; the first loses the indentation the template writes."""
    return "\n".join([lines[0][indent:], *lines[1:]])


def _import(module: str, names: Iterable[str]) -> str:
    names = list(names)
    line = f"from {module} import {', '.join(names)}"
    if _fits(line):
        return line
    return "\n".join([f"from {module} import (", *(f"    {n}," for n in names), ")"])


def _isort_order(names: Iterable[str]) -> list[str]:
    """Names of one from-import in isort's order: CONSTANTS, Classes, functions."""

    def rank(name: str) -> tuple[int, str]:
        if name.isupper() and len(name) > 1:
            return (0, name)
        return (1, name) if name[:1].isupper() else (2, name)

    return sorted(set(names), key=rank)


# --- The decisions -------------------------------------------------------------------

_PYTHON_TYPES = {
    "string": "str",
    "text": "str",
    "enum": "str",
    "integer": "int",
    "bigint": "int",
    "float": "float",
    "decimal": "Decimal",
    "boolean": "bool",
    "date": "{datetime}.date",
    "datetime": "{datetime}.datetime",
    "time": "{datetime}.time",
    "uuid": "uuid.UUID",
    "json": "dict[str, Any]",
    "binary": "bytes",
    "password": "str",
}
_COLUMN_TYPES = {
    "string": "String",
    "text": "Text",
    "enum": "Enum",
    "integer": "Integer",
    "bigint": "BigInteger",
    # Double, not Float: MariaDB's FLOAT is single precision (about seven digits),
    # while the annotation promises a Python float, a double. (model-spec.md
    # says Float; Double is what keeps a float's value on every database.)
    "float": "Double",
    "decimal": "Numeric",
    "boolean": "Boolean",
    "date": "Date",
    "datetime": "PreciseDateTime",
    "time": "PreciseTime",
    "uuid": "Uuid",
    "json": "JSON",
    "binary": "LargeBinary",
    "password": "String",
}
# Types that models.py defines itself: the generic type, and on MySQL and
# MariaDB one that keeps microseconds. Their DATETIME and TIME keep whole
# seconds unless given a precision (fsp); SQLite and PostgreSQL keep
# microseconds anyway. Alembic writes the variant into the migration, with the
# import of sqlalchemy.dialects.mysql it needs.
_PRECISE_TYPES = {
    "PreciseDateTime": (
        "DateTime",
        'DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")',
    ),
    "PreciseTime": (
        "Time",
        'Time().with_variant(mysql.TIME(fsp=6), "mysql", "mariadb")',
    ),
}
_PRECISE_TYPES_COMMENT = (
    "# DATETIME and TIME keep whole seconds on MySQL and MariaDB unless given fsp=6."
)
_TEMPORAL = ("date", "datetime", "time")
# Defaults the database must read as SQL, not as a quoted string.
_SQL_LITERAL_DEFAULTS = ("boolean", "integer", "bigint", "float", "decimal")


def _date_code(value: datetime.date, module: str) -> _Bracketed:
    """`datetime.date(2024, 1, 31)` and the like, with `module` as the prefix."""
    if isinstance(value, datetime.datetime):
        parts = [value.year, value.month, value.day]
        parts += _clock_parts(value.hour, value.minute, value.second, value.microsecond)
        return _call(f"{module}.datetime", *map(str, parts))
    if isinstance(value, datetime.date):
        return _call(f"{module}.date", *map(str, (value.year, value.month, value.day)))
    assert isinstance(value, datetime.time)
    parts = _clock_parts(value.hour, value.minute, value.second, value.microsecond)
    return _call(f"{module}.time", *map(str, parts))


def _clock_parts(hour: int, minute: int, second: int, microsecond: int) -> list[int]:
    """The arguments of a time of day, without the trailing zeros Python defaults."""
    parts = [hour, minute, second, microsecond]
    while len(parts) > 2 and parts[-1] == 0:
        parts.pop()
    return parts


def _python_value(value: object, module: str = "datetime") -> _Expression:
    """Python source for a value of `field`; `module` is how datetime is imported."""
    if isinstance(value, bool):
        return _Atom(repr(value))
    if isinstance(value, Decimal):
        return _call("Decimal", f'"{value}"')
    if isinstance(value, float):
        # As ruff format writes it: 1e16, not repr's 1e+16.
        return _Atom(repr(value).replace("e+", "e"))
    if isinstance(value, int):
        return _Atom(repr(value))
    if isinstance(value, str):
        return _Atom(python_string_literal(value))
    if isinstance(value, (datetime.date, datetime.time)):
        return _date_code(value, module)
    raise AssertionError(f"no Python source for {value!r}")


def _server_default(field: Field, value: object, text_name: str) -> _Expression:
    """A server_default the three databases read alike.

    Strings go as Python strings, which SQLAlchemy quotes for each dialect;
    booleans and numbers as SQL text, because a compiled `sa.false()` becomes
    SQLite's `0`, which PostgreSQL refuses for a boolean.
    """
    if field.kind in _SQL_LITERAL_DEFAULTS:
        if isinstance(value, bool):
            sql = "true" if value else "false"
        elif isinstance(value, float):
            sql = repr(value)
        else:
            sql = str(value)
        return _call(text_name, f'"{sql}"')
    if isinstance(value, datetime.datetime):
        return _Atom(f'"{value.isoformat(sep=" ")}"')
    if isinstance(value, (datetime.date, datetime.time)):
        return _Atom(f'"{value.isoformat()}"')
    assert isinstance(value, str)
    return _Atom(python_string_literal(value))


@dataclass
class _Statement:
    """An attribute of a model class before layout: what it binds and uses."""

    target: str
    python_type: str  # inside Mapped[...]
    value: _Bracketed
    annotation_modules: tuple[str, ...] = ()  # module names the annotation uses


class _Planner:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        # modelspec decides which module names need an alias (and refuses the
        # answers where even the alias would be hidden).
        self.aliased = modules_to_alias(schema)
        self.fk_paths: dict[frozenset[str], int] = {}
        for model in schema.models:
            for reference in model.references:
                pair = frozenset((reference.model, reference.target))
                self.fk_paths[pair] = self.fk_paths.get(pair, 0) + 1

    def module(self, name: str) -> str:
        return MODULE_ALIASES[name] if name in self.aliased else name

    def plan(self) -> ModelsPlan:
        classes = [(model, self._statements(model)) for model in self.schema.models]
        models = tuple(
            self._model_plan(model, statements) for model, statements in classes
        )
        return ModelsPlan(
            schema=self.schema,
            imports=self._imports(),
            column_types=self._column_types(),
            timestamp_lines=self._timestamp_lines(),
            association_tables=tuple(
                self._association_table(link)
                for model in self.schema.models
                for link in model.many
            ),
            models=models,
        )

    # Statements ------------------------------------------------------------------

    def _statements(self, model: Model) -> list[_Statement]:
        statements = []
        for member in model.members:
            if isinstance(member, Field):
                statements.append(self._column(member))
            elif isinstance(member, Reference):
                statements.append(self._foreign_key(member))
        for member in model.members:
            if isinstance(member, Reference):
                statements.append(self._reference(member))
            elif isinstance(member, ManyToMany):
                statements.append(self._many(member, inverse=False))
        for reference in self.schema.references_to(model.name):
            statements.append(self._inverse_reference(reference))
        for link in self.schema.many_to(model.name):
            statements.append(self._many(link, inverse=True))
        return statements

    def _column(self, field: Field) -> _Statement:
        python_type = _PYTHON_TYPES[field.kind].format(datetime=self.module("datetime"))
        if field.nullable:
            python_type += " | None"
        column_type = _column_type(field)
        if field.kind == "string":
            type_code: _Expression = _call(column_type, str(field.length))
        elif field.kind == "password":
            type_code = _call(column_type, str(PASSWORD_HASH_LENGTH))
        elif field.kind == "binary" and field.length:
            # At most n bytes: VARBINARY(n) on MySQL and MariaDB, where a
            # LargeBinary(n) would be a BLOB; the API checks the length elsewhere.
            n = field.length
            type_code = _Atom(
                f'LargeBinary({n}).with_variant(mysql.VARBINARY({n}), "mysql", "mariadb")'
            )
        elif field.kind == "decimal":
            type_code = _call(column_type, str(field.precision), str(field.scale))
        elif self._counted_bigint(field):
            # SQLite counts up (and AUTOINCREMENT keeps) an INTEGER PRIMARY KEY
            # only, and refuses AUTOINCREMENT on a BIGINT one; its INTEGER holds
            # 64 bits all the same.
            type_code = _Atom('BigInteger().with_variant(Integer, "sqlite")')
        elif field.kind == "enum":
            values = [python_string_literal(v) for v in field.enum_values]
            # validate_strings: refuse a value outside the enum in Python too, as
            # SQLite has no enum type to refuse it.
            type_code = _call(
                column_type,
                *values,
                name=python_string_literal(field.enum_name or ""),
                validate_strings="True",
            )
        else:
            type_code = _Atom(column_type)
        # `:column=`: the database column's own name comes first.
        arguments = (_Atom(f'"{field.column}"'), type_code)
        if field.column == field.attribute:
            arguments = (type_code,)
        options: dict[str, _Expression | str] = {}
        if field.primary:
            options["primary_key"] = "True"
        if field.unique:
            options["unique"] = "True"
        if field.index:
            options["index"] = "True"
        if field.default is not None and field.default.is_now:
            # The current time in UTC, from the ORM and from the database alike.
            clock = _clock(field)
            options["default"] = f"{clock}.value"
            options["server_default"] = f"{clock}()"
        elif field.default is not None:
            value = field.default.value
            options["default"] = _python_value(value, self.module("datetime"))
            options["server_default"] = _server_default(
                field, value, self.module("text")
            )
        if field.secret:
            options["info"] = _secret_info(field)
        modules = ()
        if field.kind in _TEMPORAL:
            modules = (self.module("datetime"),)
        elif field.kind == "uuid":
            modules = ("uuid",)
        return _Statement(
            field.attribute,
            python_type,
            _call("mapped_column", *arguments, **options),
            modules,
        )

    def _counted_bigint(self, field: Field) -> bool:
        """A bigint that is its model's whole key: one the database counts up."""
        return (
            field.kind == "bigint"
            and field.primary
            and len(self.schema.model(field.model).key) == 1
        )

    def _reference_key_type(self, reference: Reference) -> str | None:
        """The column type of a reference that is its model's whole integer key,
        None for any other reference (its type comes from its foreign key).

        SQLite makes a one-column key declared exactly INTEGER the rowid, which
        fills in an inserted NULL with the next number despite NOT NULL: a row
        would join a parent nobody chose. BIGINT is an ordinary column there, of
        the same 64 bits, and refuses the NULL."""
        if not reference.primary or len(self.schema.model(reference.model).key) != 1:
            return None
        kind = referred_column(self.schema, reference)[1]
        if kind == "integer":
            return 'Integer().with_variant(BigInteger, "sqlite")'
        if kind == "bigint":
            return "BigInteger"
        return None

    def _foreign_key(self, reference: Reference) -> _Statement:
        target = self.schema.model(reference.target)
        options = {"unique": "True"} if reference.unique else {"index": "True"}
        if reference.primary:
            options = {"primary_key": "True", **options}
        key, kind = referred_column(self.schema, reference)
        key_options = {}
        if reference.on_delete:
            key_options["ondelete"] = f'"{reference.on_delete}"'
        if reference.closes_loop:
            # The tables refer to each other: this foreign key comes after both.
            key_options["use_alter"] = "True"
        foreign_key = _call("ForeignKey", f'"{target.table}.{key}"', **key_options)
        key_type = self._reference_key_type(reference)
        arguments: tuple[_Expression, ...] = (foreign_key,)
        if key_type:
            arguments = (_Atom(key_type), foreign_key)
        if reference.column != reference.attribute:
            arguments = (_Atom(f'"{reference.column}"'), *arguments)
        value = _call("mapped_column", *arguments, **options)
        python_type = _PYTHON_TYPES[kind].format(datetime=self.module("datetime"))
        if reference.nullable:
            python_type += " | None"
        modules = ()
        if kind in _TEMPORAL:
            modules = (self.module("datetime"),)
        elif kind == "uuid":
            modules = ("uuid",)
        return _Statement(reference.attribute, python_type, value, modules)

    def _needs_foreign_keys(self, reference: Reference) -> bool:
        """Whether SQLAlchemy needs to be told which column joins the two models."""
        return self.fk_paths[frozenset((reference.model, reference.target))] > 1

    def _reference(self, reference: Reference) -> _Statement:
        options: dict[str, _Expression | str] = {}
        if self._needs_foreign_keys(reference):
            options["foreign_keys"] = f"[{reference.attribute}]"
        if reference.is_self_reference:
            remote = referred_attribute(self.schema, reference)
            options["remote_side"] = f"[{remote}]"
        if reference.closes_loop:
            # Set in an UPDATE once both rows exist: they may refer to each other.
            options["post_update"] = "True"
        options["back_populates"] = f'"{reference.inverse}"'
        target = (
            f'"{reference.target} | None"'
            if reference.nullable
            else f'"{reference.target}"'
        )
        return _Statement(reference.name, target, _call("relationship", **options))

    def _inverse_reference(self, reference: Reference) -> _Statement:
        options: dict[str, _Expression | str] = {}
        if self._needs_foreign_keys(reference):
            if reference.is_self_reference:
                options["foreign_keys"] = f"[{reference.attribute}]"
            else:
                options["foreign_keys"] = f'"{reference.model}.{reference.attribute}"'
        options["back_populates"] = f'"{reference.name}"'
        if reference.closes_loop:
            options["post_update"] = "True"  # as on the reference's side
        if reference.on_delete == "CASCADE":
            # The rows in the session go with the deleted one, as the database's
            # go by ON DELETE CASCADE.
            options["cascade"] = '"save-update, merge, delete"'
        elif reference.on_delete is None:
            # The database decides, and refuses to delete a row still referred
            # to: left to itself the ORM would empty the references to it first.
            # (With ON DELETE SET NULL the ORM empties them as the database does.)
            options["passive_deletes"] = '"all"'
        if reference.unique:
            python_type = f'"{reference.model} | None"'
        else:
            python_type = f'list["{reference.model}"]'
        return _Statement(
            reference.inverse, python_type, _call("relationship", **options)
        )

    def _many(self, link: ManyToMany, *, inverse: bool) -> _Statement:
        options: dict[str, _Expression | str] = {"secondary": f'"{link.table}"'}
        if link.is_self_reference:
            # Both columns of the association table point at one table, so each
            # side says which column holds its own rows.
            near, far = (
                (link.target_column, link.column)
                if inverse
                else (link.column, link.target_column)
            )
            for option, column in (("primaryjoin", near), ("secondaryjoin", far)):
                options[option] = _join_condition(
                    link.model, link.table, column, option
                )
        options["back_populates"] = f'"{link.name if inverse else link.inverse}"'
        other = link.model if inverse else link.target
        name = link.inverse if inverse else link.name
        return _Statement(name, f'list["{other}"]', _call("relationship", **options))

    # Layout ---------------------------------------------------------------------

    def _model_plan(self, model: Model, statements: list[_Statement]) -> ModelPlan:
        columns, relationships = [], []
        bound: set[str] = {"id"}
        for statement in statements:
            annotation = statement.python_type
            # The annotation is evaluated after the class body binds the target, so
            # a field named like a module would hide it: quote the annotation, which
            # SQLAlchemy resolves in the module's namespace.
            if set(statement.annotation_modules) & (bound | {statement.target}):
                annotation = f'"{annotation}"'
            line = _annotated_assignment(
                statement.target, annotation, statement.value, INDENT
            )
            if statement.value.opener == "relationship(":
                relationships.append(line)
            else:
                columns.append(line)
            bound.add(statement.target)
        # The generated integer key, unless fields are `:primary`.
        id_lines = (
            [] if model.key else ["id: Mapped[int] = mapped_column(primary_key=True)"]
        )
        return ModelPlan(
            class_name=model.name,
            bases=self._bases(model),
            table_name=model.table,
            table_args=_table_args(model),
            column_lines=(*id_lines, *columns),
            relationship_lines=tuple(relationships),
            method_lines=tuple(
                method
                for field in model.fields
                if field.kind == "password"
                for method in _password_methods(field)
            ),
        )

    def _bases(self, model: Model) -> str:
        """What goes between `class Name(` and `):`, split over lines if long."""
        names = (
            ("TimestampMixin", "db.Model") if self.schema.timestamps else ("db.Model",)
        )
        head = f"class {model.name}("
        header = _Bracketed(head, tuple(_Item(_Atom(n)) for n in names), ")")
        text = "\n".join(_layout(header, "", ":", 0))
        return text[len(head) : -len("):")]

    def _timestamp_lines(self) -> tuple[str, ...]:
        if not self.schema.timestamps:
            return ()
        python_type = f"{self.module('datetime')}.datetime"
        column_type = _COLUMN_TYPES["datetime"]
        created = _call("mapped_column", column_type, server_default="UtcNow()")
        updated = _call(
            "mapped_column",
            column_type,
            server_default="UtcNow()",
            onupdate="UtcNow()",
        )
        return (
            _annotated_assignment("created_at", python_type, created, INDENT),
            _annotated_assignment("updated_at", python_type, updated, INDENT),
        )

    def _association_table(self, link: ManyToMany) -> str:
        source = self.schema.model(link.model)
        target = self.schema.model(link.target)
        # `:cascade`: deleting either row deletes its link rows in the database.
        ondelete = {"ondelete": f'"{link.on_delete}"'} if link.on_delete else {}
        columns = [
            _call(
                "db.Column",
                f'"{column}"',
                _call("ForeignKey", f'"{model.table}.id"', **ondelete),
                primary_key="True",
            )
            for column, model in ((link.column, source), (link.target_column, target))
        ]
        table = _Bracketed(
            "db.Table(",
            (_Item(_Atom(f'"{link.table}"')), *(_Item(c) for c in columns)),
            ")",
            magic=True,
        )
        return "\n".join(_layout(table, f"{link.table} = ", "", 0))

    def _precise_types(self) -> list[str]:
        """The names of _PRECISE_TYPES that the columns use, in their order there."""
        used = {_column_type(f) for m in self.schema.models for f in m.fields}
        if self.schema.timestamps:
            used.add(_COLUMN_TYPES["datetime"])
        return [name for name in _PRECISE_TYPES if name in used]

    def _column_types(self) -> str:
        names = self._precise_types()
        if not names:
            return ""
        lines = [f"{name} = {_PRECISE_TYPES[name][1]}" for name in names]
        return "\n".join([_PRECISE_TYPES_COMMENT, *lines])

    def _clocks(self) -> set[str]:
        """The clocks that models.py imports from flask_db_kit.utc."""
        clocks = {"UtcNow"} if self.schema.timestamps else set()
        for model in self.schema.models:
            for field in model.fields:
                if field.default is not None and field.default.is_now:
                    clocks.add(_clock(field))
                if field.timezone:
                    clocks.add("AwareDateTime")
        return clocks

    def _imports(self) -> str:
        fields = [f for model in self.schema.models for f in model.fields]
        kinds = {f.kind for f in fields}
        has_links = any(model.references or model.many for model in self.schema.models)
        standard = []
        if kinds & set(_TEMPORAL) or self.schema.timestamps:
            alias = (
                f" as {self.module('datetime')}" if "datetime" in self.aliased else ""
            )
            standard.append(f"import datetime{alias}")
        if "uuid" in kinds:
            standard.append("import uuid")
        if "decimal" in kinds:
            standard.append("from decimal import Decimal")
        if "json" in kinds:
            standard.append("from typing import Any")

        precise_types = self._precise_types()
        sqlalchemy_names = {_column_type(f) for f in fields} - set(_PRECISE_TYPES)
        sqlalchemy_names -= {"AwareDateTime"}
        sqlalchemy_names |= {_PRECISE_TYPES[name][0] for name in precise_types}
        if has_links:
            sqlalchemy_names.add("ForeignKey")
        if any(self._counted_bigint(f) for f in fields):
            sqlalchemy_names.add("Integer")
        references = [r for model in self.schema.models for r in model.references]
        for key_type in filter(None, map(self._reference_key_type, references)):
            sqlalchemy_names.add("BigInteger")
            if key_type.startswith("Integer"):
                sqlalchemy_names.add("Integer")
        composites = {c.kind for model in self.schema.models for c in model.composites}
        if "unique" in composites:
            sqlalchemy_names.add("UniqueConstraint")
        if "index" in composites:
            sqlalchemy_names.add("Index")
        uses_text = any(f.default and f.kind in _SQL_LITERAL_DEFAULTS for f in fields)
        if uses_text and "text" not in self.aliased:
            sqlalchemy_names.add("text")
        orm_names = ["Mapped", "mapped_column"] + (
            ["relationship"] if has_links else []
        )
        clocks = sorted(self._clocks())
        # isort's order: flask_db_kit comes before sqlalchemy.
        third_party = (
            [_import("flask_db_kit.utc", _isort_order(clocks))] if clocks else []
        )
        third_party.append(_import("sqlalchemy", _isort_order(sqlalchemy_names)))
        if uses_text and "text" in self.aliased:
            third_party.append(f"from sqlalchemy import text as {self.module('text')}")
        sized_binary = any(f.kind == "binary" and f.length for f in fields)
        if precise_types or sized_binary:
            third_party.append("from sqlalchemy.dialects import mysql")
        third_party.append(_import("sqlalchemy.orm", orm_names))
        if "password" in kinds:
            third_party.append(
                "from werkzeug.security import check_password_hash, "
                "generate_password_hash"
            )

        first_party = ["from .extensions import db"]
        sections = [standard, third_party, first_party]
        return "\n\n".join("\n".join(section) for section in sections if section)


def _column_type(field: Field) -> str:
    """The name of a field's column type; `datetime{tz}` has the kit's own."""
    return "AwareDateTime" if field.timezone else _COLUMN_TYPES[field.kind]


def _clock(field: Field) -> str:
    """The kit's SQL function that a `default=now` of this field calls."""
    if field.kind == "date":
        return "UtcToday"
    return "AwareNow" if field.timezone else "UtcNow"


def _join_condition(model: str, table: str, column: str, option: str) -> str:
    """`"User.id == user_friends.c.user_id"`, without spaces if spaces could push
    the `option=` line past the line length: ruff cannot split a string, and its
    E501 spares only lines without spaces. The deepest such line is indented by
    three levels (the value in parentheses, its arguments one a line)."""
    spaced = f'"{model}.id == {table}.c.{column}"'
    if _fits(" " * 3 * INDENT + f"{option}={spaced},"):
        return spaced
    return f'"{model}.id=={table}.c.{column}"'


def _secret_info(field: Field) -> _Bracketed:
    """The column's `info`, which the API reads when the app starts: a secret
    is write-only, and a password's hash column names the field the API takes."""
    items = [_Item(_Atom("True"), '"secret": ')]
    if field.kind == "password":
        items.append(_Item(_Atom(f'"{field.name}"'), '"hash_of": '))
    return _Bracketed("{", tuple(items), "}")


def _assignment(target: str, value: _Bracketed, indent: int) -> list[str]:
    """`target = value` as ruff lays it out: split inside the call if its opening
    bracket fits on the first line, else the value in parentheses."""
    pad = " " * indent
    before = f"{pad}{target} = "
    if _fits(before + value.opener) or _fits(before + _flat(value)):
        return _layout(value, before, "", indent)
    inner = " " * (indent + INDENT)
    return [before + "(", *_layout(value, inner, "", indent + INDENT), pad + ")"]


def _password_methods(field: Field) -> tuple[str, str]:
    """`set_<name>` and `check_<name>`: the password kept as Werkzeug's salted
    hash, never as it is."""
    setter, checker = field.password_methods
    body = 2 * INDENT
    pad = " " * body
    set_lines = [
        *_layout(
            _call(f"def {setter}", "self", "raw: str"),
            " " * INDENT,
            " -> None:",
            INDENT,
        ),
        f'{pad}"""Keep `raw` as its salted hash (Werkzeug\'s), never as it is."""',
        *_assignment(
            f"self.{field.attribute}", _call("generate_password_hash", "raw"), body
        ),
    ]
    check_lines = [
        *_layout(
            _call(f"def {checker}", "self", "raw: str"),
            " " * INDENT,
            " -> bool:",
            INDENT,
        ),
        f'{pad}"""Whether `raw` is the one whose hash is kept."""',
        *_layout(_Atom(f"self.{field.attribute}"), f"{pad}hashed = ", "", body),
        f"{pad}return hashed is not None and check_password_hash(hashed, raw)",
    ]
    return (_statement(set_lines, INDENT), _statement(check_lines, INDENT))


def _table_args(model: Model) -> str:
    """`__table_args__`: a UniqueConstraint or an Index for each composite (their
    names come from the naming convention in extensions.py: uq_<table>_<a>_<b>,
    ix_<table>_<a>_<b>); "" if none. (SQLite's AUTOINCREMENT is on every
    model's table from extensions.py's Base.)"""
    items = []
    for composite in model.composites:
        columns = [f'"{column}"' for column in composite.columns]
        if composite.kind == "unique":
            items.append(_call("UniqueConstraint", *columns))
        else:
            items.append(_call("Index", "None", *columns))
    if not items:
        return ""
    head = " " * INDENT + "__table_args__ = "
    if len(items) > 1:
        value = _Bracketed("(", tuple(_Item(item) for item in items), ")")
        return _statement(_layout(value, head, "", INDENT), INDENT)
    # A tuple of one: ruff keeps its comma and splits it like a list of one.
    [item] = items
    flat = f"{head}({_flat(item)},)"
    if _fits(flat):
        return flat[INDENT:]
    inner = " " * (2 * INDENT)
    lines = [head + "(", *_layout(item, inner, ",", 2 * INDENT), " " * INDENT + ")"]
    return _statement(lines, INDENT)
