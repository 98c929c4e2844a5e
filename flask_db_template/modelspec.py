"""The models answer: the one-line schema language of model-spec.md.

`parse` reads an answer (the line syntax or a JSON object) into a `Schema` of
frozen dataclasses, and refuses with a `SpecError` anything the generated code
could not honour on SQLite, PostgreSQL and MariaDB alike.

Standard library only: the cookiecutter hooks import this module under an
interpreter that holds nothing but cookiecutter and jinja2.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import functools
import json
import keyword
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal

__all__ = [
    "Default",
    "Field",
    "ManyToMany",
    "Model",
    "Reference",
    "Schema",
    "SpecError",
    "modules_to_alias",
    "parse",
    "python_string_literal",
]

# PostgreSQL silently truncates longer identifiers, so two long names could
# end up as one.
MAX_NAME_LENGTH = 63

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
    "timestamptz": "datetime",
    "jsonb": "json",
    "guid": "uuid",
}
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
)
# Types that cannot be a primary key: no database compares them whole, or
# (float) not exactly.
NOT_PRIMARY_KINDS = ("json", "text", "binary", "float", "password")
# Names models.py binds at module level (an association table is bound to a
# variable of its name).
MODULE_LEVEL_NAMES = frozenset(
    {
        "db",
        "datetime",
        "dt",
        "uuid",
        "text",
        "sql_text",
        "mysql",
        "relationship",
        "mapped_column",
        "generate_password_hash",
        "check_password_hash",
    }
)
# The modifiers written `name=value`.
VALUED_MODIFIERS = ("default", "table")
# What deleting the referenced row does to a reference, in SQL's words.
ON_DELETE = {"cascade": "CASCADE", "nullify": "SET NULL"}
# binary{n}: a VARBINARY(n) on MariaDB, whose rows hold 65,535 bytes.
MAX_BINARY_LENGTH = 65532
# A password is kept as Werkzeug's hash (scrypt: about 160 characters).
PASSWORD_HASH_LENGTH = 255

DEFAULT_STRING_LENGTH = 255  # MySQL and MariaDB need a length on every VARCHAR
# A VARCHAR of MariaDB in utf8mb4 holds at most 65,535 bytes, 4 bytes a character.
MAX_STRING_LENGTH = 16383
# An InnoDB index key holds at most 3,072 bytes: 768 utf8mb4 characters.
MAX_INDEXED_STRING_LENGTH = 768
# The sum of the VARCHAR widths of one MariaDB table must stay under this.
MAX_ROW_BYTES = 65535
# Without a precision MariaDB makes DECIMAL(10, 0) and drops every fraction, so
# a bare `decimal` gets the common money-like precision instead.
DEFAULT_DECIMAL_PRECISION = (10, 2)
MAX_DECIMAL_PRECISION = 65  # MariaDB's limit; PostgreSQL allows more
MAX_DECIMAL_SCALE = 30  # MariaDB's limit
# SQLite stores a decimal as a double, exact to 15 significant digits.
MAX_EXACT_DECIMAL_DIGITS = 15
INTEGER_RANGE = (-(2**31), 2**31 - 1)
BIGINT_RANGE = (-(2**63), 2**63 - 1)
# A string default appears in the generated code as one Python literal on a line
# indented by up to 12 spaces after `server_default=`; this keeps it within 88.
MAX_DEFAULT_LITERAL_WIDTH = 60
# Digits in one whole number of the answer (a length, a default): every limit
# above has at most 19, and Python refuses to read more than 4,300 as an int.
MAX_NUMBER_DIGITS = 30
# Containers inside containers in a JSON answer: it needs 2 (models, fields);
# Python's JSON reader would overflow its stack at about a thousand.
MAX_JSON_NESTING = 8

# Attributes that Flask-SQLAlchemy's `db.Model` or SQLAlchemy's declarative base
# already define, and names the generated class bodies use at class creation.
RESERVED_ATTRIBUTES = {
    "id": "every model gets the integer primary key 'id'",
    "query": "Flask-SQLAlchemy's db.Model defines 'query'",
    "query_class": "Flask-SQLAlchemy's db.Model defines 'query_class'",
    "metadata": "SQLAlchemy's declarative base defines 'metadata'",
    "registry": "SQLAlchemy's declarative base defines 'registry'",
    "self": "the models' constructor takes its own 'self'",
    "type_annotation_map": "SQLAlchemy's declarative base defines it",
    "mapped_column": "the generated models call mapped_column()",
    "relationship": "the generated models call relationship()",
    "str": "the generated annotations use the builtin 'str'",
    "int": "the generated annotations use the builtin 'int'",
    "float": "the generated annotations use the builtin 'float'",
    "bool": "the generated annotations use the builtin 'bool'",
    "bytes": "the generated annotations use the builtin 'bytes'",
    "list": "the generated annotations use the builtin 'list'",
    "dict": "the generated annotations use the builtin 'dict'",
}
TIMESTAMP_COLUMNS = ("created_at", "updated_at")

# Module-level names the generated class bodies read in a field's default:
# `datetime.date(...)` and `text("...")`. A field of the same name earlier in
# the class hides them (a class body looks up its own names first), so the
# models module then imports them under these aliases instead.
MODULE_ALIASES = {"datetime": "dt", "text": "sql_text"}

# Names that models.py imports or defines: a model class of the same name
# would replace them.
RESERVED_MODEL_NAMES = frozenset(
    """
    Any BigInteger Base Boolean Column Date DateTime Decimal DeclarativeBase Double
    Enum ForeignKey Integer JSON LargeBinary Mapped MetaData Model Numeric
    PreciseDateTime PreciseTime SQLAlchemy String Table Text Time TimestampMixin Uuid
    """.split()
)

# Reserved words of the two server databases (from SQLAlchemy's dialects); a
# table of such a name needs quoting in every hand-written query.
POSTGRESQL_RESERVED_WORDS = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization between binary
    both case cast check collate column constraint create cross current_catalog
    current_date current_role current_schema current_time current_timestamp
    current_user default deferrable desc distinct do else end except false fetch for
    foreign freeze from full grant group having ilike in initially inner intersect
    into is isnull join lateral leading left like limit localtime localtimestamp
    natural not notnull null offset on only or order outer over overlaps placing
    primary references returning right select session_user similar some symmetric
    table then to trailing true union unique user using variadic verbose when where
    window with
    """.split()
)
MARIADB_RESERVED_WORDS = frozenset(
    """
    accessible add all alter analyze and as asc asensitive before between bigint
    binary blob body both by call cascade case change char character check collate
    column condition constraint continue convert create cross current_date
    current_role current_time current_timestamp current_user cursor database
    databases day_hour day_microsecond day_minute day_second dec decimal declare
    default delayed delete desc describe deterministic distinct distinctrow div do
    do_domain_ids double drop dual each else elseif elsif enclosed escaped except
    exists exit explain false fetch float float4 float8 for force foreign from
    fulltext general goto grant group having high_priority history
    hour_microsecond hour_minute hour_second if ignore ignore_domain_ids
    ignore_server_ids in index infile inner inout insensitive insert int int1 int2
    int3 int4 int8 integer intersect interval into is iterate join key keys kill
    leading leave left like limit linear lines load localtime localtimestamp lock
    long longblob longtext loop low_priority master_heartbeat_period
    master_ssl_verify_server_cert match maxvalue mediumblob mediumint mediumtext
    middleint minute_microsecond minute_second mod modifies natural
    no_write_to_binlog not null numeric of offset on optimize option optionally or
    order others out outer outfile over overlaps package page_checksum
    parse_vcol_expr partition period position precision primary procedure purge
    raise range read read_write reads real recursive ref_system_id references
    regexp release rename repeat replace require resignal restrict return
    returning revoke right rlike row_number rows rowtype schema schemas
    second_microsecond select sensitive separator set show signal slow smallint
    spatial specific sql sql_big_result sql_calc_found_rows sql_small_result
    sqlexception sqlstate sqlwarning ssl starting stats_auto_recalc
    stats_persistent stats_sample_pages straight_join system system_time table
    terminated then tinyblob tinyint tinytext to trailing trigger true undo union
    unique unlock unsigned update usage use using utc_date utc_time utc_timestamp
    values varbinary varchar varcharacter varying versioning when where while
    window with write xor year_month zerofill
    """.split()
)
RESERVED_TABLE_NAMES = {"alembic_version": "Alembic keeps its revision there"}

