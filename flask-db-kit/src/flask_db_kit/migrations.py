"""Alembic's autogenerate and migrations, fixed for every database.

Flask-Migrate hands the keyword arguments of `Migrate(...)` to Alembic's
`context.configure` in `migrations/env.py`, so the fixes live here and env.py
stays Flask-Migrate's own, plus a few lines:

    migrate = Migrate(**alembic_options())

- `alembic_options()`: `process_revision_directives` (no file for an empty
  autogenerate; a dropped table takes its indexes along; foreign keys dropped
  before indexes; PostgreSQL enum types created and dropped; foreign keys
  that close a loop of tables created after them), `render_item` (server
  defaults that mean the same on every database) and `include_name` (the
  tables listed in migrations/unmanaged_tables.txt are left alone).
- `migrations_guarded(connection)`: what env.py wraps around its
  `context.configure` and `context.run_migrations`: one migrating process at
  a time, and SQLite's table copies kept from breaking references.
- `TEMPLATE_DIRECTORY`: the environment `flask db init --template` copies
  (`flask setup-db` uses it).

Importing this module registers the renderers of the operations it adds, a
batch renderer that keeps SQLite's AUTOINCREMENT, and the `ruff_if_installed`
post-write hook named by the template's alembic.ini.
"""

import logging
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import context
from alembic.autogenerate import renderers
from alembic.operations import ops
from alembic.script import write_hooks
from flask import current_app, has_app_context
from sqlalchemy import (
    Column,
    Connection,
    DefaultClause,
    Enum,
    ForeignKeyConstraint,
    MetaData,
    Table,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from .failed_migrations import failures_told_in_one_line

__all__ = [
    "TEMPLATE_DIRECTORY",
    "UNMANAGED_TABLES_FILE",
    "alembic_options",
    "migrations_guarded",
]

# `flask db init --template` takes a path to a folder holding an environment.
TEMPLATE_DIRECTORY = Path(__file__).parent / "migration_template"
# Written by `flask setup-db` in migrations/; see include_name().
UNMANAGED_TABLES_FILE = "unmanaged_tables.txt"
# Any number fits the PostgreSQL lock, any string the MySQL one: these say whose.
# A PostgreSQL advisory lock belongs to one database; a MySQL lock name is
# server-wide, so it carries the database's name (at most 64 characters).
POSTGRESQL_LOCK_KEY = 7_405_912_631
MYSQL_LOCK_PREFIX = "alembic migrations of "
MYSQL_LOCK_NAME_LIMIT = 64
MYSQL_LOCK_TIMEOUT_SECONDS = 600
# Where the SQL functions that migrations import by name come from, besides
# the app's own package.
KIT_PACKAGE = __name__.partition(".")[0]

logger = logging.getLogger("alembic.env")

Directives = list  # of alembic.operations.ops.MigrationScript
RevisionStep = Callable[[Any, Any, Directives], None]


# --- What Migrate(...) passes to context.configure --------------------------


def alembic_options(
    *,
    process_revision_directives: RevisionStep | None = None,
    render_item: Callable[..., str | bool] | None = None,
    include_name: Callable[..., bool] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The keyword arguments for `Migrate(**alembic_options())`.

    A project adds its own hooks through the same names: its
    `process_revision_directives` runs after the kit's steps (and only when
    they left a revision to write); its `render_item` is asked first, the
    kit's when it returns False; its `include_name` must agree with the
    kit's for a name to be included. Any other option is passed on to
    `context.configure` as it is (`compare_server_default=True`, say).
    """
    steps = [
        skip_index_drops_of_dropped_tables,
        drop_foreign_keys_before_indexes,
        create_and_drop_enum_types,
        create_and_drop_loop_foreign_keys,
        skip_empty_autogenerate,
    ]
    if process_revision_directives is not None:
        steps.append(process_revision_directives)

    def fix_revision(migration_context, revision, directives: Directives) -> None:
        for step in steps:
            if directives:
                step(migration_context, revision, directives)

    rendering = render_kit_item
    if render_item is not None:
        users = render_item

        def rendering(type_: str, item: object, autogen_context) -> str | bool:
            rendered = users(type_, item, autogen_context)
            if rendered is False:
                return render_kit_item(type_, item, autogen_context)
            return rendered

    including = leave_unmanaged_tables_alone
    if include_name is not None:
        theirs = include_name

        def including(name: str | None, type_: str, parent_names: dict) -> bool:
            return leave_unmanaged_tables_alone(name, type_, parent_names) and theirs(
                name, type_, parent_names
            )

    return {
        **options,
        "process_revision_directives": fix_revision,
        "render_item": rendering,
        "include_name": including,
    }


def target_metadata(migration_context=None) -> MetaData | None:
    """The models' metadata: the one env.py gave Alembic, else the app's db."""
    if migration_context is not None:
        metadata = migration_context.opts.get("target_metadata")
        if isinstance(metadata, MetaData):
            return metadata
    if has_app_context() and "migrate" in current_app.extensions:
        return current_app.extensions["migrate"].db.metadata
    return None


def model_table(metadata: MetaData | None, name: str, schema: str | None):
    if metadata is None:
        return None
    return metadata.tables.get(f"{schema}.{name}" if schema else name)


def skip_empty_autogenerate(migration_context, revision, directives) -> None:
    """No revision file when `flask db migrate` finds no change."""
    config = getattr(migration_context, "config", None) or running_config()
    if getattr(getattr(config, "cmd_opts", None), "autogenerate", False):
        if directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def operation_lists(directives) -> Iterator[ops.OpContainer]:
    for script in directives:
        yield from script.upgrade_ops_list
        yield from script.downgrade_ops_list


def skip_index_drops_of_dropped_tables(migration_context, revision, directives) -> None:
    """Drop a table without dropping its indexes first: the table takes them along.

    Autogenerate drops them one by one first, and MySQL/MariaDB refuse to drop
    the index a foreign key uses (error 1553), so the downgrade of any table
    with an indexed reference would fail there.
    """
    for operations in operation_lists(directives):
        dropped_tables = {
            (operation.schema, operation.table_name)
            for operation in operations.ops
            if isinstance(operation, ops.DropTableOp)
        }
        kept = []
        for operation in operations.ops:
            table = (
                getattr(operation, "schema", None),
                getattr(operation, "table_name", None),
            )
            if table in dropped_tables:
                if isinstance(operation, ops.DropIndexOp):
                    continue
                if isinstance(operation, ops.ModifyTableOps):
                    operation.ops = [
                        table_operation
                        for table_operation in operation.ops
                        if not isinstance(table_operation, ops.DropIndexOp)
                    ]
                    if not operation.ops:
                        continue
            kept.append(operation)
        operations.ops[:] = kept


def drop_foreign_keys_before_indexes(migration_context, revision, directives) -> None:
    """Drop a table's foreign keys before its indexes.

    When a reference is removed, autogenerate drops its index first, and
    MySQL/MariaDB refuse to drop the index a foreign key still uses.
    """
    for operations in operation_lists(directives):
        for operation in operations.ops:
            if isinstance(operation, ops.ModifyTableOps):
                operation.ops.sort(key=lambda change: not is_foreign_key_drop(change))


def is_foreign_key_drop(operation: ops.MigrateOperation) -> bool:
    return (
        isinstance(operation, ops.DropConstraintOp)
        and operation.constraint_type == "foreignkey"
    )


# --- PostgreSQL enum types ------------------------------------------------------


class CreateEnumTypeOp(ops.MigrateOperation):
    """Create a PostgreSQL enum type before `add_column` uses it."""

    def __init__(self, enum: Enum) -> None:
        self.enum = enum

    def to_diff_tuple(self) -> tuple[str, str]:
        return ("create_enum_type", self.enum.name)


class DropEnumTypeOp(ops.MigrateOperation):
    """Drop a PostgreSQL enum type once no column uses it."""

    def __init__(self, enum: Enum) -> None:
        self.enum = enum

    def to_diff_tuple(self) -> tuple[str, str]:
        return ("drop_enum_type", self.enum.name)


# Written as plain SQLAlchemy calls, so a revision needs nothing from the kit.
# Enum.create/drop only act where the enum is a type of its own (PostgreSQL):
# elsewhere they do nothing, so a revision stays right for every database.
@renderers.dispatch_for(CreateEnumTypeOp)
def render_create_enum_type(autogen_context, operation: CreateEnumTypeOp) -> list[str]:
    values = "".join(f"{value!r}, " for value in operation.enum.enums)
    return [
        "# PostgreSQL: add_column needs the enum type, which only create_table makes",
        f"sa.Enum({values}name={operation.enum.name!r})"
        ".create(op.get_bind(), checkfirst=True)",
    ]


@renderers.dispatch_for(DropEnumTypeOp)
def render_drop_enum_type(autogen_context, operation: DropEnumTypeOp) -> list[str]:
    return [
        "# PostgreSQL keeps an enum type when the columns that used it are dropped",
        f"sa.Enum(name={operation.enum.name!r}).drop(op.get_bind(), checkfirst=True)",
    ]


def named_enum_types(columns: Iterable[Column]) -> dict[str, Enum]:
    """The enum types of these columns that are database objects of their own."""
    return {
        column.type.name: column.type
        for column in columns
        if isinstance(column.type, Enum)
        and column.type.native_enum
        and column.type.name
    }


def columns_of_dropped_table(
    metadata: MetaData | None, operation: ops.DropTableOp
) -> Iterable[Column]:
    """The columns of the table that `operation` drops.

    Those of the models' table of that name when there is one (the downgrade
    of its creation); else rebuilt from the operation, which is slower: a
    fifth of a second for the downgrade of a hundred tables.
    """
    table = model_table(metadata, operation.table_name, operation.schema)
    return (table if table is not None else operation.to_table()).columns


def create_and_drop_enum_types(migration_context, revision, directives) -> None:
    """Give every revision the enum types its columns need, both ways.

    On PostgreSQL an Enum column has a type of its own. `create_table` creates
    it, but `add_column` does not, and neither `drop_table` nor `drop_column`
    drops it: a downgrade followed by an upgrade would fail with "type ...
    already exists". So a type is created before the columns added, and
    dropped after the last column that uses it is gone.
    """
    metadata = target_metadata(migration_context)
    model_tables = list(metadata.tables.values()) if metadata is not None else []
    for operations in operation_lists(directives):
        added_columns: list[Column] = []
        dropped_columns: list[tuple[str, Column]] = []
        for operation in operations.ops:
            if isinstance(operation, ops.DropTableOp):
                dropped_columns += [
                    (operation.table_name, column)
                    for column in columns_of_dropped_table(metadata, operation)
                ]
            elif isinstance(operation, ops.ModifyTableOps):
                for table_operation in operation.ops:
                    if isinstance(table_operation, ops.AddColumnOp):
                        added_columns.append(table_operation.column)
                    elif isinstance(table_operation, ops.DropColumnOp):
                        column = table_operation.to_column()
                        dropped_columns.append((operation.table_name, column))
        dropped = {(table_name, column.name) for table_name, column in dropped_columns}
        still_used = named_enum_types(
            column
            for table in model_tables
            for column in table.columns
            if (table.name, column.name) not in dropped
        )
        created_tables = {
            operation.table_name
            for operation in operations.ops
            if isinstance(operation, ops.CreateTableOp)
        }
        existing = named_enum_types(
            column
            for table in model_tables
            if table.name not in created_tables
            for column in table.columns
            if not any(column is added for added in added_columns)
        ) | named_enum_types(column for _, column in dropped_columns)
        for operation in operations.ops:
            if isinstance(operation, ops.CreateTableOp):
                reuse_existing_enum_types(operation, existing)
        operations.ops[:0] = [
            CreateEnumTypeOp(enum) for enum in named_enum_types(added_columns).values()
        ]
        operations.ops += [
            DropEnumTypeOp(enum)
            for name, enum in named_enum_types(
                column for _, column in dropped_columns
            ).items()
            if name not in still_used
        ]


def reuse_existing_enum_types(
    operation: ops.CreateTableOp, existing: dict[str, Enum]
) -> None:
    """A new table on an enum type that another table already has (a type
    shared by `:type=`): create_table must not create it again, which
    PostgreSQL would refuse ("type ... already exists")."""
    for position, column in enumerate(operation.columns):
        if not isinstance(column, Column) or not isinstance(column.type, Enum):
            continue
        if column.type.name not in existing or not column.type.native_enum:
            continue
        enum = column.type
        kept = postgresql.ENUM(*enum.enums, name=enum.name, create_type=False)
        copy = column._copy()
        copy.type = Enum(*enum.enums, name=enum.name).with_variant(kept, "postgresql")
        operation.columns[position] = copy


# --- Foreign keys that close a loop of tables ----------------------------------


class CreateLoopForeignKeyOp(ops.MigrateOperation):
    """Create, after both tables, a foreign key that closes a loop of tables
    referring to each other (use_alter in the models)."""

    def __init__(self, constraint: ForeignKeyConstraint) -> None:
        self.constraint = constraint

    def to_diff_tuple(self) -> tuple[str, str]:
        return ("create_loop_foreign_key", str(self.constraint.name))


class DropLoopForeignKeyOp(CreateLoopForeignKeyOp):
    """Drop such a foreign key before either table."""

    def to_diff_tuple(self) -> tuple[str, str]:
        return ("drop_loop_foreign_key", str(self.constraint.name))


# PostgreSQL and MariaDB create a use_alter foreign key with neither table
# (their CREATE TABLE leaves it out); SQLite, which cannot ALTER a constraint,
# creates it inside its table. Written as plain Alembic calls.
@renderers.dispatch_for(CreateLoopForeignKeyOp)
def render_create_loop_foreign_key(
    autogen_context, operation: CreateLoopForeignKeyOp
) -> list[str]:
    key = operation.constraint
    [element] = key.elements
    ondelete = f", ondelete={key.ondelete!r}" if key.ondelete else ""
    return [
        "# The tables refer to each other: this key comes after both of them.",
        "if op.get_bind().dialect.supports_alter:",
        f"op.create_foreign_key(op.f({str(key.name)!r}), {key.table.name!r}, "
        f"{element.column.table.name!r}, {[c.name for c in key.columns]!r}, "
        f"{[element.column.name]!r}{ondelete})",
        "",  # the end of the if (Alembic's printer indents by the colons)
    ]


@renderers.dispatch_for(DropLoopForeignKeyOp)
def render_drop_loop_foreign_key(
    autogen_context, operation: DropLoopForeignKeyOp
) -> list[str]:
    key = operation.constraint
    return [
        "# The tables refer to each other: this key goes before both of them.",
        "if op.get_bind().dialect.supports_alter:",
        f"op.drop_constraint(op.f({str(key.name)!r}), {key.table.name!r}, "
        'type_="foreignkey")',
        "",
    ]


def loop_foreign_keys(
    metadata: MetaData | None, table_name: str, schema: str | None
) -> list[ForeignKeyConstraint]:
    table = model_table(metadata, table_name, schema)
    if table is None:
        return []
    return [key for key in table.foreign_key_constraints if key.use_alter]


def create_and_drop_loop_foreign_keys(migration_context, revision, directives) -> None:
    """Foreign keys that close a loop of tables: created once every table of
    the revision is, dropped before any is."""
    metadata = target_metadata(migration_context)
    for script in directives:
        for operations in script.upgrade_ops_list:
            operations.ops += [
                CreateLoopForeignKeyOp(key)
                for operation in list(operations.ops)
                if isinstance(operation, ops.CreateTableOp)
                for key in loop_foreign_keys(
                    metadata, operation.table_name, operation.schema
                )
            ]
        for operations in script.downgrade_ops_list:
            operations.ops[:0] = [
                DropLoopForeignKeyOp(key)
                for operation in list(operations.ops)
                if isinstance(operation, ops.DropTableOp)
                for key in loop_foreign_keys(
                    metadata, operation.table_name, operation.schema
                )
            ]


# --- Rendering ------------------------------------------------------------------


def render_kit_item(type_: str, item: object, autogen_context) -> str | bool:
    """A column type of the kit's (utc.py's AwareDateTime) as a call of it,
    imported by name (Alembic would write its module's path, unimported); a
    server default as `render_server_default` writes it."""
    if type_ == "type" and isinstance(item, TypeDecorator):
        kind = type(item)
        if kind.__module__.partition(".")[0] == KIT_PACKAGE:
            autogen_context.imports.add(
                f"from {kind.__module__} import {kind.__name__}"
            )
            return f"{kind.__name__}()"
    return render_server_default(type_, item, autogen_context)


def render_server_default(type_: str, item: object, autogen_context) -> str | bool:
    """Write a model's server default so that it means the same on every database.

    A text default exactly as it is: Alembic strips a leading and a trailing
    single quote from one (as if it had been read back from a database,
    quoted), so a default of "'quoted'" would lose its quotes. A SQL function
    of the kit's (flask_db_kit.utc's UtcNow) or of the app's own package as a
    call of it, imported: Alembic would write the SQL of the database it
    compared with, and the migration must also serve the others. False:
    Alembic renders the item itself.
    """
    if type_ != "server_default" or not isinstance(item, DefaultClause):
        return False
    if isinstance(item.arg, str):
        return repr(item.arg)
    function = type(item.arg)
    if (
        isinstance(item.arg, FunctionElement)
        and function.__module__.partition(".")[0] in sql_function_packages()
    ):
        autogen_context.imports.add(
            f"from {function.__module__} import {function.__name__}"
        )
        return f"{function.__name__}()"
    return False


def sql_function_packages() -> set[str]:
    packages = {KIT_PACKAGE}
    if has_app_context():
        packages.add(current_app.import_name.partition(".")[0])
    return packages


render_table_changes = renderers.dispatch(ops.ModifyTableOps)
KEEP_AUTOINCREMENT = ', table_kwargs={"sqlite_autoincrement": True}'


@renderers.dispatch_for(ops.ModifyTableOps, replace=True)
def render_table_changes_keeping_autoincrement(
    autogen_context, operation: ops.ModifyTableOps
) -> list[str]:
    """Alembic's batch_alter_table, told to keep SQLite's AUTOINCREMENT.

    On SQLite a batch operation copies the table into a new one made from
    the reflected table, and SQLite's reflection does not report
    AUTOINCREMENT: without `table_kwargs` the copy would hand out the ids of
    deleted rows again. Other databases ignore the option.
    """
    lines = render_table_changes(autogen_context, operation)
    metadata = autogen_context.metadata
    if not isinstance(metadata, MetaData):
        metadata = target_metadata()
    table = model_table(metadata, operation.table_name, operation.schema)
    opening = f"with op.batch_alter_table({operation.table_name!r}, schema="
    if (
        lines
        and isinstance(table, Table)
        and table.dialect_options["sqlite"]["autoincrement"]
        and lines[0].startswith(opening)
    ):
        lines[0] = lines[0].replace(
            ") as batch_op:", f"{KEEP_AUTOINCREMENT}) as batch_op:"
        )
    return lines


@write_hooks.register("ruff_if_installed")
def format_with_ruff(path: str, options: dict) -> None:
    """Make a new revision ruff-clean; ruff is a dev dependency, so it may be absent."""
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:
        return
    ruff = find_ruff_bin()
    for arguments in (["check", "--fix", "--quiet"], ["format", "--quiet"]):
        subprocess.run([ruff, *arguments, path], check=False)


# --- Unmanaged tables -------------------------------------------------------------


def unmanaged_tables() -> frozenset[str]:
    """The tables `flask setup-db` found in the database before its first
    migration: not the models', so autogenerate must neither compare nor
    drop them. Listed in migrations/unmanaged_tables.txt."""
    config = running_config()
    location = config.get_main_option("script_location") if config else None
    if not location:
        return frozenset()
    listing = Path(location) / UNMANAGED_TABLES_FILE
    if not listing.is_file():
        return frozenset()
    lines = listing.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip() for line in lines if line.strip() and not line.startswith("#")
    )


def leave_unmanaged_tables_alone(
    name: str | None, type_: str, parent_names: dict
) -> bool:
    return not (type_ == "table" and name in unmanaged_tables())


# --- Around the migrations ------------------------------------------------------


def running_config():
    """The Alembic config of the env.py being run, None outside one."""
    try:
        return context.config
    except (AttributeError, NameError):
        return None


@contextmanager
def migrations_guarded(connection: Connection) -> Iterator[None]:
    """What env.py wraps around `context.configure` and `run_migrations`.

    - one migrating process at a time (migration_lock);
    - a revision that fails told in one line, and on MySQL/MariaDB undone
      (flask_db_kit.failed_migrations);
    - on SQLite: foreign keys off while tables are copied, the whole command
      in one transaction, and a check before it commits that no row was left
      referring to a row that does not exist.

    A connection handed to env.py in `config.attributes["connection"]` (as
    pytest-alembic does) belongs to the caller: it gets the foreign-key part
    only, in whatever transaction the caller has.
    """
    config = running_config()
    if config is not None and config.attributes.get("connection") is connection:
        with foreign_keys_off_on_sqlite(connection):
            before = rows_referring_to_none(connection)
            yield
            foreign_keys_still_hold(connection, before)
        return
    with (
        migration_lock(connection),
        foreign_keys_off_on_sqlite(connection),
        one_transaction_on_sqlite(connection),
        failures_told_in_one_line(connection),
    ):
        before = rows_referring_to_none(connection)
        yield
        foreign_keys_still_hold(connection, before)


def mysql_lock_name(connection: Connection) -> str:
    name = f"{MYSQL_LOCK_PREFIX}{connection.engine.url.database}"
    return name[:MYSQL_LOCK_NAME_LIMIT]


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """One migrating process at a time.

    App replicas often run `flask db upgrade` together at start-up; without
    the lock they would all apply the same revisions. The lock is taken
    before Alembic reads the current revision, so a waiting process then
    finds the work done.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_lock(:key)"), {"key": POSTGRESQL_LOCK_KEY}
        )
        connection.commit()
        try:
            yield
        except BaseException:
            connection.rollback()  # so that the unlock can run
            raise
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": POSTGRESQL_LOCK_KEY}
            )
            connection.commit()
    elif dialect in ("mysql", "mariadb"):
        lock_name = mysql_lock_name(connection)
        acquired = connection.execute(
            text("SELECT GET_LOCK(:name, :timeout)"),
            {"name": lock_name, "timeout": MYSQL_LOCK_TIMEOUT_SECONDS},
        ).scalar()
        connection.commit()
        if acquired != 1:
            raise RuntimeError(
                f"another process held the migration lock for "
                f"{MYSQL_LOCK_TIMEOUT_SECONDS} s"
            )
        try:
            yield
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": lock_name})
            connection.commit()
    else:
        yield


