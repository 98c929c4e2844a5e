"""Models answers baked for real, and judged by what the bake makes.

- A generated valid answer bakes into a project whose database (the
  instance/my_flask_app.db that the bake upgrades) holds what the answer
  describes, read back with SQLAlchemy's inspector: tables, columns, their
  types and nullability, unique constraints, indexes, foreign keys, server
  defaults and the association tables' primary keys. The project's own tests
  pass, and it is ruff-clean.
- A generated invalid answer is refused before anything is written: a non-zero
  exit, one line `error: models: ...` on stderr, no traceback, no folder.
- 100 models from a file (`@path`) bake, migrate and pass their tests.
- Every type keeps its value, microseconds and all, on SQLite, PostgreSQL and
  MariaDB, and each test's rows are gone after it.

A bake takes a few seconds, so the property tests try few answers by default:
BAKE_EXAMPLES=n tries n valid answers and 2n invalid ones (default 6). Cheap
tests of the generated answers themselves run many more, without baking.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect

from benchmarks.bake_speed import schema as benchmark_schema
from flask_db_template.modelspec import SpecError, parse
from tests.baking import REPO, assert_ruff_clean, flask, run, run_baked_tests
from tests.servers import SERVERS, require, throwaway_databases
from tests.strategies import decimal_defaults

BAKE_EXAMPLES = int(os.environ.get("BAKE_EXAMPLES", "6"))
PACKAGE = "my_flask_app"  # the default answers'
GENERATED_ANSWERS = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
BAKES = settings(
    GENERATED_ANSWERS,
    # A failing bake is reported as generated: each step of shrinking it would
    # be another bake, and shrinking one took over five minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    # One `cookies` fixture serves every example: each bake gets a folder of its own.
    suppress_health_check=[
        *GENERATED_ANSWERS.suppress_health_check,
        HealthCheck.function_scoped_fixture,
    ],
)


# --- Answers described as data, written out as a models line ----------------------


@dataclass(frozen=True)
class ScalarField:
    name: str
    kind: str  # one of modelspec.SCALAR_TYPES or "enum"
    mark: str = ""  # "", "!" or "?"
    unique: bool = False
    index: bool = False
    length: int | None = None  # a string's declared length; None: the default 255
    precision: int = 10  # decimal
    scale: int = 2  # decimal
    enum_values: tuple[str, ...] = ()
    default: str | None = None  # as written in the answer
    spelling: str = "full"  # "bare" (no type: a string), "uniq" (the synonym)
    secret: bool = False
    primary: bool = False  # part of the model's key (`:primary`): never NULL
    column_name: str | None = None  # version 3's `:column=`
    aware: bool = False  # version 3's `datetime{tz}`

    @property
    def nullable(self) -> bool:
        return self.mark != "!" and not self.primary

    @property
    def column(self) -> str:
        """A password keeps its hash in `<name>_hash`."""
        if self.column_name:
            return self.column_name
        return f"{self.name}_hash" if self.kind == "password" else self.name

    def token(self) -> str:
        if self.spelling == "bare":
            text = self.name + self.mark
        else:
            text = f"{self.name}:{self.kind}"
            if self.kind in ("string", "binary") and self.length is not None:
                text += f"{{{self.length}}}"
            elif self.kind == "decimal":
                text += f"{{{self.precision},{self.scale}}}"
            elif self.kind == "enum":
                text += "{" + ",".join(self.enum_values) + "}"
            elif self.aware:
                text += "{tz}"
            text += self.mark
        if self.unique:
            text += ":uniq" if self.spelling == "uniq" else ":unique"
        if self.index:
            text += ":index"
        if self.default is not None:
            text += f":default={self.default}"
        if self.secret:
            text += ":secret"
        if self.primary:
            text += ":primary"
        if self.column_name:
            text += f":column={self.column_name}"
        return text


@dataclass(frozen=True)
class ReferenceField:
    name: str
    target: str
    inverse: str | None
    optional: bool
    unique: bool
    word: str = "references"  # or its synonym "belongs_to"
    on_delete: str | None = None  # "cascade" or "nullify"
    primary: bool = False  # part of the model's key (`:primary`)
    column_name: str | None = None  # version 3's `:column=`

    @property
    def column(self) -> str:
        return self.column_name or f"{self.name}_id"

    def token(self) -> str:
        inverse = f".{self.inverse}" if self.inverse else ""
        text = f"{self.name}:{self.word}{{{self.target}{inverse}}}"
        text += ("?" if self.optional else "") + (":unique" if self.unique else "")
        text += f":{self.on_delete}" if self.on_delete else ""
        text += f":column={self.column_name}" if self.column_name else ""
        return text + (":primary" if self.primary else "")


@dataclass(frozen=True)
class ManyField:
    name: str
    target: str
    inverse: str | None
    table: str | None = None  # given as :table=
    columns: tuple[str, str] | None = None  # version 3: :table=name(a,b)
    cascade: bool = False  # version 3: :cascade on a many link

    def token(self) -> str:
        inverse = f".{self.inverse}" if self.inverse else ""
        text = f"{self.name}:many{{{self.target}{inverse}}}"
        if self.table:
            text += f":table={self.table}"
            if self.columns:
                text += f"({','.join(self.columns)})"
        return text + (":cascade" if self.cascade else "")


Member = ScalarField | ReferenceField | ManyField


@dataclass(frozen=True)
class ModelSketch:
    name: str  # a capitalised word and a digit: its snake_case is name.lower()
    table: str | None  # given in the answer as Name(table)
    members: tuple[Member, ...]
    # unique(a,b) or index(a,b): (kind, field names)
    composites: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def composite_tokens(self) -> list[str]:
        return [f"{kind}({','.join(names)})" for kind, names in self.composites]

    @property
    def snake(self) -> str:
        return self.name.lower()

    @property
    def table_name(self) -> str:
        # The names end in a digit, which pluralises with a plain "s".
        return self.table or f"{self.snake}s"

    def header(self) -> str:
        return f"{self.name}({self.table})" if self.table else self.name

    @property
    def key(self) -> tuple[ScalarField | ReferenceField, ...]:
        """The `:primary` members; () for the generated integer `id`."""
        return tuple(m for m in self.members if getattr(m, "primary", False))


@dataclass(frozen=True)
class Answer:
    models: tuple[ModelSketch, ...]
    timestamps: bool
    form: str  # "line", "indented" (a field a line) or "json"
    separator: str = "; "

    def text(self) -> str:
        if self.form == "json":
            return json.dumps(
                {
                    model.header(): {
                        **{
                            member.name: member.token()[len(member.name) :].lstrip(":")
                            for member in model.members
                        },
                        **{token: "" for token in model.composite_tokens()},
                    }
                    for model in self.models
                },
                ensure_ascii=False,
            )
        if self.form == "indented":
            return "\n".join(
                "\n".join(
                    [
                        model.header(),
                        *(f"  {m.token()}" for m in model.members),
                        *(f"  {token}" for token in model.composite_tokens()),
                    ]
                )
                for model in self.models
            )
        return self.separator.join(
            " ".join(
                [
                    model.header(),
                    *(m.token() for m in model.members),
                    *model.composite_tokens(),
                ]
            )
            for model in self.models
        )

    def model(self, name: str) -> ModelSketch:
        return next(model for model in self.models if model.name == name)


# --- Generating valid answers -----------------------------------------------------

# Names end in digits, so none is a keyword, a reserved word or a name the ORM
# or the generated code takes; field names end in "_<digits>", inverse names do
# not, so the two never meet.
UNIQUE_KINDS = (
    "string",
    "integer",
    "bigint",
    "float",
    "decimal",
    "date",
    "datetime",
    "time",
    "uuid",
    "enum",
)
INDEX_KINDS = (*UNIQUE_KINDS, "boolean")
SCALAR_KINDS = (*INDEX_KINDS, "text", "json", "binary", "password")
MAX_INDEXED_STRING_LENGTH = 768  # MariaDB's index key limit in characters
EARLIEST = datetime.datetime(1000, 1, 1)  # where MariaDB's dates begin
# Letters a string default may hold. No braces: cookiecutter renders the answers
# given as extra context (`--no-input`, pytest-cookies) as Jinja.
DEFAULT_ALPHABET = list("abcXYZ09 _-'\"\\.:;,=!?éß中🙂")
enum_values = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
    min_size=1,
    max_size=4,
    unique=True,
)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def defaults_for(
    kind: str, length: int, values: tuple[str, ...], precision: int, scale: int
):
    """Default values as the answer writes them, for a field of `kind`."""
    if kind in ("string", "text"):
        return st.text(DEFAULT_ALPHABET, max_size=min(length, 20)).map(quoted)
    if kind == "enum":
        return st.sampled_from(values)
    if kind == "boolean":
        return st.sampled_from(["true", "false", "True", "FALSE"])
    if kind == "integer":
        return st.integers(-(2**31), 2**31 - 1).map(str)
    if kind == "bigint":
        return st.integers(-(2**63), 2**63 - 1).map(str)
    if kind == "float":
        return st.floats(allow_nan=False, allow_infinity=False).map(repr)
    if kind == "decimal":
        return decimal_defaults(precision, scale)
    if kind == "date":
        return st.just("now") | st.dates(min_value=EARLIEST.date()).map(
            lambda d: f"{d:%Y-%m-%d}"
        )
    if kind == "datetime":
        return st.just("now") | st.tuples(
            st.datetimes(min_value=EARLIEST), st.sampled_from(" T")
        ).map(lambda moment: quoted(moment[0].isoformat(sep=moment[1])))
    assert kind == "time"
    return st.times().map(lambda t: quoted(t.isoformat()))


@st.composite
def scalar_fields(draw, name: str) -> ScalarField:
    kind = draw(st.sampled_from(SCALAR_KINDS))
    length = None
    precision, scale = 10, 2
    values: tuple[str, ...] = ()
    if kind == "string" and draw(st.booleans()):
        length = draw(st.integers(1, 800))
    if kind == "binary" and draw(st.booleans()):
        length = draw(st.integers(1, 4000))
    if kind == "decimal":
        precision = draw(st.integers(1, 65))
        scale = draw(st.integers(0, min(precision, 30)))
    if kind == "enum":
        values = tuple(draw(enum_values))
    mark = draw(st.sampled_from(["", "!", "?"]))
    indexable = kind in INDEX_KINDS and (length or 255) <= MAX_INDEXED_STRING_LENGTH
    # A required unique enum of one value would allow one row: it is refused.
    one_row = kind == "enum" and mark == "!" and len(values) == 1
    unique = indexable and kind in UNIQUE_KINDS and not one_row and draw(st.booleans())
    index = indexable and draw(st.booleans())
    # Version 3: a unique text (the databases enforce it), an aware datetime.
    unique = unique or (kind == "text" and draw(st.booleans()))
    aware = kind == "datetime" and draw(st.booleans())
    default = None
    if kind not in ("uuid", "json", "binary", "password") and draw(st.booleans()):
        default = draw(defaults_for(kind, length or 255, values, precision, scale))
        if aware and default != "now":
            default = None  # an aware datetime's only default is now
    secret = kind != "password" and draw(st.booleans())
    spellings = ["full"]
    if kind == "string" and length is None:
        spellings.append("bare")
    if unique:
        spellings.append("uniq")
    return ScalarField(
        name=name,
        kind=kind,
        mark=mark,
        unique=unique,
        index=index,
        length=length,
        precision=precision,
        scale=scale,
        enum_values=values,
        default=default,
        spelling=draw(st.sampled_from(spellings)),
        secret=secret,
        column_name=draw(column_of_its_own(name)),
        aware=aware,
    )


def column_of_its_own(field_name: str) -> st.SearchStrategy[str | None]:
    """Version 3's `:column=`, or none: `Col_<field>` has two underscores where
    a generated field name has one, so it takes no other column's name."""
    return st.sampled_from([None, f"Col_{field_name}"])