_MODEL_NAME = re.compile(r"[A-Z][A-Za-z0-9]*\Z")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_WHOLE_NUMBER = re.compile(r"[0-9]+\Z")
_INTEGER_LITERAL = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_LITERAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_DECIMAL_LITERAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?\Z")
_DATE_LITERAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_TIME_LITERAL = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?\Z")
_DATETIME_LITERAL = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?\Z"
)
_TYPE_SEGMENT = re.compile(
    r"(?P<word>[^{}!?]*)(?:\{(?P<args>[^{}]*)\})?(?P<marks>[!?]*)\Z", re.DOTALL
)


class SpecError(ValueError):
    """A models answer that cannot become models; str() is one line naming the token.

    `token` is the offending piece of the answer and `suggestion` the closest valid
    name when the token looks like a typo.
    """

    def __init__(self, message: str, *, token: str = "", suggestion: str = "") -> None:
        if suggestion:
            message = f"{message} (did you mean {suggestion!r}?)"
        # One line, whatever the answer held: the message is shown in a prompt.
        message = " ".join(message.split())
        super().__init__(message)
        self.token = token
        self.suggestion = suggestion


# `:default=now` on a date or datetime: the current date or time, in UTC.
NOW = "now"
TYPES_WITH_NOW = ("date", "datetime")


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
    enum_name: str | None = None  # the database type of an enum: <table>_<field>
    default: Default | None = None
    secret: bool = False  # write-only: never in a response, a log line or a repr
    primary: bool = False  # part of the primary key (`:primary`)

    @property
    def column(self) -> str:
        """The column's name: a password's is `<name>_hash`, holding its hash."""
        return f"{self.name}_hash" if self.kind == "password" else self.name

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
    column: str
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

    @property
    def is_self_reference(self) -> bool:
        return self.model == self.target


@dataclass(frozen=True)
class ManyToMany:
    """`name:many{Target.inverse}`: an association table and list relationships.

    `column` points at the declaring model's row, `target_column` at the target's.
    """

    model: str
    name: str
    target: str
    inverse: str
    table: str
    column: str
    target_column: str

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


def parse(text: str, *, timestamps: bool | str) -> Schema:
    """Read a models answer; raise SpecError naming the token of the first problem.

    With `timestamps` every model gets `created_at` and `updated_at`, so fields of
    those names are refused. It may also be the text of a --no-input answer
    ("yes", "false").
    """
    timestamps = _as_bool(timestamps)
    if not isinstance(text, str):
        raise SpecError(f"the models answer must be text, not {type(text).__name__}")
    return _parse(text, timestamps)


# A bake reads one answer in several templates, and the parse of a schema of a
# hundred models takes a twentieth of a second: each answer is read once. The
# Schema is frozen, so one may be shared.
@functools.lru_cache(maxsize=16)
def _parse(text: str, timestamps: bool) -> Schema:
    stripped = text.strip()
    if not stripped:
        raise SpecError(
            "the models answer is empty: describe at least one model, "
            "e.g. 'User email:string{120}!:unique'"
        )
    if _looks_like_json(stripped):
        declarations = _declarations_from_json(stripped)
    else:
        declarations = _declarations_from_text(text)
    return _Resolver(declarations, timestamps).schema()


def modules_to_alias(schema: Schema) -> frozenset[str]:
    """The names of MODULE_ALIASES that models.py must import under their alias."""
    return frozenset(name for _, _, name in _hidden_module_names(schema, frozenset()))


def _hidden_module_names(
    schema: Schema, aliased: frozenset[str]
) -> list[tuple[Model, Field, str]]:
    """(model, field, name): the default of `field` reads the module-level `name`
    (an alias if aliased), which a field before it in the class has taken."""
    hidden = []
    for model in schema.models:
        bound: set[str] = set()
        for member in model.members:
            if isinstance(member, Field):
                names = {
                    MODULE_ALIASES[name] if name in aliased else name
                    for name in _names_read_by_default(member)
                }
                hidden += [(model, member, name) for name in sorted(names & bound)]
                bound.add(member.name)
            elif isinstance(member, Reference):
                bound.add(member.column)
    return hidden


