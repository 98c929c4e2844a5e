"""The migrations: pytest-alembic's four checks, and `flask db check`,
against the app's migrations/ (its `app` fixture: Flask-Migrate's environment).

- one head revision;
- upgrade from an empty database to head;
- after the upgrade, the models match the database (no pending migration);
- down and up again through every revision.
"""

from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from pytest_alembic.tests import (  # noqa: F401 - pytest collects these
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)


@pytest.fixture(autouse=True)
def empty_database(app: Flask) -> Iterator[None]:
    """Each check starts from an empty database; the other tests expect head."""
    flask_migrate.downgrade(revision="base")
    yield
    flask_migrate.upgrade()


def test_flask_db_check_finds_no_drift(app: Flask) -> None:
    flask_migrate.upgrade()
    try:
        flask_migrate.check()
    except SystemExit as exit_:
        pytest.fail(f"`flask db check` failed (exit {exit_.code})")