# Kinds a generated `:primary` field takes (model-spec.md also allows boolean,
# enum and decimal keys; a boolean or a short enum leaves the factories few
# distinct rows). Key strings stay short: three fit MariaDB's index key.
KEY_KINDS = ("string", "integer", "bigint", "date", "datetime", "time", "uuid")
MAX_KEY_STRING_LENGTH = 200


@st.composite
def key_fields(draw, name: str, kinds: tuple[str, ...]) -> ScalarField:
    kind = draw(st.sampled_from(kinds))
    length = draw(st.integers(1, MAX_KEY_STRING_LENGTH)) if kind == "string" else None
    # No mark: a key is required all the same.
    mark = draw(st.sampled_from(["", "!"]))
    return ScalarField(name=name, kind=kind, mark=mark, length=length, primary=True)


@st.composite
def with_key(draw, members: list[Member], plan: str) -> list[Member]:
    """The members with a key of one part ("single") or two or three
    ("composite"): a required reference made `:primary`, or a key field added."""
    members = list(members)
    for part in range(1 if plan == "single" else draw(st.integers(2, 3))):
        references = [
            position
            for position, member in enumerate(members)
            if isinstance(member, ReferenceField)
            and not (member.optional or member.unique or member.primary)
        ]
        if references and draw(st.booleans()):
            position = draw(st.sampled_from(references))
            members[position] = dataclasses.replace(members[position], primary=True)
        else:
            key = draw(key_fields(f"key{part}_{90 + part}", KEY_KINDS))
            members.insert(draw(st.integers(0, len(members))), key)
    return members


