"""flask_db_kit.migrations: what autogenerate writes with alembic_options(),
and what migrations_guarded does around the migrations."""

from pathlib import Path

import flask_migrate
import pytest
from alembic import command
from alembic.operations import ops
from click.testing import Result
from flask import Flask
from flask_db_kit.migrations import (
    POSTGRESQL_LOCK_KEY,
    alembic_options,
    migrations_guarded,
    mysql_lock_name,
)
from migration_app import execute
from sqlalchemy import URL, create_engine, inspect, text
from sqlalchemy.pool import NullPool


def invoke(app: Flask, *arguments: str) -> Result:
    """`flask <arguments>` for this app, even where another app's context is
    pushed (Flask's commands use the current app when there is one)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(arguments))


def set_up(apps, url: URL, directory: Path):
    app = apps(url, directory)
    result = invoke(app, "setup-db")
    assert result.exit_code == 0, result.output
    return app


def scalar(url: URL, statement: str, **parameters):
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text(statement), parameters).scalar()
    finally:
        engine.dispose()


def enum_types(url: URL) -> set[str]:
    if url.get_backend_name() != "postgresql":
        return set()
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT typname FROM pg_type WHERE typtype = 'e'")
            )
            return {name for (name,) in rows}
    finally:
        engine.dispose()


def test_later_change_up_down_and_up_again(database_url: URL, apps, tmp_path: Path):
    """An enum column added later: its type made before it (PostgreSQL), and
    dropped by the downgrade; the loop of keys survives base and back."""
    directory = tmp_path / "migrations"
    set_up(apps, database_url, directory)
    execute(
        database_url,
        "INSERT INTO authors (id, name) VALUES (1, 'Ann')",
        "INSERT INTO books (id, genre, author_id) VALUES (1, 'fiction', 1)",
        "UPDATE authors SET favourite_book_id = 1",
    )
    app = apps(database_url, directory, version=2)
    with app.app_context():
        flask_migrate.migrate(directory=str(directory), message="shade")
        [revision] = (directory / "versions").glob("*_shade.py")
        code = revision.read_text(encoding="utf-8")
        assert (
            'sa.Enum("light", "dark", name="shade").create(op.get_bind(), checkfirst=True)'
            in code
        )
        assert 'sa.Enum(name="shade").drop(op.get_bind(), checkfirst=True)' in code

        flask_migrate.upgrade(directory=str(directory))
        flask_migrate.check(directory=str(directory))  # exits 1 on drift

        # Nothing changed since: no revision file.
        flask_migrate.migrate(directory=str(directory), message="nothing")
        assert not list((directory / "versions").glob("*_nothing.py"))

        if database_url.get_backend_name() == "postgresql":
            assert {"genre", "shade"} <= enum_types(database_url)
        flask_migrate.downgrade(directory=str(directory))
        assert "shade" not in enum_types(database_url)
        # SQLite copied the table to drop the column: foreign keys were off
        # (SET NULL kept away) and AUTOINCREMENT was kept.
        assert scalar(database_url, "SELECT favourite_book_id FROM authors") == 1
        if database_url.get_backend_name() == "sqlite":
            sql = scalar(
                database_url, "SELECT sql FROM sqlite_master WHERE name = 'books'"
            )
            assert "AUTOINCREMENT" in sql

        flask_migrate.downgrade(directory=str(directory), revision="base")
        assert enum_types(database_url) == set()
        flask_migrate.upgrade(directory=str(directory))
        flask_migrate.check(directory=str(directory))
    engine = create_engine(database_url, poolclass=NullPool)
    [key] = inspect(engine).get_foreign_keys("authors")
    engine.dispose()
    assert key["referred_table"] == "books"


def test_offline_sql(apps, tmp_path: Path):
    url = URL.create("sqlite", database=str(tmp_path / "app.db"))
    app = set_up(apps, url, tmp_path / "migrations")

    result = invoke(app, "db", "upgrade", "--sql")

    assert result.exit_code == 0, result.output
    assert "CREATE TABLE books" in result.output


def test_sqlite_refuses_to_commit_rows_referring_to_nothing(apps, tmp_path: Path):
    url = URL.create("sqlite", database=str(tmp_path / "app.db"))
    directory = tmp_path / "migrations"
    app = set_up(apps, url, directory)
    execute(
        url,
        "INSERT INTO authors (id, name) VALUES (1, 'Ann')",
        "INSERT INTO books (id, genre, author_id) VALUES (1, 'fiction', 1)",
    )
    [initial] = (directory / "versions").glob("*.py")
    (directory / "versions" / "0002_careless.py").write_text(
        "from alembic import op\n"
        "revision = '0002'\n"
        f"down_revision = {initial.name.split('_')[1]!r}\n"
        "def upgrade():\n"
        "    op.execute('CREATE TABLE scratch (id INTEGER)')\n"
        "    op.execute('DELETE FROM authors')\n",
        encoding="utf-8",
    )
    with app.app_context(), pytest.raises(SystemExit):
        flask_migrate.upgrade(directory=str(directory))

    assert scalar(url, "SELECT count(*) FROM authors") == 1
    assert scalar(url, "SELECT count(*) FROM sqlite_master WHERE name = 'scratch'") == 0


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_the_migration_lock_is_held_while_migrating(backend, server_database):
    url = server_database(backend, create=True)
    engine = create_engine(url, poolclass=NullPool)
    if backend == "postgresql":
        taken = "SELECT pg_try_advisory_lock(:key)"
        released = "SELECT pg_advisory_unlock(:key)"
        parameters = {"key": POSTGRESQL_LOCK_KEY}
    else:
        taken = "SELECT GET_LOCK(:key, 0)"
        released = "SELECT RELEASE_LOCK(:key)"
    try:
        with engine.connect() as migrating, migrations_guarded(migrating):
            if backend == "mariadb":
                parameters = {"key": mysql_lock_name(migrating)}
            with engine.connect() as other:
                assert not other.execute(text(taken), parameters).scalar()
        with engine.connect() as other:
            assert other.execute(text(taken), parameters).scalar()
            other.execute(text(released), parameters)
    finally:
        engine.dispose()


def test_a_given_connection_stays_in_its_callers_transaction(
    server_database, apps, tmp_path: Path
):
    """pytest-alembic hands env.py a connection: no lock (which would commit),
    the caller's transaction, which the caller may roll back."""
    url = server_database("postgresql", create=True)
    directory = tmp_path / "migrations"
    set_up(apps, url, directory)
    app = apps(url, directory)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with app.app_context(), engine.connect() as connection:
            flask_migrate.downgrade(directory=str(directory), revision="base")
            config = app.extensions["migrate"].migrate.get_config(str(directory))
            config.attributes["connection"] = connection
            connection.begin()
            command.upgrade(config, "head")
            assert "books" in inspect(connection).get_table_names()
            connection.rollback()
            assert "books" not in inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_a_projects_own_hooks_come_with_the_kits():
    calls = []

    def theirs(context, revision, directives):
        calls.append(list(directives))

    def their_render(type_, item, autogen_context):
        return "rendered by them" if type_ == "type" else False

    def their_include(name, type_, parent_names):
        return name != "hidden"

    options = alembic_options(
        process_revision_directives=theirs,
        render_item=their_render,
        include_name=their_include,
        compare_server_default=True,
    )

    assert options["compare_server_default"] is True
    assert options["render_item"]("type", object(), None) == "rendered by them"
    assert options["render_item"]("column", object(), None) is False
    assert options["include_name"]("hidden", "table", {}) is False
    assert options["include_name"]("books", "table", {}) is True
    script = ops.MigrationScript(
        "abc", ops.UpgradeOps(ops=[ops.CreateTableOp("t", [])]), ops.DowngradeOps()
    )
    options["process_revision_directives"](None, None, [script])
    assert calls == [[script]]


