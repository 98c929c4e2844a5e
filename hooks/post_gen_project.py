"""Set the baked project up: environment, .env, migrations, initial migration;
without the REST API, leave out its files first.

The work itself is the baked project's own `bin/setup` (so a user can finish
or repeat it later with one command); this hook runs it and says what to do
next. A failure here keeps the project: cookiecutter would delete it if the
hook exited non-zero, and the user's answers would be lost.

Valid Python before rendering: the only Jinja is inside the string literal in
`main`, so the tests import this file and call its functions.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path

# The REST API's modules and tests: a project baked without the API has none.
API_FILES = (
    "{package}/resources.py",
    "{package}/schemas.py",
    "{package}/database_errors.py",
    "{package}/docs_page.py",
    "{package}/swagger_ui_start.js",
    "tests/test_api.py",
)
# The API's bearer tokens: none without the API, or with api_auth off.
AUTH_FILES = (
    "{package}/auth.py",
    "tests/test_auth.py",
)


def remove_api_files(project: Path, package_name: str) -> None:
    for name in API_FILES:
        (project / name.format(package=package_name)).unlink()


def remove_auth_files(project: Path, package_name: str) -> None:
    for name in AUTH_FILES:
        (project / name.format(package=package_name)).unlink()


def setup_command(create_venv: bool) -> list[str]:
    return ["python3", "bin/setup"] + ([] if create_venv else ["--no-venv"])


def run_setup(project: Path, database_url: str, create_venv: bool) -> bool:
    """Run bin/setup in this process; True when every step succeeded.

    In this process, not a child: with create_venv off, bin/setup then runs
    `flask setup-db` here too, and the bake pays for one start-up of Flask,
    SQLAlchemy and Alembic instead of two more interpreters.
    """
    os.environ["DATABASE_URL"] = database_url
    # The user's shell must not point the setup at another environment or app.
    for name in ("VIRTUAL_ENV", "FLASK_APP"):
        os.environ.pop(name, None)
    sys.argv = setup_command(create_venv)[1:]
    try:
        runpy.run_path(str(project / "bin" / "setup"), run_name="__main__")
    except SystemExit as exit_:
        return not exit_.code
    return True


def display_path(project: Path) -> str:
    """The project's path as the user would type it from where they ran cookiecutter."""
    shell_directory = os.environ.get("PWD")
    if shell_directory:
        relative = os.path.relpath(project, shell_directory)
        if not relative.startswith(".."):
            return relative
    return str(project)


def next_steps(
    project: Path, create_venv: bool, finished: bool, api_tokens: bool = False
) -> list[str]:
    where = display_path(project)
    lines = []
    if not finished:
        lines += [
            "",
            f"The project is in {project}; its setup stopped at the step above.",
            "Finish it with:",
            f"    cd {where} && {' '.join(setup_command(create_venv))}",
        ]
    activate = ["source .venv/bin/activate"] if create_venv else []
    lines += [
        "",
        "Next:",
        f"    cd {where}",
        *(f"    {line}" for line in activate),
        "    flask run          # http://127.0.0.1:5000/",
        *(["    flask tokens create me   # a token for the API"] if api_tokens else []),
        "    pytest             # the project's tests",
        '    flask db migrate -m "describe the change" && flask db upgrade   # after editing models.py',
    ]
    return lines


def main() -> int:
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    sys.path.insert(0, answers["__template_dir"])
    from flask_db_template.answers import parse_database_url

    project = Path.cwd()
    # First, so that a setup that stops half-way leaves them out too.
    if not answers["api"]:
        remove_api_files(project, answers["package_name"])
    if not (answers["api"] and answers["api_auth"]):
        remove_auth_files(project, answers["package_name"])
    database_url = parse_database_url(answers["database_url"]).url
    print(f"Setting up {project.name}", flush=True)
    finished = run_setup(project, database_url, answers["create_venv"])
    api_tokens = answers["api"] and answers["api_auth"]
    steps = next_steps(project, answers["create_venv"], finished, api_tokens)
    print("\n".join(steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