def _names_read_by_default(field: Field) -> set[str]:
    if field.default is None or field.default.is_now:
        return set()  # UtcNow and UtcToday: class names, which no field takes
    if field.kind in ("date", "datetime", "time"):
        return {"datetime"}
    if field.kind in ("boolean", "integer", "bigint", "float", "decimal"):
        return {"text"}
    return set()


def _as_bool(value: bool | str) -> bool:
    if not isinstance(value, str):
        return bool(value)
    words = {"true": True, "yes": True, "y": True, "1": True, "on": True}
    words |= {"false": False, "no": False, "n": False, "0": False, "off": False}
    answer = value.strip().lower()
    if answer not in words:
        raise SpecError(f"timestamps must be yes or no, not {value!r}", token=value)
    return words[answer]


# --- Reading the answer into declarations ----------------------------------------


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


def _declarations_from_text(text: str) -> list[_ModelDeclaration]:
    declarations = []
    for tokens in _split_models(text):
        header, rest = tokens[0], tokens[1:]
        if "(" not in header and rest and rest[0].startswith("("):
            header, rest = header + rest[0], rest[1:]  # "Post (articles)"
        name, table = _parse_model_header(header, first=not declarations)
        if not rest:
            raise SpecError(
                f"model {name!r} has no fields: give it at least one, "
                f"e.g. '{name} name:string!'",
                token=header,
            )
        fields, composites = [], []
        for token in _join_composites(rest):
            if _COMPOSITE.match(token):
                composites.append(_parse_composite(token, name))
            else:
                fields.append(_parse_field(token, name))
        if not fields:
            raise SpecError(
                f"model {name!r} has no fields: give it at least one, "
                f"e.g. '{name} name:string!'",
                token=header,
            )
        declarations.append(_ModelDeclaration(header, name, table, fields, composites))
    return declarations


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


class _QuotedText:
    """Where a left-to-right scan stands in quoted text ("..." or '...', with
    backslash escapes): both splitters keep a quoted default whole."""

    def __init__(self) -> None:
        self.quote = ""
        # The previous character was a backslash inside the quotes.
        self.escaped = False

    def step(self, char: str) -> None:
        """Take one character found inside the quotes."""
        if self.escaped:
            self.escaped = False
        elif char == "\\":
            self.escaped = True
        elif char == self.quote:
            self.quote = ""


def _split_models(text: str) -> list[list[str]]:
    """Split the answer into models, each a list of whitespace-separated tokens.

    Models end at ";" or at a newline, unless the next line is indented: then it
    continues the model, as in the spec's example. Whitespace inside braces is
    dropped ("enum{draft, live}") and quoted text is kept whole.
    """
    models: list[list[str]] = []
    tokens: list[str] = []
    token: list[str] = []
    open_brackets: list[str] = []
    quoted = _QuotedText()
    # A ";" right after a model that a newline already ended is that model's
    # separator, not an empty model.
    newline_ended_model = False

    def end_token() -> None:
        if token:
            tokens.append("".join(token))
            token.clear()

    def end_model() -> bool:
        end_token()
        if tokens:
            models.append(list(tokens))
            tokens.clear()
            return True
        return False

    for position, char in enumerate(text):
        if quoted.quote:
            token.append(char)
            if char == "\n" and not quoted.escaped:
                written = "".join(token).rstrip()
                raise SpecError(
                    f"unterminated quote in {_show(written)}", token=written
                )
            quoted.step(char)
            continue
        if char in "\"'" and not open_brackets:
            quoted.quote = char
            token.append(char)
        elif char in "{(":
            open_brackets.append(char)
            token.append(char)
        elif char in "})":
            opener = "{" if char == "}" else "("
            if not open_brackets or open_brackets[-1] != opener:
                token.append(char)
                raise SpecError(
                    f"unmatched {char!r} in {_show(''.join(token))}",
                    token="".join(token),
                )
            open_brackets.pop()
            token.append(char)
        elif open_brackets:
            if not char.isspace():
                token.append(char)
        elif char == ";":
            had_tokens = end_model()
            if not had_tokens and not newline_ended_model:
                raise SpecError(
                    "empty model before ';': separate models with a single ';'",
                    token=";",
                )
            newline_ended_model = False
        elif char == "\n":
            next_line = text[position + 1 :].split("\n", 1)[0]
            continues = next_line[:1] in (" ", "\t") and next_line.strip()
            if continues and (tokens or token):
                end_token()
            elif end_model():
                newline_ended_model = True
        elif char.isspace():
            end_token()
        else:
            newline_ended_model = False
            token.append(char)
    if quoted.quote:
        raise SpecError(
            f"unterminated quote in {_show(''.join(token))}", token="".join(token)
        )
    if open_brackets:
        raise SpecError(
            f"unclosed {open_brackets[-1]!r} in {_show(''.join(token))}",
            token="".join(token),
        )
    end_model()
    if not models:
        raise SpecError("the models answer holds no model", token=text.strip())
    return models


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


def _parse_model_header(header: str, *, first: bool) -> tuple[str, str | None]:
    match = re.fullmatch(r"([^()]*)(?:\(([^()]*)\))?", header, re.DOTALL)
    if match is None:
        raise SpecError(
            f"cannot read the model {_show(header)}: write Name or Name(table)",
            token=header,
        )
    name, table = match.group(1), match.group(2)
    if not _MODEL_NAME.match(name) and not first and _NAME.match(name.split(":")[0]):
        # A field on an unindented line reads as a new model.
        raise SpecError(
            f"{_show(header)} is not a model name: model names start with a capital "
            "letter; indent the line to continue the model above",
            token=header,
        )
    _check_model_name(name)
    if table is not None:
        table = table.strip()
        _check_name(table, "table name", where=name)
    return name, table


def _check_model_name(name: str) -> None:
    if not name:
        raise SpecError("a model needs a name, e.g. 'User'", token=name)
    if not name.isascii():
        raise SpecError(f"model name {_show(name)} must be ASCII", token=name)
    if not _MODEL_NAME.match(name):
        suggestion = _camel(_snake(name)) if re.fullmatch(r"\w+", name) else ""
        if not _MODEL_NAME.match(suggestion):
            suggestion = ""
        raise SpecError(
            f"model name {_show(name)} must be a capital letter followed by letters "
            "and digits",
            token=name,
            suggestion=suggestion,
        )
    if len(name) > MAX_NAME_LENGTH:
        raise SpecError(
            f"model name {_show(name)} is {len(name)} characters long; "
            f"at most {MAX_NAME_LENGTH}",
            token=name,
        )
    if keyword.iskeyword(name):
        raise SpecError(f"model name {name!r} is a Python keyword", token=name)
    if name in RESERVED_MODEL_NAMES:
        raise SpecError(
            f"model name {name!r} clashes with a name the generated models.py "
            "imports or defines; choose another",
            token=name,
        )