@st.composite
def answers(draw) -> Answer:
    """Valid by construction. References point at earlier models, or (when
    optional) at their own: foreign keys that loop between tables, and required
    self-references, are refused. Each inverse name is either numbered or the
    default one, which a target model can give out once. A model's key is the
    generated id, or `:primary` on one field or several (then no reference
    points at it, as it has no one column to point at); many links join
    models keyed by their id."""
    count = draw(st.integers(1, 5))
    names = [
        draw(st.from_regex(r"[A-Z][a-z]{0,8}", fullmatch=True)) + str(number)
        for number in range(count)
    ]
    plans = {
        name: draw(st.sampled_from(["id", "id", "single", "composite"]))
        for name in names
    }
    referable = [name for name in names if plans[name] != "composite"]
    joinable = [name for name in names if plans[name] == "id"]
    default_inverses_taken: dict[str, set[str]] = {name: set() for name in names}
    inverse_numbers = iter(range(10**6))
    models = []
    for position, name in enumerate(names):
        members: list[Member] = []
        for number in range(draw(st.integers(1, 6))):
            stem = draw(st.from_regex(r"[a-z][a-z0-9]{0,40}", fullmatch=True))
            field_name = f"{stem}_{number}"
            kind = draw(st.sampled_from(["scalar"] * 4 + ["references", "many"]))
            optional = kind == "references" and draw(st.booleans())
            if kind == "references":
                # An optional reference may close a loop between tables.
                targets = names if optional else names[:position]
                targets = [target for target in targets if target in referable]
            else:
                targets = joinable if plans[name] == "id" else []
            if kind == "scalar" or not targets:
                members.append(draw(scalar_fields(field_name)))
                continue
            target = draw(st.sampled_from(targets))
            unique = kind == "references" and draw(st.booleans())
            snake = name.lower()
            default_inverse = snake if unique else f"{snake}s"
            inverse: str | None = f"back_of{next(inverse_numbers)}"
            if default_inverse not in default_inverses_taken[target] and draw(
                st.booleans()
            ):
                default_inverses_taken[target].add(default_inverse)
                inverse = None
            if kind == "references":
                word = draw(st.sampled_from(["references", "belongs_to"]))
                choices = (
                    [None, "cascade", "nullify"] if optional else [None, "cascade"]
                )
                on_delete = draw(st.sampled_from(choices))
                members.append(
                    ReferenceField(
                        field_name,
                        target,
                        inverse,
                        optional,
                        unique,
                        word,
                        on_delete,
                        column_name=draw(column_of_its_own(field_name)),
                    )
                )
            else:
                table = (
                    f"links_of_{name.lower()}_{number}" if draw(st.booleans()) else None
                )
                columns = (
                    ("src_id", "dst_id") if table and draw(st.booleans()) else None
                )
                cascade = draw(st.booleans())
                members.append(
                    ManyField(field_name, target, inverse, table, columns, cascade)
                )
        if plans[name] != "id":
            members = draw(with_key(members, plans[name]))
        table = f"tbl_{name.lower()}" if draw(st.booleans()) else None
        composites = ()
        # Not a member unique on its own (nor a key of one member): the
        # database would name it alone when a row repeats the set.
        alone = [m for m in members if getattr(m, "primary", False)]
        parts = [
            m.name
            for m in members
            if composite_part(m) and not getattr(m, "unique", False) and [m] != alone
        ]
        if len(parts) >= 2 and draw(st.booleans()):
            chosen = tuple(draw(st.permutations(parts))[: draw(st.integers(2, 3))])
            composites = ((draw(st.sampled_from(["unique", "index"])), chosen),)
        models.append(ModelSketch(name, table, tuple(members), composites))
    return Answer(
        models=tuple(models),
        timestamps=draw(st.booleans()),
        form=draw(st.sampled_from(["line", "line", "indented", "json"])),
        separator=draw(st.sampled_from(["; ", "\n", ";\n"])),
    )


