"""`flask setup-db`: set the database up, doing only the steps still missing.

1. `flask db init`, when migrations/ has no environment yet;
2. `flask db migrate -m "initial migration"`, when there is no revision yet,
   generated against an empty scratch database: autogenerate compares the
   models with the database it is given, so an existing database would give
   an incomplete migration, or one that drops its other tables;
3. `flask db upgrade`.

All three run in this one process through Flask-Migrate's Python API.

The command knows the app only through its extensions: the Flask-SQLAlchemy
`db` (`app.extensions["sqlalchemy"]`) and the `Migrate` (`app.extensions
["migrate"]`, made with `Migrate(**alembic_options())` so that the initial
migration gets flask_db_kit.migrations' fixes). An app registers it with
`app.cli.add_command(setup_db_command)`.

Exit status 3 means the server answers but has no such database
(`--create-database` creates it). The messages tell the user what to run
next: `flask setup-db`, or the command in SETUP_DB_RETRY_COMMAND (a setup
script that runs this one sets it to itself).
"""

import argparse
import io
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import NoReturn

import alembic.command
import click
import flask_migrate
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.operations.ops import CreateTableOp
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import URL, Engine, create_engine, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from .migrations import TEMPLATE_DIRECTORY, UNMANAGED_TABLES_FILE

__all__ = [
    "RETRY_COMMAND_VARIABLE",
    "MissingDatabase",
    "SetupError",
    "setup_db_command",
]

INITIAL_MESSAGE = "initial migration"
SCRATCH_DATABASE_URL = "sqlite://"  # in memory
ALEMBIC_VERSION_TABLE = "alembic_version"
# While the first upgrade of a database that cannot roll back DDL runs: the
# tables it had before, so that an interrupted upgrade can be undone.
FIRST_UPGRADE_PENDING_FILE = ".first-upgrade-pending"
# While the initial revision is written: a run stopped before the end leaves
# it, and the next run makes the revision again.
INITIAL_REVISION_PENDING_FILE = ".initial-revision-pending"
# What `flask db init` makes (and `flask setup-db` adds): a migrations/ holding
# only these and no env.py is a `flask db init` that was stopped half-way.
ENVIRONMENT_FILES = frozenset(
    {
        "README",
        "alembic.ini",
        "env.py",
        "script.py.mako",
        "versions",
        "__pycache__",
        UNMANAGED_TABLES_FILE,
        FIRST_UPGRADE_PENDING_FILE,
    }
)
# Kept when a half-made migrations/ is made again: they protect tables.
KEPT_FILES = frozenset({UNMANAGED_TABLES_FILE, FIRST_UPGRADE_PENDING_FILE})
# MySQL and MariaDB commit each CREATE TABLE at once: a failed migration
# leaves what it made. SQLite and PostgreSQL roll it back.
NON_TRANSACTIONAL_DDL = frozenset({"mysql", "mariadb"})

# What the drivers say when the server answers but the database is not there.
POSTGRESQL_MISSING_DATABASE = re.compile(r'database ".*" does not exist')
MYSQL_UNKNOWN_DATABASE = 1049
# A server behind a firewall that drops packets would otherwise keep the
# setup (and the cookiecutter bake that runs it) waiting for minutes.
CONNECT_TIMEOUT_SECONDS = 10
# Creating a missing database: one every server has, to connect to meanwhile,
# and the options. MariaDB before 11.6 makes latin1 databases unless told,
# and the app's connections speak utf8mb4.
CREATE_DATABASE = {
    "postgresql": ("postgres", ""),
    "mysql": ("information_schema", " CHARACTER SET utf8mb4"),
    "mariadb": ("information_schema", " CHARACTER SET utf8mb4"),
}


# The command this one's messages tell the user to run again. bin/setup sets
# it to itself, as typed from the user's folder; `flask setup-db` otherwise.
RETRY_COMMAND_VARIABLE = "SETUP_DB_RETRY_COMMAND"


class SetupError(click.ClickException):
    """A step failed; the message says what, and what to run next."""


class MissingDatabase(SetupError):
    """The server answers but has no such database: exit status 3, so that a
    script (and bin/setup) can tell this case from the others."""

    exit_code = 3


def app_db() -> SQLAlchemy:
    """The app's Flask-SQLAlchemy extension: the models' metadata and engine."""
    return current_app.extensions["sqlalchemy"]


def retry_command(*options: str) -> str:
    command = os.environ.get(RETRY_COMMAND_VARIABLE) or "flask setup-db"
    return " ".join((command, *options))


