"""A revision that fails: one line, and never left half-applied.

Alembic lets a database's error out of a failing revision as it is, so
`flask db upgrade` prints its traceback (Flask-Migrate tells only Alembic's
own errors in one line). And MySQL/MariaDB commit each DDL statement at once:
a revision that fails after its first operations leaves them applied while
alembic_version still names the revision before it; the next upgrade then
fails on them ("Duplicate column"), and autogenerate, comparing the models
with that database, leaves them out of a new revision.

`failures_told_in_one_line(connection)`, which `migrations_guarded` wraps
around the migrations, follows the operations of the revision being run.
When it fails on MySQL/MariaDB, the operations it had applied are undone in
reverse order (an added column, index, constraint or table, a renamed
table); any other (a dropped column, an altered one, SQL of its own) is named
as left to undo by hand. The error becomes a RuntimeError of one line, which
Flask-Migrate prints as such before it exits 1: the revision, the database's
message, what was undone or is left, and for a NOT NULL column without a
default added to a table with rows (PostgreSQL refuses it; MariaDB fills it
with '' and then fails on its unique index), the fix.
"""

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic import context
from alembic.runtime.migration import RevisionStep
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

__all__ = ["failures_told_in_one_line"]

NON_TRANSACTIONAL_DDL = frozenset({"mysql", "mariadb"})


def table_of(item: Any) -> str:
    table = getattr(item, "table", None)
    return getattr(table, "name", "?")


# What each operation of Alembic's DDL layer does, in words, and how it is
# undone: (describe(*arguments), undo(impl, *arguments) or None).
def _add_column(impl, table_name, column, schema=None, **kw):
    impl.drop_column(table_name, column, schema=schema)


OPERATIONS: dict[str, tuple[Callable[..., str], Callable[..., None] | None]] = {
    "add_column": (lambda t, c, *a, **k: f"add column {t}.{c.name}", _add_column),
    "create_index": (
        lambda index, **k: f"create index {index.name} on {table_of(index)}",
        lambda impl, index, **k: impl.drop_index(index),
    ),
    "add_constraint": (
        lambda const, **k: f"add constraint {const.name} to {table_of(const)}",
        lambda impl, const, **k: impl.drop_constraint(const),
    ),
    "create_table": (
        lambda table, **k: f"create table {table.name}",
        lambda impl, table, **k: impl.drop_table(table),
    ),
    "rename_table": (
        lambda old, new, schema=None: f"rename table {old} to {new}",
        lambda impl, old, new, schema=None: impl.rename_table(new, old, schema),
    ),
    "drop_column": (lambda t, c, *a, **k: f"drop column {t}.{c.name}", None),
    "alter_column": (lambda t, c, *a, **k: f"alter column {t}.{c}", None),
    "drop_constraint": (lambda const, **k: f"drop constraint {const.name}", None),
    "drop_index": (lambda index, **k: f"drop index {index.name}", None),
    "drop_table": (lambda table, **k: f"drop table {table.name}", None),
    "execute": (lambda *a, **k: "op.execute(...)", None),
    "bulk_insert": (lambda table, *a, **k: f"insert rows into {table.name}", None),
}


class Revision:
    """What the revision being run has done so far."""

    def __init__(self) -> None:
        self.step: RevisionStep | None = None
        # (description, undo or None, arguments) of each operation applied.
        self.applied: list[tuple[str, Callable | None, tuple, dict]] = []
        self.attempted: tuple[str, tuple, dict] | None = None
        self.originals: dict[str, Callable] = {}

    def begin(self, step: RevisionStep) -> None:
        self.step, self.applied, self.attempted = step, [], None
        impl = context.get_context().impl
        if getattr(impl, "_flask_db_kit_followed", None) is not self:
            self.follow(impl)

    def follow(self, impl) -> None:
        """Wrap the operations of this impl (the object, not its class)."""
        impl._flask_db_kit_followed = self
        for name, (describe, undo) in OPERATIONS.items():
            original = getattr(impl, name, None)
            if original is None:
                continue
            self.originals[name] = original
            impl.__dict__[name] = self.followed(original, describe, undo)

    def followed(self, original, describe, undo):
        @functools.wraps(original)
        def operation(*arguments, **options):
            try:
                description = describe(*arguments, **options)
            except Exception:  # noqa: BLE001 - words only
                description = original.__name__
            self.attempted = (description, arguments, options)
            result = original(*arguments, **options)
            self.applied.append((description, undo, arguments, options))
            self.attempted = None
            return result

        return operation

    def columns_without_default(self) -> list[str]:
        """NOT NULL columns without a server default that the revision added."""
        calls = [(arguments, options) for _, _, arguments, options in self.applied]
        if self.attempted:
            calls.append(self.attempted[1:])
        found = []
        for arguments, _ in calls:
            if len(arguments) >= 2 and hasattr(arguments[1], "nullable"):
                table_name, column = arguments[0], arguments[1]
                if (
                    isinstance(table_name, str)
                    and not column.nullable
                    and column.server_default is None
                    and not column.primary_key
                ):
                    found.append(f"{table_name}.{column.name}")
        return found