def composite_part(member: Member) -> bool:
    """Whether a composite may name the member: a reference, or a scalar that
    MariaDB indexes whole, short enough that three fit in its index key."""
    if isinstance(member, ReferenceField):
        return True
    if not isinstance(member, ScalarField):
        return False
    return member.kind in INDEX_KINDS and (member.length or 255) <= 255


# --- What the database must hold ---------------------------------------------------

# The types SQLite reports for each kind of field (an enum is a VARCHAR as long
# as its longest value, as SQLite has no enum type).
SQLITE_TYPES = {
    "string": "VARCHAR({length})",
    "text": "TEXT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "DOUBLE",
    "decimal": "NUMERIC({precision}, {scale})",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "DATETIME",
    "time": "TIME",
    "uuid": "CHAR(32)",
    "json": "JSON",
    "binary": "BLOB",
    "password": "VARCHAR(255)",
    "enum": "VARCHAR({longest})",
}


@dataclass
class TableShape:
    """A table as the inspector sees it, in terms that compare across answers."""

    columns: dict[str, tuple[str, bool]] = field(default_factory=dict)  # type, nullable
    primary_key: tuple[str, ...] = ()
    unique: set[tuple[str, ...]] = field(default_factory=set)  # constraints or indexes
    indexed: set[tuple[str, ...]] = field(default_factory=set)  # non-unique indexes
    foreign_keys: set[tuple[tuple[str, ...], str, tuple[str, ...]]] = field(
        default_factory=set
    )
    server_defaults: set[str] = field(default_factory=set)
    # (columns, ON DELETE) of each foreign key that has one.
    on_delete: set[tuple[tuple[str, ...], str]] = field(default_factory=set)


