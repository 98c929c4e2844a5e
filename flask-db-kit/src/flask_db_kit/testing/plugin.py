"""The pytest plugin: the model-following checks, for a project that names
its app in its pytest settings; inert anywhere else.

    [tool.pytest.ini_options]
    flask_db_kit_app = "my_app"                  # turns the checks on
    flask_db_kit_checks = "models api auth migrations"   # the default: all
    flask_db_kit_unchecked = "AuditLog"          # models no check is made for

The checks (checks_*.py beside this file) make one case per model, field,
reference... read from the models when the tests run (see model_facts.py),
so a model added by hand is checked too. They are collected into the
project's tests/conftest.py (the first of `testpaths`), so that they use its
fixtures (`app`, `client`) and the kit's (fixtures.py), and read as
`tests/conftest.py::flask_db_kit:models::test_round_trip[User]`; `pytest
tests/conftest.py` runs them alone. `api` checks run when `<package>.api`
(the API's overrides) exists, `auth` when the app has API tokens.

A check that would have no case for these models (no enum column, say) is
left out (deselected), not reported as skipped.
"""

from pathlib import Path

import pytest

from flask_db_kit.testing.project import name_project

CHECKS = ("models", "api", "auth", "migrations")
MODULES = {name: f"flask_db_kit.testing.checks_{name}" for name in CHECKS}
# The checks' asserts explain their failures, as a test module's do.
pytest.register_assert_rewrite(*MODULES.values())

HERE = Path(__file__).parent
CONFTEST = pytest.StashKey[Path]()
ENABLED = pytest.StashKey[tuple[str, ...]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "flask_db_kit_app",
        "the app's package: flask-db-kit's model-following checks run for its "
        "models (<package>.models, <package>.extensions.db, <package>.api)",
        default="",
    )
    parser.addini(
        "flask_db_kit_checks",
        f"which of flask-db-kit's checks run (of: {' '.join(CHECKS)})",
        type="args",
        default=list(CHECKS),
    )
    parser.addini(
        "flask_db_kit_unchecked",
        "models (class names) flask-db-kit's checks leave out",
        type="args",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    package = config.getini("flask_db_kit_app").strip()
    if not package:
        return
    checks = tuple(config.getini("flask_db_kit_checks"))
    unknown = sorted(set(checks) - set(CHECKS))
    if unknown:
        raise pytest.UsageError(
            f"flask_db_kit_checks: no check is called {', '.join(unknown)} "
            f"(the checks: {' '.join(CHECKS)})"
        )
    project = name_project(package, unchecked=config.getini("flask_db_kit_unchecked"))
    testpaths = config.getini("testpaths") or ["tests"]
    config.stash[CONFTEST] = config.rootpath / testpaths[0] / "conftest.py"
    config.stash[ENABLED] = checks
    config.stash[PROJECT] = project
    from flask_db_kit.testing import fixtures

    config.pluginmanager.register(fixtures, "flask_db_kit.fixtures")
    leave_pytest_alembic_collector_unbound(config)


def leave_pytest_alembic_collector_unbound(config: pytest.Config) -> None:
    """pytest-alembic binds its checks to tests/conftest.py by default, with a
    collector that fails on pytest 9; checks_migrations.py runs them instead.
    Its --alembic-tests-path, unless the project set it, names no file."""
    option = getattr(config.option, "pytest_alembic_tests_path", "unknown")
    try:
        in_settings = config.getini("pytest_alembic_tests_path")
    except ValueError:  # pytest-alembic is not installed
        return
    if option is None and not in_settings:
        config.option.pytest_alembic_tests_path = "tests/flask-db-kit-runs-these"


PROJECT = pytest.StashKey[object]()


class KitChecks(pytest.File):
    """The project's tests/conftest.py, as the parent of the kit's checks."""

    def collect(self) -> list[pytest.Module]:
        project = self.config.stash[PROJECT]
        wanted = [
            name
            for name in self.config.stash[ENABLED]
            if (name != "api" or project.has_api)
            and (name != "auth" or project.has_api and project.tokens is not None)
        ]
        return [
            pytest.Module.from_parent(
                self,
                path=HERE / f"checks_{name}.py",
                name=f"flask_db_kit:{name}",
                nodeid=f"{self.nodeid}::flask_db_kit:{name}",
            )
            for name in wanted
        ]


def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> pytest.File | None:
    conftest = parent.config.stash.get(CONFTEST, None)
    if conftest is not None and file_path == conftest:
        return KitChecks.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """A check of what no model has (no enum column, say) is left out, not
    reported as skipped: the checks follow the models."""
    if CONFTEST not in config.stash:
        return
    empty = [item for item in items if is_kit_check(item) and is_empty(item)]
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [item for item in items if item not in empty]


def is_kit_check(item: pytest.Item) -> bool:
    return isinstance(item.parent, pytest.Module) and isinstance(
        item.parent.parent, KitChecks
    )


def is_empty(item: pytest.Item) -> bool:
    return any(
        "got empty parameter set" in str(mark.kwargs.get("reason", ""))
        for mark in item.iter_markers("skip")
    )
