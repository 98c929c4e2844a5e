"""Fixtures shared by the template's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from hypothesis import HealthCheck, settings

from flask_db_template.prompting import SETUP_INCOMPLETE
from tests.baking import REPO

# Locally the property tests draw new examples every run (and replay the
# failures hypothesis remembers in .hypothesis/); HYPOTHESIS_PROFILE=long
# draws six times as many. Under CI=true they are derandomized: the same
# examples every run, from no saved database, so CI passes or fails on the
# code and never on the draw. HYPOTHESIS_PROFILE=unseeded (`make
# property-tests`) draws new examples even under CI=true, with no saved
# database, and prints the blob that replays a failure: run it now and then
# (a scheduled job) so that flaws the fixed draw misses show.
settings.register_profile(
    "default",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("long", settings.get_profile("default"), max_examples=300)
settings.register_profile(
    "ci",
    settings.get_profile("default"),
    derandomize=True,
    database=None,
    print_blob=True,
)
# (Explicit: hypothesis itself derandomizes where it finds CI=true.)
settings.register_profile(
    "unseeded",
    settings.get_profile("default"),
    derandomize=False,
    database=None,
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI") == "true" else "default")
)


@pytest.fixture
def bake(cookies):
    """Bake with the given answers (create_venv off unless asked) and expect success."""

    def bake(**answers):
        answers.setdefault("create_venv", False)
        result = cookies.bake(extra_context=answers, template=str(REPO))
        assert result.exception is None, result.exception
        assert result.exit_code == 0
        return result.project_path

    return bake


@pytest.fixture
def bake_unfinished(cookies, tmp_path):
    """Bake when the setup is meant to stop half-way: cookiecutter reports a
    failure (exit status 1 for the command), and the project is kept."""

    def bake(**answers) -> Path:
        answers.setdefault("create_venv", False)
        result = cookies.bake(extra_context=answers, template=str(REPO))
        assert isinstance(result.exception, FailedHookException), result.exception
        assert str(result.exception) == SETUP_INCOMPLETE
        # pytest-cookies bakes each time into a new cookies/bakeNN folder.
        *_, output = sorted((tmp_path / "cookies").glob("bake*"))
        [project] = output.iterdir()
        return project

    return bake