def sqlite_type(member: ScalarField) -> str:
    return SQLITE_TYPES[member.kind].format(
        length=member.length or 255,
        precision=member.precision,
        scale=member.scale,
        longest=max((len(v) for v in member.enum_values), default=0),
    )


def key_column(answer: Answer, model: ModelSketch) -> tuple[str, str]:
    """The column of a model's one-column key and its SQLite type: a reference
    takes its target's key's."""
    if not model.key:
        return ("id", "INTEGER")
    [member] = model.key
    if isinstance(member, ReferenceField):
        return (member.column, whole_key_reference_type(answer, member))
    return (member.column, column_type(model, member))


def whole_key_reference_type(answer: Answer, reference: ReferenceField) -> str:
    """A reference that is its model's whole key is a BIGINT on SQLite where
    its target's key is an INTEGER: an INTEGER key would be the rowid, which
    fills in an inserted NULL (models_code's _reference_key_type)."""
    target_type = key_column(answer, answer.model(reference.target))[1]
    return "BIGINT" if target_type == "INTEGER" else target_type


def column_type(model: ModelSketch, member: ScalarField) -> str:
    """A bigint that is the whole key is an INTEGER on SQLite: the only type
    it counts up (with AUTOINCREMENT)."""
    if member.kind == "bigint" and model.key == (member,):
        return "INTEGER"
    return sqlite_type(member)


def expected_tables(answer: Answer) -> dict[str, TableShape]:
    """The tables the answer describes, by the rules of model-spec.md."""
    tables = {"alembic_version": None}
    for model in answer.models:
        if model.key:
            table = TableShape(primary_key=tuple(m.column for m in model.key))
        else:
            table = TableShape(primary_key=("id",))
            table.columns["id"] = ("INTEGER", False)
        for member in model.members:
            if isinstance(member, ScalarField):
                column = member.column
                table.columns[column] = (column_type(model, member), member.nullable)
                if member.unique:
                    table.unique.add((column,))
                elif member.index:
                    table.indexed.add((column,))
                if member.default is not None:
                    table.server_defaults.add(column)
            elif isinstance(member, ReferenceField):
                target = answer.model(member.target)
                key, key_type = key_column(answer, target)
                if model.key == (member,):
                    key_type = whole_key_reference_type(answer, member)
                table.columns[member.column] = (key_type, member.optional)
                (table.unique if member.unique else table.indexed).add((member.column,))
                table.foreign_keys.add(((member.column,), target.table_name, (key,)))
                if member.on_delete:
                    sql = {"cascade": "CASCADE", "nullify": "SET NULL"}[
                        member.on_delete
                    ]
                    table.on_delete.add(((member.column,), sql))
            else:
                name, link_table = many_link_table(answer, model, member)
                tables[name] = link_table
        columns_of = {
            member.name: member.column
            for member in model.members
            if not isinstance(member, ManyField)
        }
        for kind, names in model.composites:
            columns = tuple(columns_of[name] for name in names)
            (table.unique if kind == "unique" else table.indexed).add(columns)
        if answer.timestamps:
            for column in ("created_at", "updated_at"):
                table.columns[column] = ("DATETIME", False)
                table.server_defaults.add(column)
        tables[model.table_name] = table
    return tables


def many_link_table(
    answer: Answer, model: ModelSketch, link: ManyField
) -> tuple[str, TableShape]:
    """`<model>_<field>`, whose primary key is the keys of the two rows it links.

    A link to the model itself names the second column after the field; the
    generated field names end in digits, which have no plural to undo.
    """
    target = answer.model(link.target)
    own_column = f"{model.snake}_id"
    other_column = f"{link.name}_id" if target is model else f"{target.snake}_id"
    if link.columns:
        own_column, other_column = link.columns
    table = TableShape(
        columns={own_column: ("INTEGER", False), other_column: ("INTEGER", False)},
        primary_key=(own_column, other_column),
        foreign_keys={
            ((own_column,), model.table_name, ("id",)),
            ((other_column,), target.table_name, ("id",)),
        },
    )
    if link.cascade:
        table.on_delete = {((own_column,), "CASCADE"), ((other_column,), "CASCADE")}
    return link.table or f"{model.snake}_{link.name}", table


