"""Alembic's environment for `flask db ...`: the app's database and models."""

import logging
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from alembic.autogenerate import renderers
from alembic.operations import ops
from alembic.script import write_hooks
from flask import current_app
from sqlalchemy import (
    Column,
    Connection,
    DefaultClause,
    Enum,
    ForeignKeyConstraint,
    text,
)
from sqlalchemy.sql.functions import FunctionElement

config = context.config
migrate_config = current_app.extensions["migrate"]
db = migrate_config.db
# The package of the app's models, whose SQL functions the migrations import.
APP_PACKAGE = current_app.import_name.partition(".")[0]

# `flask setup-db` asks for quiet and reports its own progress.
if config.config_file_name and not getattr(config.cmd_opts, "quiet", False):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

# Any number fits the PostgreSQL lock, any string the MySQL one: these say whose.
# A PostgreSQL advisory lock belongs to one database; a MySQL lock name is
# server-wide, so it carries the database's name (at most 64 characters).
POSTGRESQL_LOCK_KEY = 7_405_912_631
MYSQL_LOCK_PREFIX = "alembic migrations of "
MYSQL_LOCK_NAME_LIMIT = 64
MYSQL_LOCK_TIMEOUT_SECONDS = 600
# Written by `flask setup-db`; see unmanaged_tables().
UNMANAGED_TABLES_FILE = "unmanaged_tables.txt"


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


