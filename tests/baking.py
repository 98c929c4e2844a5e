"""Helpers for the tests that bake the template and use what they baked."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = REPO / "{{cookiecutter.project_slug}}"

# Every type, and every kind of link: many-to-one, many-to-many, to the same
# model twice, and to itself.
EVERY_TYPE = (
    "User username:string{80}!:unique email:string{120}!:unique;"
    " Post title:string{200}! body:text views:integer:default=0 shares:bigint"
    " score:float price:decimal{12,2} published:boolean!:default=false"
    " published_on:date published_at:datetime reminder:time token:uuid"
    " extra:json cover:binary"
    " status:enum{draft,live}!:default=draft author:references{User.posts}"
    " editor:references{User.edited_posts}? tags:many{Tag};"
    " Tag name:string{50}!:unique parent:references{Tag.children}?"
)

# Template syntax naming cookiecutter in a baked file was not rendered. (Bare
# `{{` or `{%` may be a user's own answer, which must come through as typed.)
LEFTOVER_TEMPLATE = re.compile(r"\{\{-?\s*cookiecutter|\{%-?\s*endif|cookiecutter\.")


def clean_environment(**overrides: str) -> dict[str, str]:
    """The environment for a baked project: nothing of ours leaks into it."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "PYTEST_"))
        and name
        not in ("DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY", "VIRTUAL_ENV")
    }
    environment.update(overrides)
    return environment


def run(
    command: list[str],
    cwd: Path,
    *,
    check: bool = True,
    timeout: float = 900,
    input: str | None = None,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=clean_environment(**env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {completed.returncode} in {cwd}\n"
            f"--- stdout\n{completed.stdout}\n--- stderr\n{completed.stderr}"
        )
    return completed


def flask(project: Path, *arguments: str, python: str = sys.executable, **env: str):
    """The real `flask` CLI of a baked project (reads its .env and .flaskenv)."""
    return run([python, "-m", "flask", *arguments], project, **env)


def baked_files(project: Path) -> list[Path]:
    skipped = {
        ".venv",
        ".git",
        "instance",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
    }
    return [
        path
        for path in project.rglob("*")
        if path.is_file() and not skipped.intersection(path.relative_to(project).parts)
    ]


# The API tokens in a baked project's own code (flask-db-kit's copy in vendor/
# always holds them): the ApiTokens of extensions.py, the tests' token fixture.
TOKEN_CODE = re.compile(r"ApiTokens|flask_db_kit\.tokens|flask_httpauth|auth_headers")


def project_code(project: Path) -> str:
    """The baked project's own Python: not the vendored library, not .venv."""
    return "".join(
        path.read_text(encoding="utf-8")
        for path in baked_files(project)
        if path.suffix == ".py" and path.relative_to(project).parts[0] != "vendor"
    )


def requirements(project: Path) -> dict[str, set[str]]:
    """The baked pyproject's runtime requirements: normalized name -> extras."""
    from packaging.requirements import Requirement

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    found = {}
    for text in pyproject["project"]["dependencies"]:
        requirement = Requirement(text)
        found[canonical_name(requirement.name)] = set(requirement.extras)
    return found


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def library_requirements(project: Path) -> dict[str, set[str]]:
    """The vendored flask-db-kit's requirements, by extra ("" for the base)."""
    from packaging.requirements import Requirement

    pyproject = tomllib.loads(
        (project / "vendor" / "flask-db-kit" / "pyproject.toml").read_text()
    )["project"]
    extras = {"": pyproject["dependencies"], **pyproject["optional-dependencies"]}
    return {
        extra: {canonical_name(Requirement(text).name) for text in texts}
        for extra, texts in extras.items()
    }


def assert_no_template_leftovers(project: Path) -> None:
    for path in baked_files(project):
        text = path.read_text(encoding="utf-8")
        match = LEFTOVER_TEMPLATE.search(text)
        assert match is None, f"{path.relative_to(project)} holds {match.group()!r}"
    assert not list(project.rglob("*{{*")), "a file or folder name was not rendered"


def assert_ruff_clean(project: Path) -> None:
    run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], project)
    run([sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "."], project)


def run_baked_tests(project: Path, *pytest_arguments: str, **env: str):
    """The baked project's own test suite, in this environment, without the
    pytest plugin of schemathesis (a package of the template's own tests, not
    the project's), which changes how subtests are reported."""
    return run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:schemathesis",
            *pytest_arguments,
        ],
        project,
        **env,
    )


def assert_readme_tables_end_cleanly(project: Path) -> None:
    """Each Markdown table of the baked README is followed by a blank line:
    a line right after a table's last row renders as one more row."""
    lines = (project / "README.md").read_text(encoding="utf-8").splitlines()
    for number, (line, following) in enumerate(itertools.pairwise(lines), start=2):
        if line.startswith("|") and following and not following.startswith("|"):
            raise AssertionError(
                f"README.md:{number} joins the table above: {following!r}"
            )