@contextmanager
def steps_followed(revision: Revision) -> Iterator[None]:
    """Each revision step of this run tells `revision` when it starts."""
    original_init = RevisionStep.__init__

    def init(step, *arguments, **options) -> None:
        original_init(step, *arguments, **options)
        migration_fn = step.migration_fn

        @functools.wraps(migration_fn)
        def run(**kw):
            revision.begin(step)
            return migration_fn(**kw)

        step.migration_fn = run

    RevisionStep.__init__ = init
    try:
        yield
    finally:
        RevisionStep.__init__ = original_init


@contextmanager
def failures_told_in_one_line(connection: Connection) -> Iterator[None]:
    revision = Revision()
    with steps_followed(revision):
        try:
            yield
        except DBAPIError as error:
            if revision.step is None:
                raise
            raise RuntimeError(failure_line(connection, revision, error)) from None


def first_line(error: DBAPIError) -> str:
    return str(error.orig or error).strip().splitlines()[0]


def failure_line(connection: Connection, revision: Revision, error: DBAPIError) -> str:
    step = revision.step
    which = "the downgrade of " if not step.is_upgrade else ""
    doc = f' ("{step.doc}")' if step.doc else ""
    line = f"{which}the revision {step.revision.revision}{doc} failed"
    if revision.attempted:
        line += f" at {revision.attempted[0]}"
    line += f": {first_line(error)}"
    before = ", ".join(step.from_revisions_no_deps) or "base"
    if connection.dialect.name not in NON_TRANSACTIONAL_DDL:
        line += "; the database rolled the whole command back"
    elif revision.applied:
        line += "; " + undo_applied(connection, revision, before)
    else:
        line += f"; nothing of it was applied (the database stays at {before})"
    columns = revision.columns_without_default() or null_column(first_line(error))
    if columns and isinstance(error, IntegrityError):
        column = columns[-1]
        table = column.partition(".")[0]
        line += (
            f". {column} is NOT NULL without a default and {table} has rows: give "
            "it a server_default, or add it nullable, fill it in a data step "
            "(op.execute), then make it NOT NULL"
        )
    return line


# The column a NOT NULL refusal names: PostgreSQL's, and SQLite's (in batch
# mode, the copy of the table that SQLite fills).
NULL_IN_COLUMN = (
    re.compile(
        r'column "(?P<column>[^"]+)" of relation "(?P<table>[^"]+)" contains null'
    ),
    re.compile(
        r"NOT NULL constraint failed: (?:_alembic_tmp_)?(?P<table>\w+)\.(?P<column>\w+)"
    ),
)


def null_column(message: str) -> list[str]:
    for pattern in NULL_IN_COLUMN:
        match = pattern.search(message)
        if match:
            return [f"{match['table']}.{match['column']}"]
    return []


def undo_applied(connection: Connection, revision: Revision, before: str) -> str:
    """Undo what the failed revision applied, last first; what it says of that."""
    database = (
        "MariaDB" if getattr(connection.dialect, "is_mariadb", False) else "MySQL"
    )
    if connection.in_transaction():
        connection.rollback()
    impl = context.get_context().impl
    undone, left = [], []
    for description, undo, arguments, options in reversed(revision.applied):
        if undo is None or left:
            left.append(description)
            continue
        try:
            with originals(impl, revision):
                undo(impl, *arguments, **options)
            undone.append(description)
        except DBAPIError as error:
            left.append(f"{description} (its undo failed: {first_line(error)})")
    if connection.in_transaction():
        connection.commit()
    command = "upgrade" if revision.step.is_upgrade else "downgrade"
    said = f"{database} cannot roll back DDL"
    if undone:
        said += f", so what it applied was undone ({', '.join(undone)})"
    if left:
        said += (
            f"; still applied: {', '.join(reversed(left))}: undo that by hand, "
            f"then run `flask db {command}` again (the database is at {before})"
        )
    else:
        said += f": the database stays at {before}"
    return said


@contextmanager
def originals(impl, revision: Revision) -> Iterator[None]:
    """The impl's own operations, not followed: an undo is not applied work."""
    followed = {name: impl.__dict__.pop(name) for name in revision.originals}
    try:
        yield
    finally:
        impl.__dict__.update(followed)