def _check_name(name: str, what: str, *, where: str) -> None:
    """Check a field, inverse, table or enum value name; `what` names the kind."""
    prefix = f"{where}: " if where else ""
    if not name:
        raise SpecError(f"{prefix}empty {what}", token=name)
    if not name.isascii():
        raise SpecError(
            f"{prefix}{what} {_show(name)} must be ASCII: lowercase letters, digits "
            "and '_'",
            token=name,
        )
    if name.startswith("_"):
        raise SpecError(
            f"{prefix}{what} {_show(name)} must not start with '_' "
            "(SQLAlchemy and Python reserve such names)",
            token=name,
            suggestion=name.lstrip("_") if _NAME.match(name.lstrip("_")) else "",
        )
    if not _NAME.match(name):
        suggestion = (
            _snake(name) if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) else ""
        )
        raise SpecError(
            f"{prefix}{what} {_show(name)} must be lowercase letters, digits and '_', "
            "starting with a letter",
            token=name,
            suggestion=suggestion if _NAME.match(suggestion) else "",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise SpecError(
            f"{prefix}{what} {_show(name)} is {len(name)} characters long; PostgreSQL "
            f"keeps only {MAX_NAME_LENGTH}",
            token=name,
        )


def _check_attribute_name(
    name: str, what: str, *, where: str, timestamps: bool
) -> None:
    """A name that becomes a Python attribute: not a keyword, not taken by the ORM."""
    _check_name(name, what, where=where)
    if keyword.iskeyword(name):
        raise SpecError(f"{where}: {what} {name!r} is a Python keyword", token=name)
    if name in RESERVED_ATTRIBUTES:
        raise SpecError(
            f"{where}: {what} {name!r} is reserved: {RESERVED_ATTRIBUTES[name]}",
            token=name,
        )
    if timestamps and name in TIMESTAMP_COLUMNS:
        raise SpecError(
            f"{where}: {what} {name!r} is reserved: with timestamps on, every model "
            "gets created_at and updated_at",
            token=name,
        )


def _split_segments(token: str) -> list[str]:
    """Split a field token at the ':' outside braces and quotes."""
    segments: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = _QuotedText()
    for char in token:
        if quoted.quote:
            current.append(char)
            quoted.step(char)
        elif char in "\"'" and depth == 0:
            quoted.quote = char
            current.append(char)
        elif char == "{":
            depth += 1
            current.append(char)
        elif char == "}":
            if depth == 0:
                raise SpecError(f"unmatched '}}' in {_show(token)}", token=token)
            depth -= 1
            current.append(char)
        elif char.isspace():
            if depth == 0:
                raise SpecError(
                    f"unexpected space in {_show(token)}: a field is written without "
                    "spaces, e.g. 'title:string{200}!:unique'",
                    token=token,
                )
        elif char == ":" and depth == 0:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted.quote:
        raise SpecError(f"unterminated quote in {_show(token)}", token=token)
    if depth:
        raise SpecError(f"unclosed '{{' in {_show(token)}", token=token)
    segments.append("".join(current))
    return segments


def _is_modifier(segment: str) -> bool:
    return segment.partition("=")[0] in MODIFIERS


def _parse_field(token: str, model: str) -> _FieldDeclaration:
    if token.endswith(",") and len(token) > 1:
        raise SpecError(
            f"{model}: {_show(token)} ends with ','; fields are separated by spaces",
            token=token,
        )
    segments = _split_segments(token)
    head = segments[0]
    name = head.rstrip("!?")
    head_mark = head[len(name) :]
    _check_name(name, "field name", where=model)
    where = f"{model}.{name}"
    rest = segments[1:]
    if rest and rest[0] == "":
        raise SpecError(f"{where}: empty type in {_show(token)}", token=token)
    if rest and not head_mark and not _is_modifier(rest[0]):
        type_segment, modifiers = rest[0], rest[1:]
    else:
        type_segment, modifiers = "", rest
        if head_mark and rest and rest[0] and not _is_modifier(rest[0]):
            type_word = re.split(r"[{!?]", rest[0], maxsplit=1)[0]
            if type_word in TYPES or type_word in TYPE_ALIASES:
                raise SpecError(
                    f"{where}: in {_show(token)} the {head_mark!r} goes after the "
                    f"type: '{name}:{rest[0]}{head_mark}'",
                    token=token,
                )
    field = _parse_type(type_segment, name=name, where=where, token=token)
    field.mark = _combine_marks(head_mark, field.mark, where=where, token=token)
    seen_modifiers: set[str] = set()
    for segment in modifiers:
        _apply_modifier(field, segment, where=where, token=token, seen=seen_modifiers)
    _check_field(field, where=where)
    return field


def _combine_marks(first: str, second: str, *, where: str, token: str) -> str:
    marks = first + second
    if len(marks) > 1:
        if set(marks) == {"!", "?"}:
            raise SpecError(
                f"{where}: both '!' and '?' in {_show(token)}: a field is either "
                "required (!) or optional (?)",
                token=token,
            )
        raise SpecError(
            f"{where}: {marks!r} repeats the mark in {_show(token)}", token=token
        )
    return marks


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


def _bounded_int(text: str, *, where: str, token: str) -> int:
    """int(text), for a number of at most MAX_NUMBER_DIGITS digits."""
    digits = len(text.lstrip("+-"))
    if digits > MAX_NUMBER_DIGITS:
        raise SpecError(
            f"{where}: {_show(text)} has {digits} digits; a number here has at "
            f"most {MAX_NUMBER_DIGITS}",
            token=token,
        )
    return int(text)


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
        if name == "table":
            message = (
                f"{where}: name the association table as 'table=name', "
                f"not {_show(segment)}"
            )
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
            suggestion=_closest(name, ("unique", "index", "default")),
        )
    canonical = "unique" if name == "uniq" else name
    if canonical in seen:
        raise SpecError(
            f"{where}: {_show(segment)} repeats ':{canonical}' in {_show(token)}",
            token=segment,
        )
    seen.add(canonical)
    if canonical == "table":
        if field.kind != "many":
            raise SpecError(
                f"{where}: ':table=' names the association table of a many link, "
                f"and {_show(token)} is not one",
                token=token,
            )
        _check_name(value, "association table name", where=where)
        if keyword.iskeyword(value) or value in MODULE_LEVEL_NAMES:
            raise SpecError(
                f"{where}: the association table {value!r} would be a name that "
                "models.py needs for itself; choose another",
                token=value,
            )
        field.table = value
        return
    if field.kind == "many":
        raise SpecError(
            f"{where}: a many link takes no modifiers but ':table=', and "
            f"{_show(segment)} is one",
            token=segment,
        )
    if canonical == "unique":
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
    if field.kind != "references":
        raise SpecError(
            f"{where}: ':{modifier}' is for a reference ({_show(token)}): it says "
            "what deleting the referenced row does",
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
        if kind in ("text", "json", "binary"):
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


def _parse_default(field: _FieldDeclaration, written: str, *, where: str) -> Default:
    kind = field.kind
    if written == "":
        hint = (
            ' (write default="" for an empty string)'
            if kind in ("string", "text")
            else ""
        )
        raise SpecError(f"{where}: 'default=' needs a value{hint}", token="default=")
    quoted = written[0] in "\"'"
    text = _unquote(written, where=where) if quoted else written
    shown = _show(written)
    if kind == "references":
        raise SpecError(
            f"{where}: a reference takes no default ({shown}); "
            "make it optional with '?'",
            token=written,
        )
    if kind in ("uuid", "json", "binary", "password"):
        raise SpecError(
            f"{where}: a {kind} field takes no default ({shown}); set it in the "
            "application",
            token=written,
        )
    if written == NOW and kind not in ("string", "text", "enum"):
        return _now_default(field, where=where)
    if kind in ("string", "text"):
        return Default(
            _string_default(text, field, where=where, written=written), written
        )
    if kind == "enum":
        if text not in field.enum_values:
            raise SpecError(
                f"{where}: default {shown} is not one of "
                f"{', '.join(field.enum_values)}",
                token=written,
                suggestion=_closest(text, field.enum_values),
            )
        return Default(text, written)
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise SpecError(
                f"{where}: a boolean default is true or false, not {shown}",
                token=written,
            )
        return Default(text.lower() == "true", written)
    if kind in ("integer", "bigint"):
        if not _INTEGER_LITERAL.match(text):
            raise SpecError(
                f"{where}: default {shown} is not a whole number", token=written
            )
        value = _bounded_int(text, where=where, token=written)
        low, high = INTEGER_RANGE if kind == "integer" else BIGINT_RANGE
        if not low <= value <= high:
            raise SpecError(
                f"{where}: default {shown} is outside the range of {kind} "
                f"({low} to {high})",
                token=written,
            )
        return Default(value, written)
    if kind == "float":
        if not _FLOAT_LITERAL.match(text) or float(text) in (
            float("inf"),
            float("-inf"),
        ):
            raise SpecError(f"{where}: default {shown} is not a number", token=written)
        return Default(float(text), written)
    if kind == "decimal":
        return Default(
            _decimal_default(text, field, where=where, written=written), written
        )
    if kind in ("date", "datetime", "time"):
        return Default(
            _temporal_default(text, kind, where=where, written=written, quoted=quoted),
            written,
        )
    raise AssertionError(f"no default rule for {kind}")


def _now_default(field: _FieldDeclaration, *, where: str) -> Default:
    """`default=now`: on a date or datetime only (a string or an enum keeps
    "now" as its literal value, as before version 2)."""
    if field.kind == "time":
        raise SpecError(
            f"{where}: 'default=now' on a time: a time of day alone has no 'now' "
            "that holds in every time zone; use a datetime",
            token="default=now",
        )
    if field.kind not in TYPES_WITH_NOW:
        raise SpecError(
            f"{where}: 'default=now' on a {field.kind}: only a date or a datetime "
            "has a 'now'",
            token="default=now",
        )
    return Default(NOW, NOW, is_now=True)


def _unquote(written: str, *, where: str) -> str:
    quote = written[0]
    if len(written) < 2 or written[-1] != quote:
        raise SpecError(
            f"{where}: the quoted default {_show(written)} must end with {quote}",
            token=written,
        )
    body = written[1:-1]
    result = []
    index = 0
    escapes = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}
    while index < len(body):
        char = body[index]
        if char == quote:
            raise SpecError(
                f"{where}: escape the {quote} inside the default {_show(written)} as "
                f"\\{quote}",
                token=written,
            )
        if char != "\\":
            result.append(char)
            index += 1
            continue
        code = body[index + 1 : index + 2]
        if code in escapes:
            result.append(escapes[code])
            index += 2
        elif code == "u" and re.fullmatch(
            r"[0-9a-fA-F]{4}", body[index + 2 : index + 6]
        ):
            result.append(chr(int(body[index + 2 : index + 6], 16)))
            index += 6
        else:
            raise SpecError(
                f"{where}: unknown escape '\\{code}' in the default {_show(written)}",
                token=written,
            )
    return "".join(result)


