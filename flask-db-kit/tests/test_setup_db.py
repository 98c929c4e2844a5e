"""`flask setup-db`: from nothing to an up-to-date database, and every repair."""

from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask_db_kit.migrations import TEMPLATE_DIRECTORY, UNMANAGED_TABLES_FILE
from flask_db_kit.setup_db import RETRY_COMMAND_VARIABLE
from migration_app import execute, server_engine, tables
from sqlalchemy import URL, create_engine, inspect
from sqlalchemy.pool import NullPool


def invoke(app: Flask, *arguments: str) -> Result:
    """`flask <arguments>` for this app, even where another app's context is
    pushed (Flask's commands use the current app when there is one)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(arguments))


MODEL_TABLES = {"authors", "books"}


def test_from_nothing_then_nothing_to_do(database_url: URL, apps, tmp_path: Path):
    directory = tmp_path / "migrations"
    app = apps(database_url, directory)

    result = setup_db(app)

    assert result.exit_code == 0, result.output
    assert "Creating migrations/ (flask db init)" in result.output
    assert "creates 2 table(s)" in result.output
    assert result.output.rstrip().endswith("The database is up to date")
    assert tables(database_url) == MODEL_TABLES | {"alembic_version"}
    env = (directory / "env.py").read_text(encoding="utf-8")
    assert env == (TEMPLATE_DIRECTORY / "env.py").read_text(encoding="utf-8")
    [revision] = (directory / "versions").glob("*.py")
    code = revision.read_text(encoding="utf-8")
    # Server defaults that mean the same on every database: a text as it is,
    # and SQL functions (the kit's, the app's) imported and called.
    assert 'server_default="untitled"' in code
    assert "from flask_db_kit.utc import UtcNow" in code
    assert "from migration_app import Zero" in code
    assert "server_default=Zero()" in code
    # The loop's closing key is there on the databases that ALTER.
    engine = create_engine(database_url, poolclass=NullPool)
    keys = inspect(engine).get_foreign_keys("authors")
    engine.dispose()
    assert [key["referred_table"] for key in keys] == ["books"]

    again = setup_db(app)

    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [
        f"Applying migrations to {database_url.render_as_string()}",
        "The database is up to date",
    ]
    assert list((directory / "versions").glob("*.py")) == [revision]


def setup_db(app, *options: str):
    return invoke(app, "setup-db", *options)


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_missing_database(backend, server_database, apps, tmp_path, monkeypatch):
    """Exit status 3 and one line naming the retry; --create-database creates
    the database with exactly the name the URL gives."""
    # A `%s` (what a driver formats) and a `/` (a `%2F` in the URL's text).
    url = server_database(backend, prefix="kit b%s/")
    name = url.database
    app = apps(url, tmp_path / "migrations")
    monkeypatch.setenv(RETRY_COMMAND_VARIABLE, "bin/setup")

    refused = setup_db(app)

    assert refused.exit_code == 3, refused.output
    [error] = [line for line in refused.output.splitlines() if "Error" in line]
    assert f"has no database {name!r}" in error
    assert error.endswith("run `bin/setup --create-database`")

    created = setup_db(app, "--create-database")

    assert created.exit_code == 0, created.output
    assert f"created the database {name!r}" in created.output
    assert tables(url) == MODEL_TABLES | {"alembic_version"}
    assert name in server_databases(backend)  # the name itself, no %% for %


def server_databases(backend: str) -> set[str]:
    list_databases = {
        "postgresql": "SELECT datname FROM pg_database",
        "mariadb": "SHOW DATABASES",
    }[backend]
    with server_engine(backend).connect() as connection:
        return set(connection.exec_driver_sql(list_databases).scalars())


def test_unmanaged_tables_are_left_alone(tmp_path: Path, apps):
    url = URL.create("sqlite", database=str(tmp_path / "app.db"))
    execute(url, "CREATE TABLE legacy (id INTEGER PRIMARY KEY)")
    directory = tmp_path / "migrations"
    app = apps(url, directory)

    result = setup_db(app)

    assert result.exit_code == 0, result.output
    assert "leaving alone 1 table(s) the database already has: legacy" in result.output
    listing = (directory / UNMANAGED_TABLES_FILE).read_text(encoding="utf-8")
    assert listing.splitlines()[-1] == "legacy"
    assert "legacy" in tables(url)
    with app.app_context():
        import flask_migrate

        flask_migrate.check(directory=str(directory))  # exits 1 on a difference


def test_a_model_table_in_the_way_stops_before_anything(tmp_path: Path, apps):
    url = URL.create("sqlite", database=str(tmp_path / "app.db"))
    execute(url, "CREATE TABLE books (id INTEGER PRIMARY KEY)")
    app = apps(url, tmp_path / "migrations")

    result = setup_db(app)

    assert result.exit_code == 1
    assert "the database already has 1 table(s) that the migrations create: books" in (
        result.output
    )
    assert tables(url) == {"books"}


def test_another_projects_database_is_named_as_such(tmp_path: Path, apps):
    """A database another project migrated (its alembic_version at a
    revision these migrations do not have): one line saying so, nothing
    applied, and no advice to run the same command again as it is."""
    url = URL.create("sqlite", database=str(tmp_path / "app.db"))
    execute(
        url,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('0ther0project')",
    )
    result = setup_db(apps(url, tmp_path / "migrations"))
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if "Error" in line]
    assert "is at revision 0ther0project, which none of this project's" in line
    assert "belongs to another project" in line and "Point DATABASE_URL" in line
    assert tables(url) == {"alembic_version"}


def test_half_made_environment_and_revision_are_made_again(tmp_path: Path, apps):
    url = URL.create("sqlite", database=str(tmp_path / "app.db"))
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "alembic.ini").write_text("[alembic]\n", encoding="utf-8")
    (directory / UNMANAGED_TABLES_FILE).write_text("# none\nold\n", encoding="utf-8")
    app = apps(url, directory)

    result = setup_db(app)

    assert result.exit_code == 0, result.output
    assert "Removing the half-made migrations/" in result.output
    assert (directory / "env.py").is_file()
    assert "old" in (directory / UNMANAGED_TABLES_FILE).read_text(encoding="utf-8")

    # A run stopped while writing the initial revision: made again.
    execute(url, "DROP TABLE books", "DROP TABLE authors", "DROP TABLE alembic_version")
    versions = directory / "versions"
    [revision] = versions.glob("*.py")
    revision.write_text("half", encoding="utf-8")
    (versions / ".initial-revision-pending").write_text("", encoding="utf-8")

    repaired = setup_db(app)

    assert repaired.exit_code == 0, repaired.output
    assert "Removing the half-made initial migration" in repaired.output
    assert tables(url) == MODEL_TABLES | {"alembic_version"}


def test_environment_with_other_files_is_not_touched(tmp_path: Path, apps):
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "notes.txt").write_text("mine", encoding="utf-8")
    app = apps(URL.create("sqlite", database=str(tmp_path / "app.db")), directory)

    result = setup_db(app)

    assert result.exit_code == 1
    assert "has no env.py but holds other files" in result.output
    assert (directory / "notes.txt").is_file()


def test_mariadb_half_done_first_upgrade_is_undone(server_database, apps, tmp_path):
    """A first upgrade killed half-way on MariaDB (no transactional DDL) left a
    table and the pending file: the next run drops what it made, and only
    that, then upgrades."""
    url = server_database("mariadb", create=True)
    execute(url, "CREATE TABLE legacy (id INT PRIMARY KEY)")
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / ".first-upgrade-pending").write_text("# before\nlegacy\n")
    execute(url, "CREATE TABLE books (id INT PRIMARY KEY)")
    app = apps(url, directory)

    result = setup_db(app)

    assert result.exit_code == 0, result.output
    assert "Undoing the first upgrade" in result.output
    assert tables(url) == MODEL_TABLES | {"alembic_version", "legacy"}
    assert not (directory / ".first-upgrade-pending").exists()


def test_no_models(tmp_path: Path):
    from flask import Flask
    from flask_db_kit.migrations import alembic_options
    from flask_db_kit.setup_db import setup_db_command
    from flask_migrate import Migrate
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy()
    db.init_app(app)
    Migrate(**alembic_options()).init_app(app, db, directory=str(tmp_path / "m"))
    app.cli.add_command(setup_db_command)

    result = setup_db(app)

    assert result.exit_code == 1
    assert "the app has no models" in result.output