def actual_tables(database: Path) -> dict[str, TableShape]:
    engine = create_engine(f"sqlite:///{database}")
    try:
        inspector = inspect(engine)
        tables: dict[str, TableShape | None] = {}
        for name in inspector.get_table_names():
            if name == "alembic_version":
                tables[name] = None
                continue
            table = TableShape()
            for column in inspector.get_columns(name):
                table.columns[column["name"]] = (
                    str(column["type"]),
                    column["nullable"],
                )
                if column["default"] is not None:
                    table.server_defaults.add(column["name"])
            table.primary_key = tuple(
                inspector.get_pk_constraint(name)["constrained_columns"]
            )
            for constraint in inspector.get_unique_constraints(name):
                table.unique.add(tuple(constraint["column_names"]))
            for index in inspector.get_indexes(name):
                kind = table.unique if index["unique"] else table.indexed
                kind.add(tuple(index["column_names"]))
            for key in inspector.get_foreign_keys(name):
                table.foreign_keys.add(
                    (
                        tuple(key["constrained_columns"]),
                        key["referred_table"],
                        tuple(key["referred_columns"]),
                    )
                )
                if key["options"].get("ondelete"):
                    table.on_delete.add(
                        (tuple(key["constrained_columns"]), key["options"]["ondelete"])
                    )
            tables[name] = table
        return tables
    finally:
        engine.dispose()


# --- Valid answers ---------------------------------------------------------------


@pytest.mark.slow
@settings(BAKES, max_examples=BAKE_EXAMPLES)
@given(answer=answers(), api=st.booleans(), api_auth=st.booleans())
def test_a_valid_answer_bakes_the_database_it_describes(cookies, answer, api, api_auth):
    line = answer.text()
    note(f"models answer: {line!r}, timestamps: {answer.timestamps}, api: {api}")
    result = cookies.bake(
        extra_context={
            "models": line,
            "timestamps": answer.timestamps,
            "create_venv": False,
            "api": api,
            "api_auth": api_auth,
        },
        template=str(REPO),
    )
    assert result.exception is None, f"{line!r}: {result.exception}"
    project = result.project_path
    try:
        database = project / "instance" / f"{PACKAGE}.db"
        tables = actual_tables(database)
        # The API's tokens, a table of the project's own beside the models'.
        assert ("api_tokens" in tables) == (api and api_auth)
        tables.pop("api_tokens", None)
        assert tables == expected_tables(answer), line
        assert_ruff_clean(project)
        run_baked_tests(project)
    finally:
        shutil.rmtree(project)


@settings(GENERATED_ANSWERS, max_examples=200)
@given(answer=answers())
def test_the_parser_reads_generated_answers_as_the_oracle_does(answer):
    """The strategy makes valid answers only, and the oracle names tables and
    columns as the parser does: cheap enough for many examples, so the bakes
    above fail only for what happens after parsing."""
    schema = parse(answer.text(), timestamps=answer.timestamps)
    timestamps = {"created_at", "updated_at"} if answer.timestamps else set()
    columns = {"alembic_version": None}
    for model in schema.models:
        key = set() if model.key else {"id"}
        columns[model.table] = {*key, *(f.column for f in model.fields), *timestamps}
        columns[model.table] |= {reference.column for reference in model.references}
        for link in model.many:
            columns[link.table] = {link.column, link.target_column}
    expected = expected_tables(answer)
    assert columns == {
        name: table and set(table.columns) for name, table in expected.items()
    }


def test_the_oracle_reads_an_answer_as_the_spec_says():
    """The expectations above, on an answer a person can check by hand."""
    user = ModelSketch(
        "User1",
        None,
        (ScalarField("email_0", "string", "!", unique=True, length=120),),
    )
    post = ModelSketch(
        "Post2",
        "articles",
        (
            ScalarField("state_0", "enum", "!", enum_values=("draft", "live")),
            ReferenceField("author_1", "User1", "posts_of1", False, False),
            ManyField("tags_2", "Post2", None),
        ),
    )
    tables = expected_tables(Answer((user, post), timestamps=False, form="line"))
    assert set(tables) == {"alembic_version", "user1s", "articles", "post2_tags_2"}
    assert tables["user1s"].columns == {
        "id": ("INTEGER", False),
        "email_0": ("VARCHAR(120)", False),
    }
    assert tables["articles"].columns["state_0"] == ("VARCHAR(5)", False)
    assert tables["articles"].indexed == {("author_1_id",)}
    assert tables["articles"].foreign_keys == {(("author_1_id",), "user1s", ("id",))}
    assert tables["post2_tags_2"].primary_key == ("post2_id", "tags_2_id")
    assert Answer((user, post), False, "line").text() == (
        "User1 email_0:string{120}!:unique; Post2(articles) "
        "state_0:enum{draft,live}! author_1:references{User1.posts_of1} "
        "tags_2:many{Post2}"
    )


# --- Invalid answers -------------------------------------------------------------