def _string_default(
    text: str, field: _FieldDeclaration, *, where: str, written: str
) -> str:
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise SpecError(
            f"{where}: the default {_show(written)} holds control characters",
            token=written,
        )
    if field.kind == "string" and len(text) > (field.length or 0):
        raise SpecError(
            f"{where}: the default {_show(written)} is {len(text)} characters, longer "
            f"than string{{{field.length}}}",
            token=written,
        )
    literal = python_string_literal(text)
    if display_width(literal) > MAX_DEFAULT_LITERAL_WIDTH:
        raise SpecError(
            f"{where}: the default {_show(written)} is too long for the generated "
            f"code (at most {MAX_DEFAULT_LITERAL_WIDTH - 2} characters, quotes and "
            "backslashes counting twice); set longer values in the application",
            token=written,
        )
    return text


def _decimal_default(
    text: str, field: _FieldDeclaration, *, where: str, written: str
) -> Decimal:
    precision, scale = field.precision or 0, field.scale or 0
    if not _DECIMAL_LITERAL.match(text):
        raise SpecError(
            f"{where}: default {_show(written)} is not a decimal number like 12.50",
            token=written,
        )
    digits = text.lstrip("+-")
    whole, _, fraction = digits.partition(".")
    whole = whole.lstrip("0")
    if len(fraction.rstrip("0")) > scale or len(whole) > precision - scale:
        raise SpecError(
            f"{where}: default {_show(written)} does not fit "
            f"decimal{{{precision},{scale}}}",
            token=written,
        )
    significant = (whole + fraction).strip("0")
    if len(significant) > MAX_EXACT_DECIMAL_DIGITS:
        raise SpecError(
            f"{where}: default {_show(written)} has {len(significant)} significant "
            f"digits; SQLite keeps {MAX_EXACT_DECIMAL_DIGITS} of a decimal",
            token=written,
        )
    value = Decimal(text).quantize(
        Decimal(1).scaleb(-scale), context=Context(prec=MAX_DECIMAL_PRECISION)
    )
    # SQLite keeps a decimal as a double, which SQLAlchemy reads back to the
    # declared scale. A double holds 15 digits, so the value comes back unchanged
    # if it has no more down to the scale's last place, or if the double holds
    # it exactly (1.25 or 3 in decimal{30,20}); else the last places are noise.
    shown_digits = value.adjusted() + scale + 1 if value else 0
    if shown_digits > MAX_EXACT_DECIMAL_DIGITS and Decimal(float(value)) != value:
        raise SpecError(
            f"{where}: default {_show(written)} would not read back from SQLite, "
            f"which keeps a decimal as a double: it has {shown_digits} digits to "
            f"the last place of decimal{{{precision},{scale}}}, and a double holds "
            f"{MAX_EXACT_DECIMAL_DIGITS}; use a smaller scale",
            token=written,
        )
    return value