@click.command("setup-db")
@click.option(
    "--create-database",
    is_flag=True,
    help="Create the database first if the server does not have it yet.",
)
@with_appcontext
def setup_db_command(create_database: bool) -> None:
    """Create the migrations, the initial migration and apply them, as needed."""
    directory = Path(current_app.extensions["migrate"].directory)
    kept = remove_half_made_environment(directory)
    if not (directory / "env.py").is_file():
        click.echo("Creating migrations/ (flask db init)")
        with quiet_alembic():
            run_command(flask_migrate.init, directory, template=str(TEMPLATE_DIRECTORY))
    for name, content in kept.items():  # `flask db init` wants an empty folder
        (directory / name).write_bytes(content)
    remove_half_made_initial_revision(directory)
    if not revision_files(directory):
        click.echo("Generating the initial migration against an empty scratch database")
        with initial_revision_pending(directory):
            revision, table_count = create_initial_migration(directory)
        click.echo(f"  {revision.name}: creates {table_count} table(s)")
    url = app_db().engine.url
    ensure_database_reachable(url, create_database)
    with first_upgrade_guarded(directory, url):
        click.echo(f"Applying migrations to {shown(url)}")
        with quiet_alembic():
            run_command(flask_migrate.upgrade, directory)
    click.echo("The database is up to date")


def record_unmanaged_tables(directory: Path, existing: set[str]) -> None:
    """Before the first upgrade, list the tables the database already has.

    They are someone else's (another app's, a legacy schema): env.py reads
    the list so that `flask db migrate` never writes a drop for them and
    `flask db check` does not count them as drift. Written before anything
    is applied, and only ever added to: a table listed by an earlier attempt
    stays protected, whatever became of that attempt.
    """
    db = app_db()
    listing = directory / UNMANAGED_TABLES_FILE
    listed = set(read_table_list(listing))
    unmanaged = sorted(
        listed | (existing - set(db.metadata.tables) - {ALEMBIC_VERSION_TABLE})
    )
    if not unmanaged or set(unmanaged) == listed:
        return
    listing.write_text(
        "# Tables that were in the database before its first migration. The\n"
        "# migrations leave them alone: autogenerate neither compares nor drops them.\n"
        + "".join(f"{name}\n" for name in unmanaged),
        encoding="utf-8",
    )
    click.echo(
        f"  leaving alone {len(unmanaged)} table(s) the database already has: "
        f"{', '.join(unmanaged)} (listed in migrations/{UNMANAGED_TABLES_FILE})"
    )


def read_table_list(path: Path) -> list[str]:
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and line[0] != "#"]


def revision_files(directory: Path) -> list[Path]:
    return sorted((directory / "versions").glob("*.py"))


def create_initial_migration(directory: Path) -> tuple[Path, int]:
    """`flask db migrate -m "initial migration"` against an empty SQLite database.

    Checks, before the revision goes near the real database, that it creates
    every table of the models. The scratch database lives in memory:
    autogenerate only needs it to be empty.
    """
    db = app_db()
    if not db.metadata.tables:
        raise SetupError("the app has no models: are they imported in create_app?")
    # The app's db and Migrate (with the options it was given), nothing else:
    # registering the rest of the app (its API's blueprints, say) would only
    # cost time.
    migrate = current_app.extensions["migrate"].migrate
    scratch_app = Flask(current_app.import_name)
    scratch_app.config.update(
        SECRET_KEY=current_app.config.get("SECRET_KEY"),
        SQLALCHEMY_DATABASE_URI=SCRATCH_DATABASE_URL,
    )
    db.init_app(scratch_app)
    migrate.init_app(scratch_app, db, directory=str(directory))
    created: set[str] = set()

    def record_created_tables(context, revision, directives) -> None:
        for script in directives:
            for operation in script.upgrade_ops.ops:
                if isinstance(operation, CreateTableOp):
                    created.add(operation.table_name)

    with scratch_app.app_context(), quiet_alembic():
        # What flask_migrate.migrate runs, plus a look at the operations.
        config = current_app.extensions["migrate"].migrate.get_config(
            str(directory), opts=["autogenerate"]
        )
        try:
            alembic.command.revision(
                config,
                INITIAL_MESSAGE,
                autogenerate=True,
                process_revision_directives=record_created_tables,
            )
        except (CommandError, SQLAlchemyError) as error:
            raise SetupError(
                f"`flask db migrate` failed: {first_line(error)}"
            ) from None
        finally:
            db.engine.dispose()
    revisions = revision_files(directory)
    missing = sorted(set(db.metadata.tables) - created)
    if missing:
        # Not kept, or the next run would find it and apply it.
        for revision in revisions:
            revision.unlink()
        raise SetupError(
            f"autogenerate left {', '.join(missing)} out of the initial "
            "migration, so it was not kept"
        )
    return revisions[-1], len(created)


def shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def first_line(error: Exception) -> str:
    """The driver's own message, without SQLAlchemy's SQL and links."""
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]


def server_engine(url: URL) -> Engine:
    """An engine for one short connection, which gives up on a silent server."""
    connect_args = {}
    if url.get_backend_name() != "sqlite":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return create_engine(
        url, connect_args=connect_args, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )


def ensure_database_reachable(url: URL, create_database: bool) -> None:
    """Connect once before migrating: a failure is one line that says what to do."""
    engine = server_engine(url)
    try:
        with engine.connect() as connection:
            # Reads the schema: SQLite opens any file, and only says it is
            # not a database when it reads one.
            inspect(connection).get_table_names()
        return
    except OperationalError as error:
        if not is_missing_database(error):
            raise SetupError(
                f"cannot connect to {shown(url)} ({first_line(error)}), so "
                "nothing was applied. The migrations are ready: once the server "
                f"is up and DATABASE_URL in .env is right, run `{retry_command()}`"
            ) from None
    except (SQLAlchemyError, TypeError, ValueError) as error:
        raise_unusable_database(url, error)
    finally:
        engine.dispose()
    if not create_database:
        raise MissingDatabase(
            f"the server at {shown(url)} has no database {url.database!r}, so "
            "nothing was applied: create it, or run "
            f"`{retry_command('--create-database')}`"
        )
    create_missing_database(url)
    click.echo(f"  created the database {url.database!r}")


def is_missing_database(error: OperationalError) -> bool:
    first_argument = error.orig.args[0] if error.orig and error.orig.args else None
    return first_argument == MYSQL_UNKNOWN_DATABASE or bool(
        POSTGRESQL_MISSING_DATABASE.search(str(first_argument))
    )


def create_missing_database(url: URL) -> None:
    server_database, options = CREATE_DATABASE[url.get_backend_name()]
    engine = server_engine(url.set(database=server_database))
    try:
        with engine.connect() as connection:
            # Quoted for the driver (a % doubled where it formats parameters),
            # so sent as the driver's SQL: text() would double it again.
            name = connection.dialect.identifier_preparer.quote(url.database)
            connection.exec_driver_sql(f"CREATE DATABASE {name}{options}")
    except SQLAlchemyError as error:
        raise SetupError(
            f"cannot create the database {url.database!r} ({first_line(error)}): "
            f"create it as a user who may, then run `{retry_command()}`"
        ) from None
    finally:
        engine.dispose()


def run_command(command: Callable[..., None], directory: Path, **options) -> None:
    """Run a Flask-Migrate command; a failure becomes one line, not a traceback.

    Flask-Migrate reports Alembic's own errors and exits; an error from the
    database (a table that is already there, say) reaches us as it is.
    """
    try:
        command(directory=str(directory), **options)
    except SystemExit as exit_:
        if exit_.code:
            raise SetupError(
                f"`flask db {command.__name__}` failed (see above)"
            ) from None
    except SQLAlchemyError as error:
        raise SetupError(
            f"`flask db {command.__name__}` failed: {first_line(error)}"
        ) from None


@contextmanager
def quiet_alembic() -> Iterator[None]:
    """Alembic's messages off: this command reports progress itself.

    `quiet` silences most of them; `flask db init` prints some regardless,
    hence the redirect. Errors still reach stderr through logging.
    """
    migrate = current_app.extensions["migrate"].migrate

    def set_quiet(config: AlembicConfig) -> AlembicConfig:
        if config.cmd_opts is None:
            config.cmd_opts = argparse.Namespace()
        config.cmd_opts.quiet = True
        return config

    migrate.configure_callbacks.append(set_quiet)
    try:
        with redirect_stdout(io.StringIO()):
            yield
    finally:
        migrate.configure_callbacks.remove(set_quiet)


# --- Repairs: what an interrupted run left, and a first upgrade never half-done --


def remove_half_made_environment(directory: Path) -> dict[str, bytes]:
    """A migrations/ without env.py, holding only what `flask db init` makes, is
    one an interrupted run left: removed, so that it is made again whole.

    Returns the files to put back once it is (KEPT_FILES: they protect tables).
    """
    if not directory.is_dir() or (directory / "env.py").is_file():
        return {}
    names = {path.name for path in directory.iterdir()}
    if revision_files(directory) or not names <= ENVIRONMENT_FILES:
        raise SetupError(
            f"{directory} has no env.py but holds other files; move it away "
            f"(or restore its env.py), then run `{retry_command()}`"
        )
    kept = {name: (directory / name).read_bytes() for name in names & KEPT_FILES}
    click.echo("Removing the half-made migrations/ that an interrupted run left")
    shutil.rmtree(directory)
    return kept