def test_a_new_table_on_a_shared_enum_type_does_not_create_it_again():
    """Two tables share one PostgreSQL enum type (`:type=`): a revision that
    creates the second keeps the first's type (create_type=False), and one
    that creates both lets create_table make it once."""
    from types import SimpleNamespace

    import sqlalchemy as sa
    from alembic.autogenerate import render_python_code
    from flask_db_kit.migrations import create_and_drop_enum_types

    metadata = sa.MetaData()
    kinds = ("admin", "member")
    for name in ("users", "badges"):
        sa.Table(
            name,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("kind", sa.Enum(*kinds, name="role_kind")),
        )
    context = SimpleNamespace(opts={"target_metadata": metadata})

    def upgrade_of(*tables: str) -> str:
        script = ops.MigrationScript(
            "rev",
            ops.UpgradeOps(
                [ops.CreateTableOp.from_table(metadata.tables[t]) for t in tables]
            ),
            ops.DowngradeOps([]),
        )
        create_and_drop_enum_types(context, None, [script])
        return render_python_code(script.upgrade_ops)

    later = upgrade_of("badges")
    assert (
        "postgresql.ENUM('admin', 'member', name='role_kind', create_type=False)"
        in later
    )
    both = upgrade_of("users", "badges")
    assert "create_type=False" not in both
    # The models' own columns are left as they are.
    assert type(metadata.tables["badges"].c.kind.type) is sa.Enum
