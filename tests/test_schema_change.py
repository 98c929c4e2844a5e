"""The schema-change flow a user follows after the bake, with the real `flask`
CLI: edit a model, `flask db migrate`, `flask db upgrade`, `flask db downgrade`,
with data in the table throughout (SQLite, through batch mode); and a later
revision that fails, on MariaDB and PostgreSQL."""

from __future__ import annotations

import sqlite3
import sys

import pytest
from sqlalchemy import inspect

from tests.baking import flask, run
from tests.servers import SERVERS, require, throwaway_databases


def add_bio_to_user(models_py) -> None:
    source = models_py.read_text()
    table_line = '    __tablename__ = "users"\n'
    assert table_line in source
    source = source.replace(
        table_line, table_line + "    bio: Mapped[str | None] = mapped_column(Text)\n"
    )
    models_py.write_text("from sqlalchemy import Text\n" + source)


def columns(database) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[1] for row in connection.execute("PRAGMA table_info(users)")]


def usernames(database) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("SELECT username FROM users")]


def test_add_a_column_upgrade_and_downgrade_keep_the_data(bake):
    project = bake()
    database = project / "instance" / "my_flask_app.db"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO users (username, email) VALUES ('ada', 'ada@example.com')"
        )

    add_bio_to_user(project / "my_flask_app" / "models.py")
    flask(project, "db", "migrate", "-m", "add bio")
    [revision] = (project / "migrations" / "versions").glob("*_add_bio.py")
    source = revision.read_text()
    # Batch mode on SQLite, keeping the table's AUTOINCREMENT in the copy.
    assert (
        'batch_alter_table(\n        "users", schema=None, '
        'table_kwargs={"sqlite_autoincrement": True}\n    )'
    ) in source
    assert 'batch_op.add_column(sa.Column("bio", sa.Text(), nullable=True))' in source
    assert "drop_table" not in source

    flask(project, "db", "upgrade")
    assert "bio" in columns(database)
    assert usernames(database) == ["ada"]
    flask(project, "db", "check")

    flask(project, "db", "downgrade")
    assert "bio" not in columns(database)
    assert usernames(database) == ["ada"]


def test_no_change_writes_no_revision(bake):
    project = bake()
    result = flask(project, "db", "migrate", "-m", "nothing")
    output = result.stderr + result.stdout
    assert "No changes in schema detected" in output
    # Alembic's own plugins are not announced, one line each, every time.
    assert "autogenerate plugin" not in output
    assert len(list((project / "migrations" / "versions").glob("*.py"))) == 1