def remove_half_made_initial_revision(directory: Path) -> None:
    """The revision files of an initial migration whose writing was stopped."""
    pending = directory / "versions" / INITIAL_REVISION_PENDING_FILE
    if not pending.is_file():
        return
    click.echo("Removing the half-made initial migration that an interrupted run left")
    for revision in revision_files(directory):
        revision.unlink()
    pending.unlink()


@contextmanager
def initial_revision_pending(directory: Path) -> Iterator[None]:
    """Mark the initial revision as being written until it is complete."""
    pending = directory / "versions" / INITIAL_REVISION_PENDING_FILE
    pending.parent.mkdir(exist_ok=True)
    pending.write_text("", encoding="utf-8")
    yield
    pending.unlink()


def current_revisions(url: URL) -> tuple[str, ...]:
    engine = server_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()


def table_names(url: URL) -> set[str]:
    engine = server_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@contextmanager
def first_upgrade_guarded(directory: Path, url: URL) -> Iterator[None]:
    """The first upgrade of a database: nothing in its way, and never half-done.

    Before it, the tables the database has are listed as unmanaged, and a
    model's table that is already there stops the setup with one line, before
    anything is applied. On MySQL/MariaDB, whose DDL cannot be rolled back,
    the upgrade is undone if it fails, and an upgrade that was killed is
    undone by the next run (the pending file says which tables were there
    before).
    """
    pending = directory / FIRST_UPGRADE_PENDING_FILE
    if current := current_revisions(url):
        refuse_foreign_history(directory, url, current)
        pending.unlink(missing_ok=True)
        yield
        return
    non_transactional = url.get_backend_name() in NON_TRANSACTIONAL_DDL
    if pending.is_file() and non_transactional:
        click.echo("Undoing the first upgrade that an interrupted run left half-done")
        undo_first_upgrade(url, set(read_table_list(pending)))
        pending.unlink()
    existing = table_names(url)
    record_unmanaged_tables(directory, existing)
    in_the_way = sorted(existing & set(app_db().metadata.tables))
    if in_the_way:
        raise SetupError(
            f"the database already has {len(in_the_way)} table(s) that the "
            f"migrations create: {', '.join(in_the_way)}; nothing was applied. "
            "Rename or drop them (or give the models other tables), then run "
            f"`{retry_command()}` again"
        )
    if not non_transactional:
        yield
        return
    pending.write_text(
        "# The tables the database had before its first upgrade, which was under\n"
        "# way: `flask setup-db` undoes an interrupted one.\n"
        + "".join(f"{name}\n" for name in sorted(existing)),
        encoding="utf-8",
    )
    try:
        yield
    except BaseException:
        click.echo("The first upgrade failed: removing the tables it created", err=True)
        undo_first_upgrade(url, existing)
        pending.unlink()
        raise
    pending.unlink()


def refuse_foreign_history(directory: Path, url: URL, current: tuple[str, ...]) -> None:
    """A database at a revision none of the migrations knows belongs to
    another project (or to another history of this one): no command of this
    project can upgrade it, so say that, not "run it again"."""
    known = {
        script.revision for script in ScriptDirectory(str(directory)).walk_revisions()
    }
    unknown = sorted(set(current) - known)
    if unknown:
        raise SetupError(
            f"the database at {shown(url)} is at revision {', '.join(unknown)}, "
            "which none of this project's migrations knows: it belongs to another "
            "project (or another migration history); nothing was applied. Point "
            "DATABASE_URL in .env at this project's own database, then run "
            f"`{retry_command()}`"
        )


def undo_first_upgrade(url: URL, existing_before: set[str]) -> None:
    """Drop the tables a failed first upgrade created: the models' tables and
    Alembic's, that were not there before it. Nothing else is touched."""
    ours = set(app_db().metadata.tables) | {ALEMBIC_VERSION_TABLE}
    created = sorted((table_names(url) - existing_before) & ours)
    engine = server_engine(url)
    try:
        with engine.connect() as connection:
            quote = connection.dialect.identifier_preparer.quote
            connection.execute(text("SET FOREIGN_KEY_CHECKS = 0"))
            for name in created:
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)}")
            connection.execute(text("SET FOREIGN_KEY_CHECKS = 1"))
    finally:
        engine.dispose()


def raise_unusable_database(url: URL, error: Exception) -> NoReturn:
    """The driver refused the URL or the database (a file that is not a SQLite
    database, an option it does not know): one line, not its traceback."""
    raise SetupError(
        f"cannot use {shown(url)}: {first_line(error)}; nothing was applied. "
        "The migrations are ready: correct DATABASE_URL in .env, then run "
        f"`{retry_command()}`"
    ) from None