# Each makes any answer invalid, whatever the rest of it holds: a field added to
# a model (`{model}` is that model's name), or a model added to the answer.
INVALID_FIELDS = [
    "bad_99:nosuchtype",
    "bad_99:string!?",
    "bad_99:string:nosuchmodifier",
    "bad_99:enum{a,b",
    "_bad_99",
    "class:string",
    "metadata:json",
    "query",
    "id:integer",
    "bad_99:integer:default=x1",
    "bad_99:references{Nowhere9}",
    "bad_99:many{{model}}:index",
    "bad_99:string{0}",
    "bad_99:decimal{2,10}",
    "bad_99:enum{}",
    "bad_99:enum{a,b,a}",
    "bad_99:text:unique",
    "bad_99:boolean:default=yes",
    "bad_99:references{{model}.bad_of99}",
    "bad_99:date:default=2024-02-30",
    "bad_99:time:default=now",
    "bad_99:password:unique",
    "bad_99:references{{model}}?:secret",
    "bad_99:references{{model}}:nullify",
    "bad_99:references{{model}}?:cascade:nullify",
    "bad_99:string:cascade",
    "unique(bad_99,nowhere_99)",
    "index(bad_99)",
    "bad_99:integer:default=now",
    "bad_99:json:primary",
    "bad_99:string?:primary",
    "bad_99:integer:default=1:primary",
    "bad_99:many{{model}}:primary",
    "x" * 64,
]
INVALID_MODELS = [
    "Lonely9",
    "Twice9 name_0 name_0",
    "lower9 name_0",
    "Model name_0",
    "Loopa8 b_0:references{Loopb9.bk_0}; Loopb9 a_0:references{Loopa8.bk_1}",
    "Keyed8 a_0:string!:primary b_0:date!:primary; Refers9 k_0:references{Keyed8}",
]


@st.composite
def invalid_answers(draw) -> str:
    """A valid answer made invalid by one bad field or one bad model."""
    answer = draw(answers().filter(lambda answer: answer.form != "json"))
    models = [
        [model.header(), *(member.token() for member in model.members)]
        for model in answer.models
    ]
    if draw(st.booleans()):
        position = draw(st.integers(0, len(models) - 1))
        bad = draw(st.sampled_from(INVALID_FIELDS))
        tokens = models[position]
        tokens.insert(
            draw(st.integers(1, len(tokens))),
            bad.replace("{model}", answer.models[position].name),
        )
    else:
        # The first model once more, or one that is wrong in itself.
        others = [[text] for text in INVALID_MODELS]
        models.append(draw(st.sampled_from([list(models[0]), *others])))
    return answer.separator.join(" ".join(tokens) for tokens in models)


@settings(GENERATED_ANSWERS, max_examples=200)
@given(line=invalid_answers())
def test_the_generated_invalid_answers_are_invalid(line):
    """The strategy's own check, cheap enough for many examples."""
    with pytest.raises(SpecError):
        parse(line, timestamps=True)


def assert_refused_in_one_line(exit_code: int, stdout: str, stderr: str, line: str):
    assert exit_code != 0, line
    assert "Traceback" not in stdout + stderr, stderr
    [message] = stderr.strip().splitlines()
    assert message.startswith("error: models: "), message


@settings(BAKES, max_examples=2 * BAKE_EXAMPLES)
@given(line=invalid_answers())
def test_an_invalid_answer_is_refused_in_one_line(cookies, capfd, tmp_path, line):
    note(f"models answer: {line!r}")
    capfd.readouterr()
    result = cookies.bake(
        extra_context={"models": line, "create_venv": False, "api": False},
        template=str(REPO),
    )
    output = capfd.readouterr()
    assert_refused_in_one_line(result.exit_code, output.out, output.err, line)
    written = [path for path in (tmp_path / "cookies").rglob("*") if path.is_file()]
    assert written == [], line