def _temporal_default(
    text: str, kind: str, *, where: str, written: str, quoted: bool
) -> datetime.date | datetime.datetime | datetime.time:
    """A date, datetime or time default; fractions of a second are kept, down to
    the microsecond, as the generated columns keep them on every database."""
    examples = {
        "date": "2024-01-31",
        "datetime": "2024-01-31 09:30:00",
        "time": "09:30:00",
    }
    patterns = {
        "date": _DATE_LITERAL,
        "datetime": _DATETIME_LITERAL,
        "time": _TIME_LITERAL,
    }
    parsers = {
        "date": datetime.date.fromisoformat,
        "datetime": datetime.datetime.fromisoformat,
        "time": datetime.time.fromisoformat,
    }
    if kind != "date" and not quoted:
        hint = f"; a {kind} holds ':', so quote it: default=\"{examples[kind]}\""
    else:
        hint = f', e.g. default="{examples[kind]}"'
    if not patterns[kind].match(text):
        raise SpecError(
            f"{where}: default {_show(written)} is not a {kind}{hint}", token=written
        )
    try:
        value = parsers[kind](text)
    except ValueError:
        raise SpecError(
            f"{where}: default {_show(written)} is not a valid {kind}", token=written
        ) from None
    if getattr(value, "year", 1000) < 1000:
        raise SpecError(
            f"{where}: default {_show(written)} is before the year 1000, where "
            "MariaDB's dates begin",
            token=written,
        )
    return value


# --- Resolving the declarations into a schema --------------------------------------


