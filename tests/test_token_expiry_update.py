"""A project baked before API tokens could expire gets the kit's new
`api_tokens.expires_at` column the way flask-db-kit's README says: its own
checks notice the models and the migrations apart, `flask db migrate` writes
the one `add_column`, and `flask db upgrade` applies it, keeping its tokens
(issue 21)."""

from __future__ import annotations

import re
import sqlite3
import sys

import pytest

from tests.baking import flask, run

pytestmark = pytest.mark.slow

EXPIRY_COLUMN = re.compile(
    r"\n *sa\.Column\(.expires_at., sa\.DateTime\(\), nullable=True\),"
)


def test_a_project_made_without_token_expiry_migrates_to_it(bake):
    project = bake()
    [initial] = (project / "migrations" / "versions").glob("*_initial_migration.py")
    text = initial.read_text()
    # Fresh bakes have the column in their initial migration.
    assert len(EXPIRY_COLUMN.findall(text)) == 1
    # As flask-db-kit 0.1 wrote it: the table without the column.
    initial.write_text(EXPIRY_COLUMN.sub("", text))
    database = project / "instance" / "my_flask_app.db"
    database.unlink()
    flask(project, "db", "upgrade")
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO api_tokens (name, token_hash, read_only)"
            " VALUES ('made-before', :hash, 0)",
            {"hash": "0" * 64},
        )
    connection.close()

    # The project's own drift check tells the models and migrations apart.
    check = run([sys.executable, "-m", "flask", "db", "check"], project, check=False)
    assert check.returncode != 0
    assert "expires_at" in check.stdout + check.stderr

    flask(project, "db", "migrate", "-m", "API token expiry")
    [revision] = (project / "migrations" / "versions").glob("*_api_token_expiry.py")
    operations = re.findall(r"^ +\S.*\S$", revision.read_text(), re.M)
    # The one column added, and dropped on the way down (in SQLite's batch mode).
    assert [line.strip() for line in operations if "_op." in line] == [
        'batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))',
        'batch_op.drop_column("expires_at")',
    ], revision.read_text()
    flask(project, "db", "upgrade")
    flask(project, "db", "check")

    flask(project, "tokens", "create", "new", "--expires", "7d")
    listed = flask(project, "tokens", "list").stdout
    [before] = [line for line in listed.splitlines() if line.endswith("made-before")]
    assert "never expires" in before
    [new] = [line for line in listed.splitlines() if line.endswith("new")]
    assert re.search(r"expires \d{4}-\d\d-\d\d \d\d:\d\d UTC", new), new
