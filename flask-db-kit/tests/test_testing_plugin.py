"""The pytest plugin on a tiny project (kit_project.py): inert without its
setting; with it, the model-following checks collected into the project's
tests/conftest.py, using its fixtures, switchable per check and per model."""

import shutil
from pathlib import Path

import kit_project
import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def migrated_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with tokens and its initial migration, made once."""
    root = kit_project.write_project(tmp_path_factory.mktemp("shop"))
    kit_project.make_migrations(root)
    return root


@pytest.fixture(autouse=True)
def quick_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest in a subprocess starts in a second rather than in several when
    it may keep the bytecode of what it imports."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)


# Plugins of this environment the tiny project's runs do without.
QUIET = ["-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis"]
QUIET += ["-p", "no:cookies", "-p", "no:xdist", "-p", "no:anyio", "-p", "no:faker"]


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*args, *QUIET)


def project(pytester: pytest.Pytester, source: Path, **options) -> Path:
    shutil.copytree(source, pytester.path, dirs_exist_ok=True)
    if options:
        kit_project.write_project(pytester.path, **options)
    return pytester.path


def test_all_checks_pass_and_name_the_models(
    pytester: pytest.Pytester, migrated_project: Path
) -> None:
    project(pytester, migrated_project)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=79, deselected=15)
    lines = result.outlines
    naming = [line for line in lines if "Author" in line or "Book" in line]
    assert len(naming) >= 40
    result.stdout.fnmatch_lines(
        [
            "tests/conftest.py::flask_db_kit:models::test_round_trip[[]Author[]] PASSED*",
            "tests/conftest.py::flask_db_kit:api::*[[]Book.author[]] PASSED*",
            "tests/conftest.py::flask_db_kit:auth::* PASSED*",
            "tests/conftest.py::flask_db_kit:migrations::test_upgrade PASSED*",
            "tests/test_own.py::test_a_book_has_an_author PASSED*",
        ],
        consecutive=False,
    )


def test_inert_without_the_setting(
    pytester: pytest.Pytester, migrated_project: Path
) -> None:
    root = project(pytester, migrated_project)
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text.replace("flask_db_kit_app", "# off"))
    (root / "tests" / "test_own.py").write_text("def test_alone():\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(passed=1)


def test_checks_and_models_are_switched_off_in_the_settings(
    pytester: pytest.Pytester, migrated_project: Path
) -> None:
    project(
        pytester,
        migrated_project,
        settings=(
            'flask_db_kit_checks = "models"',
            'flask_db_kit_unchecked = "Book"',
        ),
    )
    result = run(pytester, "--co", "-q")
    ids = [line for line in result.outlines if "::" in line]
    assert ids
    assert all("flask_db_kit:models" in i or "test_own" in i for i in ids), ids
    assert not [i for i in ids if "Book" in i]
    assert [i for i in ids if "Author" in i]


def test_an_unknown_check_is_refused_in_one_line(
    pytester: pytest.Pytester, migrated_project: Path
) -> None:
    project(pytester, migrated_project, settings=('flask_db_kit_checks = "modles"',))
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no check is called modles*"])


def test_without_tokens_no_auth_checks_and_a_plain_client(
    pytester: pytest.Pytester, migrated_project: Path
) -> None:
    root = project(pytester, migrated_project, tokens=False)
    # The migration made with tokens holds their table: one without it.
    shutil.rmtree(root / "migrations")
    kit_project.make_migrations(root)
    result = run(pytester, "-q", "-k", "flask_db_kit:api and Book")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] and "failed" not in outcomes, result.outlines
    collected = run(pytester, "--co", "-q")
    assert not [line for line in collected.outlines if "flask_db_kit:auth" in line]
    assert [line for line in collected.outlines if "flask_db_kit:api" in line]


def test_a_failing_check_explains_itself(
    pytester: pytest.Pytester, migrated_project: Path
) -> None:
    """Asserts in the checks are rewritten, as in a test module."""
    root = project(pytester, migrated_project)
    models = root / "shop" / "models.py"
    # The model says unique, the migration does not: the database lets a
    # duplicate in, and the migrations' drift check sees the difference.
    models.write_text(
        models.read_text().replace(
            "title: Mapped[str] = mapped_column(String(200))",
            "title: Mapped[str] = mapped_column(String(200), unique=True)",
        )
    )
    result = run(pytester, "-q", "-k", "duplicates and Book")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*DID NOT RAISE*"])


SAME_DAY_MODEL = """

import datetime


class Diary(db.Model):
    __tablename__ = "diaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[datetime.date]
    secret_day: Mapped[datetime.date] = mapped_column(info={"secret": True})
"""

SAME_DAY_FACTORY = """

import datetime

from flask_db_kit.factories import ModelFactory
from polyfactory import Use

from shop.models import Diary


class DiaryFactory(ModelFactory[Diary]):
    day = Use(lambda: datetime.date(2000, 1, 1))
    secret_day = Use(lambda: datetime.date(2000, 1, 1))
"""


def test_a_plain_field_equal_to_a_secret_is_no_leak(pytester: pytest.Pytester) -> None:
    """A response shows the plain date; the secret date is the same day, and
    the check looks at the fields that could carry the secret, not the
    body's whole text."""
    root = kit_project.write_project(pytester.path)
    models = root / "shop" / "models.py"
    models.write_text(models.read_text() + SAME_DAY_MODEL)
    conftest = root / "tests" / "conftest.py"
    conftest.write_text(conftest.read_text() + SAME_DAY_FACTORY)
    kit_project.make_migrations(root)
    result = run(pytester, "-q", "-k", "secret_is_taken and Diary")
    result.assert_outcomes(passed=1)
