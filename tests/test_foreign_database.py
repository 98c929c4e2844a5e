"""A bake against a PostgreSQL database that another project migrated (its
`alembic_version` at a revision this project does not have): the setup
stops in one line that says whose database it is, with nothing applied,
rather than Alembic's "Can't locate revision" and a command to run again
as it is."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from tests.servers import SERVERS, require, throwaway_databases
from tests.test_faults import bake_cli, error_lines

pytestmark = pytest.mark.slow


def test_another_projects_database_is_named_as_such(tmp_path):
    server = require(SERVERS["postgresql"])
    with throwaway_databases(server) as databases:
        database = databases.create()
        server.execute(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
            database,
        )
        server.execute("INSERT INTO alembic_version VALUES ('a1b2c3d4e5f6')", database)
        url = server.database_url(database, "postgresql")
        baked, project = bake_cli(tmp_path, f"database_url={url}")
        assert baked.returncode == 1, baked.stdout + baked.stderr
        (error,) = error_lines(baked.stderr)
        assert "is at revision a1b2c3d4e5f6, which none of this project's" in error
        assert "belongs to another project" in error, error
        assert "Point DATABASE_URL in .env at this project's own database" in error
        engine = server.engine(database)
        try:
            assert inspect(engine).get_table_names() == ["alembic_version"]
        finally:
            engine.dispose()
