"""flask_db_kit.failed_migrations: a revision that fails is one line, and on
MariaDB what it applied is undone, so that the history stays right."""

from pathlib import Path

from click.testing import Result
from flask import Flask
from migration_app import execute
from sqlalchemy import URL, create_engine, inspect, text
from sqlalchemy.pool import NullPool

# A revision adding a NOT NULL, unique column without a default to a table
# with rows: PostgreSQL refuses the column; MariaDB adds it (with '' in every
# row), and then fails on the unique constraint.
REVISION = '''"""add code

Revision ID: c0de
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "c0de"
down_revision = "{down}"


def upgrade():
    with op.batch_alter_table("authors") as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(20), nullable=False{default}))
        batch_op.create_unique_constraint("uq_authors_code", ["code"])


def downgrade():
    with op.batch_alter_table("authors") as batch_op:
        batch_op.drop_constraint("uq_authors_code", type_="unique")
        batch_op.drop_column("code")
'''


def invoke(app: Flask, *arguments: str) -> Result:
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(arguments))


def columns(url: URL, table: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def version(url: URL) -> str:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar()
    finally:
        engine.dispose()


def test_a_failed_revision_is_one_line_and_leaves_the_database_as_it_was(
    database_url: URL, apps, tmp_path: Path, capfd
):
    directory = tmp_path / "migrations"
    app = apps(database_url, directory)
    assert invoke(app, "setup-db").exit_code == 0
    initial = version(database_url)
    execute(
        database_url,
        "INSERT INTO authors (id, name) VALUES (1, 'Ann')",
        "INSERT INTO authors (id, name) VALUES (2, 'Bob')",
    )
    revision = directory / "versions" / "c0de_add_code.py"
    revision.write_text(REVISION.format(down=initial, default=""))
    capfd.readouterr()

    failed = invoke(app, "db", "upgrade")
    assert failed.exit_code == 1
    output = failed.output + "".join(capfd.readouterr())
    assert "Traceback" not in output, output
    # Flask-Migrate's logging: "ERROR [flask_migrate] Error: ..."
    [line] = [line for line in output.splitlines() if "Error: " in line]
    assert 'Error: the revision c0de ("add code") failed' in line, line
    assert line.endswith(
        ". authors.code is NOT NULL without a default and authors has rows: give it"
        " a server_default, or add it nullable, fill it in a data step (op.execute),"
        " then make it NOT NULL"
    ), line
    backend = database_url.get_backend_name()
    if backend == "mysql":  # MariaDB, by pymysql
        assert "at add constraint uq_authors_code to authors: (1062, " in line, line
        assert (
            "; MariaDB cannot roll back DDL, so what it applied was undone "
            f"(add column authors.code): the database stays at {initial}."
        ) in line, line
    else:
        assert "; the database rolled the whole command back. " in line, line
    if backend == "postgresql":
        assert (
            'failed at add column authors.code: column "code" of relation "authors"'
            " contains null values;"
        ) in line, line
    # The database as it was: no half-applied revision.
    assert "code" not in columns(database_url, "authors")
    assert version(database_url) == initial

    # The fix the line names: once the revision has it, the upgrade works.
    revision.write_text(REVISION.format(down=initial, default=", server_default='x'"))
    execute(database_url, "DELETE FROM authors WHERE id = 2")  # unique: one row
    fixed = invoke(app, "db", "upgrade")
    assert fixed.exit_code == 0, fixed.output
    assert "code" in columns(database_url, "authors")
    assert version(database_url) == "c0de"


# A revision whose second operation cannot be undone (the dropped column's
# data is gone), and whose third fails.
IRREVERSIBLE = '''"""drop copies

Revision ID: d0d0
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "d0d0"
down_revision = "{down}"


def upgrade():
    op.add_column("authors", sa.Column("rank", sa.Integer()))
    op.drop_column("books", "copies")
    op.execute("SELECT nothing FROM no_such_table")


def downgrade():
    pass
'''


def test_on_mariadb_what_cannot_be_undone_is_named(
    server_database, apps, tmp_path: Path, capfd
):
    url = server_database("mariadb", create=True)
    directory = tmp_path / "migrations"
    app = apps(url, directory)
    assert invoke(app, "setup-db").exit_code == 0
    initial = version(url)
    (directory / "versions" / "d0d0_drop_copies.py").write_text(
        IRREVERSIBLE.format(down=initial)
    )
    capfd.readouterr()
    failed = invoke(app, "db", "upgrade")
    assert failed.exit_code == 1
    output = failed.output + "".join(capfd.readouterr())
    assert "Traceback" not in output, output
    [line] = [line for line in output.splitlines() if "Error: " in line]
    assert (
        'the revision d0d0 ("drop copies") failed at op.execute(...): (1146, ' in line
    )
    assert line.endswith(
        "; MariaDB cannot roll back DDL; still applied: add column authors.rank, "
        "drop column books.copies: undo that by hand, then run `flask db upgrade` "
        f"again (the database is at {initial})"
    ), line
    assert version(url) == initial
