"""The schema-change flow a user follows after the bake, with the real `flask`
CLI: edit a model, `flask db migrate`, `flask db upgrade`, `flask db downgrade`,
with data in the table throughout (SQLite, through batch mode)."""

from __future__ import annotations

import sqlite3

from tests.baking import flask


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