@settings(GENERATED_ANSWERS, max_examples=max(3, BAKE_EXAMPLES // 2))
@given(line=invalid_answers())
def test_the_cookiecutter_command_refuses_an_invalid_answer_in_one_line(line):
    """What a user sees: the real command, its exit status and its output."""
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "output"
        output.mkdir()
        command = [sys.executable, "-m", "cookiecutter", "--no-input", str(REPO)]
        command += [f"models={line}", "api=no", "create_venv=no", "-o", str(output)]
        completed = run(command, Path(directory), check=False)
        assert_refused_in_one_line(
            completed.returncode, completed.stdout, completed.stderr, line
        )
        assert list(output.iterdir()) == [], line


# --- Scale -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_hundred_models_from_a_file_bake_migrate_and_pass_their_tests(bake, tmp_path):
    models_file = tmp_path / "models.txt"
    models_file.write_text(benchmark_schema(100))
    project = bake(models=f"@{models_file}", api=False)
    engine = create_engine(f"sqlite:///{project / 'instance' / f'{PACKAGE}.db'}")
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    many_links = [n for n in range(2, 101) if n % 3 == 0]
    assert len(tables) == 100 + len(many_links) + 1  # and alembic_version
    assert {"model1s", "model100s", "model99_links"} <= tables
    run_baked_tests(project)


# --- Every type on every database --------------------------------------------------

# Every type; defaults with microseconds and a float a single-precision FLOAT
# would round (SQLite 3.40 also reads 32.623583, written in SQL, one bit off);
# references to the same model twice, to itself, and a many link.
EVERY_TYPE = (
    "User username:string{80}!:unique email:string{120}!:unique;"
    " Post title:string{200}! body:text views:integer shares:bigint score:float"
    " price:decimal{12,2} published:boolean!:default=false published_on:date"
    ' published_at:datetime!:default="2024-01-31 09:30:12.345678"'
    ' reminder:time:default="08:15:00.000001" ratio:float!:default=32.623583'
    " token:uuid:unique extra:json cover:binary status:enum{draft,live}!:default=draft"
    " author:references{User.posts} editor:references{User.edited_posts}?"
    " tags:many{Tag};"
    " Tag name:string{50}!:unique at:time:index"
    " parent:references{Tag.children}?"
)

# Written into the baked project, whose tests run in this order: after a test
# that wrote and committed rows, one that finds every table empty again (each
# test's transaction is rolled back, its commits being savepoints). Rows
# written through the ORM, by INSERTs SQLAlchemy built and by plain SQL: each
# way is tried alone.
CLEANUP_PROBE = f"""\
import sqlalchemy as sa

from {PACKAGE} import models
from {PACKAGE}.extensions import db


def assert_every_table_is_empty(session):
    for table in db.metadata.sorted_tables:
        count = sa.select(sa.func.count()).select_from(table)
        assert session.execute(count).scalar() == 0, table.name


def test_1_writes_rows_with_the_orm_and_sqlalchemy_inserts(db_session):
    author = models.User(username="ada", email="ada@example.com")
    parent = models.Tag(name="parent")
    child = models.Tag(name="child", parent=parent)
    post = models.Post(title="Hello", author=author, tags=[parent, child])
    db_session.add_all([author, parent, child, post])
    db_session.commit()
    db_session.execute(
        sa.insert(models.User.__table__).values(username="bob", email="bob@x")
    )
    db_session.commit()


def test_2_finds_every_table_empty(db_session):
    assert_every_table_is_empty(db_session)


def test_3_writes_rows_with_plain_sql(db_session):
    db_session.execute(sa.text("INSERT INTO tags (name) VALUES ('parent')"))
    db_session.execute(
        sa.text(
            "INSERT INTO tags (name, parent_id)"
            " SELECT 'child', id FROM tags WHERE name = 'parent'"
        )
    )
    db_session.commit()


def test_4_finds_every_table_empty(db_session):
    assert_every_table_is_empty(db_session)
"""


@pytest.fixture(params=["sqlite", *SERVERS])
def databases(request) -> Iterator[tuple[str | None, str | None]]:
    """The URLs of two empty databases on one server, for the bake and for the
    tests; None for SQLite, where the project makes its own files."""
    if request.param == "sqlite":
        yield None, None
        return
    with throwaway_databases(require(SERVERS[request.param])) as databases:
        server = databases.server
        yield (
            server.database_url(databases.create()),
            server.database_url(databases.create()),
        )


@pytest.mark.slow
def test_every_type_keeps_its_value_on_every_database(bake, databases):
    database_url, test_database_url = databases
    answers = {"database_url": database_url} if database_url else {}
    project = bake(models=EVERY_TYPE, api=False, **answers)
    url = database_url or f"sqlite:///{project / 'instance' / f'{PACKAGE}.db'}"
    engine = create_engine(url)
    try:
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("posts")}
        dialect = engine.dialect.name
    finally:
        engine.dispose()
    if dialect == "mysql":
        # What MariaDB would otherwise make: FLOAT, and DATETIME and TIME of
        # whole seconds.
        assert type(columns["score"]).__name__ == "DOUBLE"
        assert (columns["published_at"].fsp, columns["reminder"].fsp) == (6, 6)
        assert columns["created_at"].fsp == 6
    else:
        assert type(columns["score"]).__name__ in ("DOUBLE", "DOUBLE_PRECISION")
    flask(project, "db", "check", **({"DATABASE_URL": url} if database_url else {}))
    (project / "tests" / "test_cleanup_probe.py").write_text(CLEANUP_PROBE)
    environment = {"TEST_DATABASE_URL": test_database_url} if test_database_url else {}
    run_baked_tests(project, **environment)