def rows(database, table: str) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_copying_a_referenced_table_keeps_the_rows_that_refer_to_it(bake):
    """The app turns SQLite's foreign keys on; a batch migration copies a table
    and drops the old one, which with them on would delete the rows that refer
    to it (:cascade) or empty their reference (:nullify). The migrations turn
    them off while they run, and check the rows before they commit."""
    project = bake(
        models=(
            "User username:string{80}!:unique email:string{120}!:unique;"
            " Post title author:references{User.posts}:cascade;"
            " Note body editor:references{User.notes}?:nullify"
        )
    )
    database = project / "instance" / "my_flask_app.db"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO users (username, email) VALUES ('ada', 'ada@example.com')"
        )
        connection.execute("INSERT INTO posts (title, author_id) VALUES ('p', 1)")
        connection.execute("INSERT INTO notes (body, editor_id) VALUES ('n', 1)")
    posts, notes = rows(database, "posts"), rows(database, "notes")

    add_bio_to_user(project / "my_flask_app" / "models.py")
    flask(project, "db", "migrate", "-m", "add bio")
    flask(project, "db", "upgrade")
    assert "bio" in columns(database)
    assert (rows(database, "posts"), rows(database, "notes")) == (posts, notes)

    flask(project, "db", "downgrade")
    assert "bio" not in columns(database)
    assert (rows(database, "posts"), rows(database, "notes")) == (posts, notes)
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_migration_that_leaves_rows_referring_to_nothing_is_refused(bake):
    """With foreign keys off while it runs, a migration could delete a row that
    others still refer to: the migrations check them before they commit."""
    project = bake(
        models=(
            "User username:string{80}!:unique email:string{120}!:unique;"
            " Post title author:references{User.posts}"
        )
    )
    database = project / "instance" / "my_flask_app.db"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO users (username, email) VALUES ('ada', 'ada@example.com')"
        )
        connection.execute("INSERT INTO posts (title, author_id) VALUES ('p', 1)")
    flask(project, "db", "revision", "-m", "forget ada")
    [revision] = (project / "migrations" / "versions").glob("*_forget_ada.py")
    source = revision.read_text()
    assert source.count("    pass\n") == 2
    # The revision's formatting dropped the unused `op` import.
    forget = '    from alembic import op\n\n    op.execute("DELETE FROM users")\n'
    revision.write_text(source.replace("    pass\n", forget, 1))

    result = flask(project, "db", "upgrade", check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert "1 row(s) of posts referring to no row of users" in result.stderr
    assert usernames(database) == ["ada"]


# --- A later revision that fails, on the real servers ---------------------------


def add_required_unique_code(models_py) -> None:
    """A NOT NULL, unique column without a default: the mistake of issue 20."""
    source = models_py.read_text()
    line = "    email: Mapped[str] = mapped_column(String(120), unique=True)\n"
    assert line in source
    code = "    code: Mapped[str] = mapped_column(String(20), unique=True)\n"
    models_py.write_text(source.replace(line, line + code))


@pytest.fixture(params=["mariadb", "postgresql"])
def server_project(request, bake):
    """A default bake on a database of its own on each server, with two users."""
    server = require(SERVERS[request.param])
    with throwaway_databases(server) as databases:
        database = databases.create()
        project = bake(database_url=server.database_url(database))
        for name in ("ada", "bob"):
            server.execute(
                "INSERT INTO users (username, email, created_at, updated_at) VALUES"
                f" ('{name}', '{name}@example.com', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)",
                database,
            )
        yield server, database, project


def user_columns(server, database: str) -> set[str]:
    engine = server.engine(database)
    try:
        return {column["name"] for column in inspect(engine).get_columns("users")}
    finally:
        engine.dispose()


def test_a_later_revision_that_fails_is_one_line_and_never_half_applied(
    server_project,
):
    """MariaDB cannot roll DDL back: the column the revision added is taken
    away again, so the history stays right; PostgreSQL refuses the column
    and rolls back. Either way one line names the column and the fix."""
    server, database, project = server_project
    add_required_unique_code(project / "my_flask_app" / "models.py")
    flask(project, "db", "migrate", "-m", "add code")
    before = flask(project, "db", "current").stdout

    for _ in range(2):  # the second time fails as the first: nothing was left
        failed = run(
            [sys.executable, "-m", "flask", "db", "upgrade"], project, check=False
        )
        assert failed.returncode == 1
        output = failed.stdout + failed.stderr
        assert "Traceback" not in output, output
        [line] = [line for line in output.splitlines() if "Error: " in line]
        assert '("add code") failed at ' in line, line
        assert line.endswith(
            ". users.code is NOT NULL without a default and users has rows: give it a"
            " server_default, or add it nullable, fill it in a data step"
            " (op.execute), then make it NOT NULL"
        ), line
        if server.name == "mariadb":
            assert "Duplicate entry '' for key 'uq_users_code'" in line, line
            assert (
                "MariaDB cannot roll back DDL, so what it applied was undone"
                " (add column users.code)"
            ) in line, line
        else:
            assert 'column "code" of relation "users" contains null values' in line
            assert "the database rolled the whole command back" in line, line
        assert "code" not in user_columns(server, database)
        assert flask(project, "db", "current").stdout == before

    # Autogenerate, comparing with that database, still sees the column to add.
    [revision] = (project / "migrations" / "versions").glob("*_add_code.py")
    revision.unlink()
    flask(project, "db", "migrate", "-m", "add code")
    [revision] = (project / "migrations" / "versions").glob("*_add_code.py")
    assert 'batch_op.add_column(sa.Column("code"' in revision.read_text()