class _Resolver:
    """The checks that need the whole answer: targets, names, tables, cycles."""

    def __init__(self, declarations: list[_ModelDeclaration], timestamps: bool) -> None:
        self.declarations = declarations
        self.timestamps = timestamps
        self.by_name: dict[str, _ModelDeclaration] = {}
        for declaration in declarations:
            if declaration.name in self.by_name:
                raise SpecError(
                    f"model {declaration.name!r} is declared twice",
                    token=declaration.name,
                )
            self.by_name[declaration.name] = declaration
        self.tables = {d.name: self._table_of(d) for d in declarations}

    def schema(self) -> Schema:
        self._check_tables()
        links = {d.name: self._links_of(d) for d in self.declarations}
        models = []
        for declaration in self.declarations:
            members: list[Field | Reference | ManyToMany] = []
            for field in declaration.fields:
                where = f"{declaration.name}.{field.name}"
                if not (field.name == "id" and field.primary):
                    # `id:string{36}!:primary` takes the generated key's place.
                    _check_attribute_name(
                        field.name,
                        "field name",
                        where=declaration.name,
                        timestamps=self.timestamps,
                    )
                if field.kind in ("references", "many"):
                    members.append(links[declaration.name][field.name])
                else:
                    members.append(self._scalar(declaration, field, where))
            composites = tuple(
                _resolve_composite(declaration.name, composite, members)
                for composite in declaration.composites
            )
            _check_composites_distinct(declaration.name, composites)
            models.append(
                Model(
                    declaration.name,
                    self.tables[declaration.name],
                    tuple(members),
                    composites,
                )
            )
        schema = Schema(tuple(models), self.timestamps)
        _check_keys(schema)
        self._check_database_names(schema)
        self._check_attributes(schema)
        self._check_row_sizes(schema)
        schema = self._close_reference_loops(schema)
        self._check_hidden_modules(schema)
        return schema

    def _table_of(self, declaration: _ModelDeclaration) -> str:
        if declaration.table is not None:
            return declaration.table
        table = _pluralize(_snake(declaration.name))
        if len(table) > MAX_NAME_LENGTH:
            raise SpecError(
                f"{declaration.name}: its table name {_show(table)} would be over "
                f"{MAX_NAME_LENGTH} characters; give one: "
                f"{declaration.name}(short_name)",
                token=declaration.name,
            )
        return table

    def _check_tables(self) -> None:
        owners: dict[str, str] = {}
        for declaration in self.declarations:
            table = self.tables[declaration.name]
            if declaration.table is None:
                how = f"give it another table: {declaration.name}(other_name)"
            else:
                how = "choose another table name"
            _check_table_name(table, owner=declaration.name, how=how)
            if table in owners:
                raise SpecError(
                    f"models {owners[table]!r} and {declaration.name!r} both use the "
                    f"table {table!r}; give one another table: "
                    f"{declaration.name}(other_name)",
                    token=table,
                )
            owners[table] = declaration.name

    def _target(self, declaration: _ModelDeclaration, field: _FieldDeclaration) -> str:
        where = f"{declaration.name}.{field.name}"
        target = field.target or _camel(field.name)
        if target in self.by_name:
            return target
        suggestion = _closest(target, list(self.by_name))
        if field.target is None:
            example = suggestion or next(iter(self.by_name))
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
        self, declaration: _ModelDeclaration
    ) -> dict[str, Reference | ManyToMany]:
        links: dict[str, Reference | ManyToMany] = {}
        model = declaration.name
        for field in declaration.fields:
            where = f"{model}.{field.name}"
            if field.kind not in ("references", "many"):
                continue
            target = self._target(declaration, field)
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
                    timestamps=self.timestamps,
                )
            if field.kind == "references":
                if field.unique:
                    inverse = field.inverse or _snake(model)
                else:
                    inverse = field.inverse or _pluralize(_snake(model))
                column = f"{field.name}_id"
                _check_generated_name(column, "foreign key column", where=where)
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
                )
        return links

    def _scalar(
        self, declaration: _ModelDeclaration, field: _FieldDeclaration, where: str
    ) -> Field:
        enum_name = None
        if field.kind == "password":
            _check_generated_name(
                f"{field.name}_hash", "password hash column", where=where
            )
        if field.kind == "enum":
            enum_name = f"{self.tables[declaration.name]}_{field.name}"
            _check_generated_name(enum_name, "enum type name", where=where)
        return Field(
            model=declaration.name,
            name=field.name,
            kind=field.kind,
            nullable=field.mark != "!",
            unique=field.unique,
            index=field.index,
            length=field.length,
            precision=field.precision,
            scale=field.scale,
            enum_values=field.enum_values,
            enum_name=enum_name,
            default=field.default,
            secret=field.secret or field.kind == "password",
            primary=field.primary,
        )

    def _check_database_names(self, schema: Schema) -> None:
        """Tables, association tables and PostgreSQL enum types share one namespace."""
        owners = {model.table: f"the table of {model.name}" for model in schema.models}
        for model in schema.models:
            for member in model.members:
                where = f"{model.name}.{member.name}"
                if isinstance(member, ManyToMany):
                    name, what = member.table, "association table"
                elif isinstance(member, Field) and member.enum_name:
                    name, what = member.enum_name, "enum type"
                else:
                    continue
                _check_table_name(
                    name, owner=where, how="rename the field or its model", what=what
                )
                if name in owners:
                    raise SpecError(
                        f"{where}: its {what} {name!r} clashes with {owners[name]}",
                        token=name,
                    )
                owners[name] = f"the {what} of {where}"

    def _check_attributes(self, schema: Schema) -> None:
        """Every name in a model class, generated ones included, must be distinct."""
        for model in schema.models:
            owners: dict[str, str] = {}

            def claim(
                name: str, origin: str, hint: str, owners: dict = owners, model=model
            ) -> None:
                if name in owners:
                    raise SpecError(
                        f"{model.name}: {name!r} would be both {owners[name]} and "
                        f"{origin}{hint}",
                        token=name,
                    )
                owners[name] = origin

            for member in model.members:
                if member.name in owners and owners[member.name].startswith(
                    "the field"
                ):
                    raise SpecError(
                        f"{model.name}: field {member.name!r} is declared twice",
                        token=member.name,
                    )
                claim(member.name, f"the field {model.name}.{member.name}", "")
                if isinstance(member, Field) and member.kind == "password":
                    origin = f"generated for the password {model.name}.{member.name}"
                    for name in (member.column, *member.password_methods):
                        claim(name, f"the name {origin}", "")
                if isinstance(member, Reference):
                    claim(
                        member.column,
                        f"the foreign key column of {model.name}.{member.name}",
                        "",
                    )
            for link in (
                *schema.references_to(model.name),
                *schema.many_to(model.name),
            ):
                kind = "references" if isinstance(link, Reference) else "many"
                try:
                    _check_attribute_name(
                        link.inverse,
                        "inverse name",
                        where=f"{link.model}.{link.name}",
                        timestamps=self.timestamps,
                    )
                except SpecError as error:
                    raise SpecError(
                        f"{error}; name the inverse: "
                        f"'{link.name}:{kind}{{{model.name}.other_name}}'",
                        token=error.token,
                    ) from None
                if (
                    isinstance(link, ManyToMany)
                    and link.inverse in owners
                    and any(
                        isinstance(m, ManyToMany)
                        and m.name == link.inverse
                        and m.target == link.model
                        for m in model.many
                    )
                ):
                    hint = "; declare a many link on one side only"
                else:
                    hint = (
                        f"; name the inverse: '{link.name}:{kind}"
                        f"{{{model.name}.other_name}}'"
                    )
                claim(link.inverse, f"the inverse of {link.model}.{link.name}", hint)

    def _check_row_sizes(self, schema: Schema) -> None:
        for model in schema.models:
            width = (
                sum(4 * (f.length or 0) + 2 for f in model.fields if f.kind == "string")
                + sum(
                    4 * PASSWORD_HASH_LENGTH + 2
                    for f in model.fields
                    if f.kind == "password"
                )
                + sum(
                    (f.length or 0) + 2
                    for f in model.fields
                    if f.kind == "binary" and f.length
                )
            )
            if width > MAX_ROW_BYTES:
                raise SpecError(
                    f"model {model.name!r}: its string columns need {width} bytes a "
                    f"row in MariaDB, over its limit of {MAX_ROW_BYTES}; make some "
                    "shorter or use text",
                    token=model.name,
                )

    def _check_hidden_modules(self, schema: Schema) -> None:
        hidden = _hidden_module_names(schema, modules_to_alias(schema))
        if hidden:
            model, field, alias = hidden[0]
            module = next(m for m, a in MODULE_ALIASES.items() if a == alias)
            raise SpecError(
                f"{model.name}: the fields named {alias!r} and {module!r} hide the "
                f"{module} that the generated default of {field.name!r} needs; "
                "rename one of them",
                token=alias,
            )

    def _close_reference_loops(self, schema: Schema) -> Schema:
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
            if len(target.key) > 1:
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


def key_column(schema: Schema, model: Model) -> tuple[str, str]:
    """The column of a model's one-column key and its kind ("integer" for the
    generated id; a reference's is its target's)."""
    if not model.key:
        return ("id", "integer")
    [member] = model.key
    if isinstance(member, Reference):
        return (member.column, key_column(schema, schema.model(member.target))[1])
    return (member.column, member.kind)


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
    for name in composite.names:
        member = by_name.get(name)
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


