"""Fixtures shared by the template's tests."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.baking import REPO

# HYPOTHESIS_PROFILE=ci runs the property tests longer.
settings.register_profile(
    "default",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


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