@contextmanager
def one_transaction_on_sqlite(connection: Connection) -> Iterator[None]:
    """On SQLite, the whole command in one transaction, committed if it succeeds.

    SQLite's DDL is transactional, but Python's sqlite3 begins no transaction
    for it: each statement would commit on its own and sync the disk (half a
    second for the first migration of a hundred models), and a migration that
    failed half-way would stay half-applied. Alembic joins the transaction
    begun here.
    """
    if (
        connection.dialect.name != "sqlite"
        or connection.connection.driver_connection.in_transaction
    ):
        yield
        return
    connection.exec_driver_sql("BEGIN")
    try:
        yield
    except BaseException:
        connection.rollback()
        raise
    connection.commit()


@contextmanager
def foreign_keys_off_on_sqlite(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys off while the migrations run, and on again after.

    Apps turn them on for every SQLite connection (flask_db_kit.database). But
    Alembic alters a SQLite table by copying it: a new table, the rows, DROP
    of the old one, and a rename; with foreign keys on, that DROP would
    delete the rows referring to the table (ON DELETE CASCADE), empty their
    references (SET NULL) or fail. SQLite ignores the PRAGMA inside a
    transaction, so it is set before the migrations' transaction begins (on
    the driver's connection, which leaves SQLAlchemy's transaction state as it
    is); `foreign_keys_still_hold` checks the rows before that commits.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    sqlite = connection.connection.driver_connection
    in_transaction = connection.in_transaction() or sqlite.in_transaction
    if in_transaction or not sqlite.execute("PRAGMA foreign_keys").fetchone()[0]:
        yield  # off already, or inside a transaction of the caller's: as it is
        return
    sqlite.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        sqlite.execute("PRAGMA foreign_keys = ON")


def rows_referring_to_none(connection: Connection) -> Counter:
    """SQLite: how many rows of each table name a row that does not exist, by
    the table they refer to (PRAGMA foreign_key_check)."""
    if connection.dialect.name != "sqlite":
        return Counter()
    sqlite = connection.connection.driver_connection
    found = sqlite.execute("PRAGMA foreign_key_check").fetchall()
    return Counter((table, parent) for table, _, parent, _ in found)


def foreign_keys_still_hold(connection: Connection, before: Counter) -> None:
    """Refuse, before it commits, a migration that left more rows referring to
    no row than there were (a database written to while SQLite did not check
    may hold some already)."""
    added = rows_referring_to_none(connection) - before
    if added:
        (table, parent), count = next(iter(added.items()))
        raise RuntimeError(
            f"the migration would leave {count} row(s) of {table} referring to no "
            f"row of {parent} (PRAGMA foreign_key_check); nothing was changed"
        )