def _check_table_name(name: str, *, owner: str, how: str, what: str = "table") -> None:
    """Refuse names the databases or Alembic keep for themselves.

    A reserved SQL word is a fine table name (version 2): SQLAlchemy and Alembic
    quote it wherever they write it. An enum type's name stays refused, as it
    also names a PostgreSQL type. `how` tells the user what to change.
    """
    _check_name(name, f"{what} name", where=owner)
    if what == "enum type":
        _check_not_reserved(name, owner=owner, how=how, what=what)
    if name in RESERVED_TABLE_NAMES:
        raise SpecError(
            f"{owner}: {what} name {name!r} is taken: "
            f"{RESERVED_TABLE_NAMES[name]}; {how}",
            token=name,
        )
    if name.startswith("sqlite_"):
        raise SpecError(
            f"{owner}: {what} name {name!r}: SQLite reserves names starting with "
            f"'sqlite_'; {how}",
            token=name,
        )


def _check_not_reserved(name: str, *, owner: str, how: str, what: str) -> None:
    databases = [
        database
        for database, words in (
            ("PostgreSQL", POSTGRESQL_RESERVED_WORDS),
            ("MariaDB", MARIADB_RESERVED_WORDS),
        )
        if name in words
    ]
    if databases:
        raise SpecError(
            f"{owner}: {what} name {name!r} is a reserved word in "
            f"{' and '.join(databases)}; {how}",
            token=name,
        )


def _check_generated_name(name: str, what: str, *, where: str) -> None:
    if len(name) > MAX_NAME_LENGTH:
        raise SpecError(
            f"{where}: its {what} {_show(name)} would be {len(name)} characters, over "
            f"PostgreSQL's {MAX_NAME_LENGTH}; shorten the names it is made from",
            token=name,
        )


# --- Words -------------------------------------------------------------------------


def _snake(name: str) -> str:
    """`BlogPost` -> `blog_post`, `HTTPRequest` -> `http_request`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return spaced.lower()


def _camel(name: str) -> str:
    """`blog_post` -> `BlogPost`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


_IRREGULAR_PLURALS = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "tooth": "teeth",
    "foot": "feet",
    "ox": "oxen",
    "datum": "data",
    "medium": "media",
    "criterion": "criteria",
    "phenomenon": "phenomena",
    "index": "indexes",
    "matrix": "matrices",
    "vertex": "vertices",
    "leaf": "leaves",
    "loaf": "loaves",
    "thief": "thieves",
    "wolf": "wolves",
    "calf": "calves",
    "half": "halves",
    "elf": "elves",
    "shelf": "shelves",
    "knife": "knives",
    "wife": "wives",
    "life": "lives",
    "hero": "heroes",
    "potato": "potatoes",
    "tomato": "tomatoes",
    "echo": "echoes",
    "veto": "vetoes",
    "quiz": "quizzes",
}
_UNCOUNTABLE = frozenset(
    """
    data equipment feedback fish furniture information luggage metadata money news
    rice series sheep software hardware species staff
    """.split()
)


def _pluralize(snake: str) -> str:
    """Plural of a snake_case name: `blog_post` -> `blog_posts`."""
    head, _, word = snake.rpartition("_")
    prefix = head + "_" if head else ""
    if word in _UNCOUNTABLE:
        return snake
    if word in _IRREGULAR_PLURALS:
        return prefix + _IRREGULAR_PLURALS[word]
    if re.search(r"(s|x|z|ch|sh)\Z", word):
        if word.endswith("is"):
            return prefix + word[:-2] + "es"  # analysis -> analyses
        return prefix + word + "es"
    if re.search(r"[^aeiou]y\Z", word):
        return prefix + word[:-1] + "ies"
    return prefix + word + "s"


def _singularize(snake: str) -> str:
    """Singular of a snake_case plural, for naming columns: `friends` -> `friend`."""
    head, _, word = snake.rpartition("_")
    prefix = head + "_" if head else ""
    for singular, plural in _IRREGULAR_PLURALS.items():
        if word == plural:
            return prefix + singular
    if word in _UNCOUNTABLE:
        return snake
    if word.endswith("ies") and len(word) > 3:
        return prefix + word[:-3] + "y"
    if re.search(r"(ses|xes|zes|ches|shes)\Z", word):
        return prefix + word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return prefix + word[:-1]
    return snake


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


def _closest(word: str, candidates: tuple[str, ...] | list[str]) -> str:
    for candidate in candidates:
        if candidate.lower() == word.lower():
            return candidate
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    if not matches:
        lowered = {c.lower(): c for c in candidates}
        matches = [
            lowered[m]
            for m in difflib.get_close_matches(
                word.lower(), list(lowered), n=1, cutoff=0.5
            )
        ]
    return matches[0] if matches else ""


def _show(text: str, limit: int = 60) -> str:
    """Quote a piece of the answer for a message: one line, escaped, shortened."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    escaped = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
    return f"'{escaped}'"


# --- Writing values as Python source ---------------------------------------------


def python_string_literal(text: str) -> str:
    """`text` as a Python string literal, written the way `ruff format` writes it.

    Double quotes unless the text holds more double than single quotes. Characters
    whose width on screen is not one column, or that are invisible, are escaped,
    so the width of a line is the sum of `display_width` of its characters.
    """
    quote = "'" if text.count('"') > text.count("'") else '"'
    parts = []
    for char in text:
        if char == "\\":
            parts.append("\\\\")
        elif char == quote:
            parts.append("\\" + quote)
        elif _is_plain_character(char):
            parts.append(char)
        else:
            code = ord(char)
            if code <= 0xFF:
                parts.append(f"\\x{code:02x}")
            elif code <= 0xFFFF:
                parts.append(f"\\u{code:04x}")
            else:
                parts.append(f"\\U{code:08x}")
    return quote + "".join(parts) + quote


def _is_plain_character(char: str) -> bool:
    if char.isascii():
        return char.isprintable()
    if not char.isprintable():
        return False
    category = unicodedata.category(char)
    # Marks and Hangul vowel jamo combine with the character before them, so
    # their width on screen is not their count.
    if category[0] == "M" or "\u1160" <= char <= "\u11ff":
        return False
    return unicodedata.east_asian_width(char) in ("N", "Na", "H", "A", "W", "F")


def display_width(text: str) -> int:
    """Columns `text` takes on screen, counted the way ruff measures line length."""
    return sum(
        2
        if not char.isascii() and unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )
