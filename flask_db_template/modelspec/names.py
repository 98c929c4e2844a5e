"""Names: their forms, the words the databases, Python and the generated code reserve."""

from __future__ import annotations

import keyword
import re

from .errors import SpecError, _show
from .schema import Field, Model, Reference, Schema
from .words import _camel, _snake

# PostgreSQL silently truncates longer identifiers, so two long names could
# end up as one.
MAX_NAME_LENGTH = 63


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


# `:column=` and an association table's columns: any name the databases can
# quote that is also plain in Python and SQL source (camelCase included).
_COLUMN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def _check_column_name(name: str, what: str, *, where: str) -> None:
    """A database column's own name: ASCII letters, digits and '_'."""
    if not name:
        raise SpecError(f"{where}: empty {what}", token=name)
    if not _COLUMN_NAME.match(name):
        raise SpecError(
            f"{where}: {what} {_show(name)} must be ASCII letters, digits and '_', "
            "starting with a letter",
            token=name,
        )
    if len(name) > MAX_NAME_LENGTH:
        raise SpecError(
            f"{where}: {what} {_show(name)} is {len(name)} characters long; "
            f"PostgreSQL keeps only {MAX_NAME_LENGTH}",
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
                bound.add(member.attribute)
    return hidden


def _names_read_by_default(field: Field) -> set[str]:
    if field.default is None or field.default.is_now:
        return set()  # UtcNow and UtcToday: class names, which no field takes
    if field.kind in ("date", "datetime", "time"):
        return {"datetime"}
    if field.kind in ("boolean", "integer", "bigint", "float", "decimal"):
        return {"text"}
    return set()


def _check_hidden_modules(schema: Schema) -> None:
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