def skip_empty_autogenerate(migration_context, revision, directives) -> None:
    """No revision file when `flask db migrate` finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False):
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


# Written as plain SQLAlchemy calls, so a revision needs nothing from this file.
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


class CreateLoopForeignKeyOp(ops.MigrateOperation):
    """Create, after both tables, a foreign key that closes a loop of tables
    referring to each other (use_alter in models.py)."""

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
        "if op.get_bind().dialect.supports_alter: "
        f"op.create_foreign_key(op.f({str(key.name)!r}), {key.table.name!r}, "
        f"{element.column.table.name!r}, {[c.name for c in key.columns]!r}, "
        f"{[element.column.name]!r}{ondelete})",
    ]


@renderers.dispatch_for(DropLoopForeignKeyOp)
def render_drop_loop_foreign_key(
    autogen_context, operation: DropLoopForeignKeyOp
) -> list[str]:
    key = operation.constraint
    return [
        "# The tables refer to each other: this key goes before both of them.",
        "if op.get_bind().dialect.supports_alter: "
        f"op.drop_constraint(op.f({str(key.name)!r}), {key.table.name!r}, "
        'type_="foreignkey")',
    ]


def loop_foreign_keys(table_name: str, schema: str | None) -> list:
    key = f"{schema}.{table_name}" if schema else table_name
    table = db.metadata.tables.get(key)
    if table is None:
        return []
    return [fk for fk in table.foreign_key_constraints if fk.use_alter]


def create_and_drop_loop_foreign_keys(migration_context, revision, directives) -> None:
    """Foreign keys that close a loop of tables: created once every table of
    the revision is, dropped before any is."""
    for script in directives:
        for operations in script.upgrade_ops_list:
            operations.ops += [
                CreateLoopForeignKeyOp(key)
                for operation in list(operations.ops)
                if isinstance(operation, ops.CreateTableOp)
                for key in loop_foreign_keys(operation.table_name, operation.schema)
            ]
        for operations in script.downgrade_ops_list:
            operations.ops[:0] = [
                DropLoopForeignKeyOp(key)
                for operation in list(operations.ops)
                if isinstance(operation, ops.DropTableOp)
                for key in loop_foreign_keys(operation.table_name, operation.schema)
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


def columns_of_dropped_table(operation: ops.DropTableOp) -> Iterable[Column]:
    """The columns of the table that `operation` drops.

    Those of the models' table of that name when there is one (the downgrade
    of its creation); else rebuilt from the operation, which is slower: a
    fifth of a second for the downgrade of a hundred tables.
    """
    key = operation.table_name
    if operation.schema:
        key = f"{operation.schema}.{key}"
    table = db.metadata.tables.get(key)
    return (table if table is not None else operation.to_table()).columns


def create_and_drop_enum_types(migration_context, revision, directives) -> None:
    """Give every revision the enum types its columns need, both ways.

    On PostgreSQL an Enum column has a type of its own. `create_table` creates
    it, but `add_column` does not, and neither `drop_table` nor `drop_column`
    drops it: a downgrade followed by an upgrade would fail with "type ...
    already exists". So a type is created before the columns added, and
    dropped after the last column that uses it is gone.
    """
    for operations in operation_lists(directives):
        added_columns: list[Column] = []
        dropped_columns: list[tuple[str, Column]] = []
        for operation in operations.ops:
            if isinstance(operation, ops.DropTableOp):
                dropped_columns += [
                    (operation.table_name, column)
                    for column in columns_of_dropped_table(operation)
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
            for table in db.metadata.tables.values()
            for column in table.columns
            if (table.name, column.name) not in dropped
        )
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
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": POSTGRESQL_LOCK_KEY}
            )
            connection.commit()
    elif dialect in ("mysql", "mariadb"):
        lock_name = f"{MYSQL_LOCK_PREFIX}{connection.engine.url.database}"
        lock_name = lock_name[:MYSQL_LOCK_NAME_LIMIT]
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
    driver_connection = connection.connection.driver_connection
    if connection.dialect.name != "sqlite" or driver_connection.in_transaction:
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

    The app turns them on for every SQLite connection (extensions.py). But
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


def unmanaged_tables() -> frozenset[str]:
    """The tables `flask setup-db` found in the database before its first
    migration: not the models', so autogenerate must neither compare nor
    drop them."""
    listing = Path(config.get_main_option("script_location")) / UNMANAGED_TABLES_FILE
    if not listing.is_file():
        return frozenset()
    lines = listing.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if not line.startswith("#"))


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    return not (type_ == "table" and name in unmanaged_tables())


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
    key = operation.table_name
    if operation.schema:
        key = f"{operation.schema}.{key}"
    table = db.metadata.tables.get(key)
    opening = f"with op.batch_alter_table({operation.table_name!r}, schema="
    if (
        lines
        and table is not None
        and table.dialect_options["sqlite"]["autoincrement"]
        and lines[0].startswith(opening)
    ):
        lines[0] = lines[0].replace(
            ") as batch_op:", f"{KEEP_AUTOINCREMENT}) as batch_op:"
        )
    return lines


def render_item(type_: str, item: object, autogen_context) -> str | bool:
    """Write a model's server default so that it means the same on every database.

    A text default exactly as it is: Alembic strips a leading and a trailing
    single quote from one (as if it had been read back from a database,
    quoted), so a default of "'quoted'" would lose its quotes. A SQL function
    of the app's own (utc.py's UtcNow) as a call of it, imported: Alembic would
    write the SQL of the database it compared with, and the migration must
    also serve the others. False: Alembic renders the item itself.
    """
    if type_ != "server_default" or not isinstance(item, DefaultClause):
        return False
    if isinstance(item.arg, str):
        return repr(item.arg)
    function = type(item.arg)
    if isinstance(item.arg, FunctionElement) and function.__module__.startswith(
        f"{APP_PACKAGE}."
    ):
        autogen_context.imports.add(
            f"from {function.__module__} import {function.__name__}"
        )
        return f"{function.__name__}()"
    return False


def configure(connection: Connection) -> None:
    configure_args = dict(migrate_config.configure_args)
    configure_args.setdefault("include_name", include_name)
    configure_args.setdefault("render_item", render_item)
    steps = [
        skip_index_drops_of_dropped_tables,
        drop_foreign_keys_before_indexes,
        create_and_drop_enum_types,
        create_and_drop_loop_foreign_keys,
        skip_empty_autogenerate,
    ]
    # One given to Migrate(process_revision_directives=...) runs last.
    if configure_args.get("process_revision_directives"):
        steps.append(configure_args["process_revision_directives"])

    def process_revision_directives(migration_context, revision, directives) -> None:
        for step in steps:
            if directives:
                step(migration_context, revision, directives)

    configure_args["process_revision_directives"] = process_revision_directives
    context.configure(
        connection=connection, target_metadata=db.metadata, **configure_args
    )


def run_migrations_offline() -> None:
    """`flask db upgrade --sql`: print the SQL instead of running it."""
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # pytest-alembic hands over its own engine or connection here.
    connectable = config.attributes.get("connection") or db.engine
    if isinstance(connectable, Connection):
        with foreign_keys_off_on_sqlite(connectable):
            run_migrations(connectable)
        return
    with (
        connectable.connect() as connection,
        migration_lock(connection),
        foreign_keys_off_on_sqlite(connection),
        one_transaction_on_sqlite(connection),
    ):
        run_migrations(connection)


def run_migrations(connection: Connection) -> None:
    configure(connection)
    before = rows_referring_to_none(connection)
    with context.begin_transaction():
        context.run_migrations()
        foreign_keys_still_hold(connection, before)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
