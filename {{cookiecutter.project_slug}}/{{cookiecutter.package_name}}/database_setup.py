"""`flask setup-db`: set the database up, doing only the steps still missing.

1. `flask db init`, when migrations/ has no environment yet;
2. `flask db migrate -m "initial migration"`, when there is no revision yet,
   generated against an empty scratch database: autogenerate compares the
   models with the database it is given, so an existing database would give
   an incomplete migration, or one that drops its other tables;
3. `flask db upgrade`.

All three run in this one process through Flask-Migrate's Python API.
`python3 bin/setup` runs this command; so does the template's bake.
"""

import argparse
import io
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import click
import flask_migrate
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import URL, create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from .config import Config
from .extensions import db

INITIAL_MESSAGE = "initial migration"
ENVIRONMENT_TEMPLATE = Path(__file__).parent / "migrations_template"

# What the drivers say when the server answers but the database is not there.
POSTGRESQL_MISSING_DATABASE = re.compile(r'database ".*" does not exist')
MYSQL_UNKNOWN_DATABASE = 1049


class SetupError(click.ClickException):
    """A step failed; the message says what, and what to run next."""


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
    if not (directory / "env.py").is_file():
        click.echo("Creating migrations/ (flask db init)")
        with quiet_alembic():
            run_command(
                flask_migrate.init, directory, template=str(ENVIRONMENT_TEMPLATE)
            )
    if not revision_files(directory):
        click.echo("Generating the initial migration against an empty scratch database")
        revision, table_count = create_initial_migration(directory)
        click.echo(f"  {revision.name}: creates {table_count} table(s)")
    url = db.engine.url
    click.echo(f"Applying migrations to {url.render_as_string(hide_password=True)}")
    ensure_database_reachable(url, create_database)
    with quiet_alembic():
        run_command(flask_migrate.upgrade, directory)
    click.echo("The database is up to date")


def revision_files(directory: Path) -> list[Path]:
    return sorted((directory / "versions").glob("*.py"))


def create_initial_migration(directory: Path) -> tuple[Path, int]:
    """Autogenerate the first revision against an empty SQLite database.

    Then apply it there, to check that it creates every table of the models.
    """
    from . import create_app  # here, not at the top: the package imports us

    with tempfile.TemporaryDirectory(prefix="setup-db-") as scratch:
        scratch_url = f"sqlite:///{Path(scratch) / 'scratch.db'}"
        scratch_app = create_app(
            Config(
                SECRET_KEY=current_app.config["SECRET_KEY"],
                SQLALCHEMY_DATABASE_URI=scratch_url,
            )
        )
        with scratch_app.app_context(), quiet_alembic():
            run_command(flask_migrate.migrate, directory, message=INITIAL_MESSAGE)
            revisions = revision_files(directory)
            if not revisions:
                raise SetupError(
                    "`flask db migrate` found no tables: are the models imported "
                    "in create_app?"
                )
            run_command(flask_migrate.upgrade, directory)
            created = set(inspect(db.engine).get_table_names())
            db.engine.dispose()
    missing = sorted(set(db.metadata.tables) - created)
    if missing:
        raise SetupError(
            f"the initial migration {revisions[-1].name} does not create "
            f"{', '.join(missing)}"
        )
    return revisions[-1], len(db.metadata.tables)


def ensure_database_reachable(url: URL, create_database: bool) -> None:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0]
        if not is_missing_database(error):
            raise SetupError(
                f"cannot reach the database ({reason}). The migrations are "
                "ready: run `flask setup-db` (or `flask db upgrade`) once it is up"
            ) from None
    if not create_database:
        raise SetupError(
            f"the server has no database {url.database!r}: create it, or run "
            "`flask setup-db --create-database`"
        )
    create_missing_database(url)
    click.echo(f"  created the database {url.database!r}")


def is_missing_database(error: OperationalError) -> bool:
    first_argument = error.orig.args[0] if error.orig and error.orig.args else None
    return first_argument == MYSQL_UNKNOWN_DATABASE or bool(
        POSTGRESQL_MISSING_DATABASE.search(str(first_argument))
    )


def create_missing_database(url: URL) -> None:
    if url.get_backend_name() == "postgresql":
        server_url = url.set(database="postgres")
    else:
        server_url = url.set(database=None)
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            name = connection.dialect.identifier_preparer.quote(url.database)
            connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()


def run_command(command: Callable[..., None], directory: Path, **options) -> None:
    """Run a Flask-Migrate command; it reports its own error and exits on failure."""
    try:
        command(directory=str(directory), **options)
    except SystemExit as exit_:
        if exit_.code:
            raise SetupError(
                f"`flask db {command.__name__}` failed (see above)"
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
