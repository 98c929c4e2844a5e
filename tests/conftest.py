"""Fixtures shared by the template's tests."""

from __future__ import annotations

import pytest

from tests.baking import REPO


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
