"""Bakes over option combinations: each renders fully, is ruff-clean, and its
own tests and `flask db check` pass."""

from __future__ import annotations

import ast
import contextlib
import json
import sqlite3
import sys
import tomllib
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from tests.baking import (
    EVERY_TYPE,
    REPO,
    TOKEN_CODE,
    assert_no_template_leftovers,
    assert_readme_tables_end_cleanly,
    assert_ruff_clean,
    baked_files,
    flask,
    library_requirements,
    project_code,
    requirements,
    run,
    run_baked_tests,
)

BLOG = (
    "User username:string{80}!:unique email:string{120}!:unique;"
    " Post title:string{200}! body:text published:boolean!:default=false"
    " author:references{User.posts}"
)


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"timestamps": False}, id="no-timestamps"),
        pytest.param({"models": BLOG}, id="blog"),
        pytest.param({"models": BLOG, "timestamps": False}, id="blog-no-timestamps"),
        pytest.param({"api": False}, id="no-api"),
        pytest.param({"api_auth": False}, id="no-api-auth"),
        pytest.param(
            {"models": BLOG, "api": False, "timestamps": False},
            id="blog-no-api-no-timestamps",
        ),
        pytest.param({"models": EVERY_TYPE}, id="every-type"),
        pytest.param(
            {"project_name": "Inventory", "database_url": "sqlite:///stock.db"},
            id="named",
        ),
    ],
)
def test_bake_is_complete_clean_and_tested(bake, answers):
    project = bake(**answers)
    assert_no_template_leftovers(project)
    assert (project / "migrations" / "env.py").is_file()
    revisions = list(
        (project / "migrations" / "versions").glob("*_initial_migration.py")
    )
    assert len(revisions) == 1
    assert_ruff_clean(project)
    assert_readme_tables_end_cleanly(project)
    run_baked_tests(project)
    flask(project, "db", "check")


# The API's files (hooks/post_gen_project.py removes them without it); its
# code is flask-db-kit's `api` extra.
API_FILES = ["my_flask_app/api.py", "tests/test_api.py"]
API_DEPENDENCIES = [
    "apispec",
    "flask-cors",
    "flask-smorest",
    "marshmallow",
    "marshmallow-sqlalchemy",
    "swagger-ui-bundle-v2",
]


def installed_names(project: Path) -> set[str]:
    """What the project's runtime requirements install by name: its own, and
    flask-db-kit's with the extras it asks for."""
    needed = requirements(project)
    library = library_requirements(project)
    extras = ["", *needed["flask-db-kit"]]
    return set(needed).union(*(library[extra] for extra in extras))


@pytest.mark.parametrize("api", [True, False], ids=["api", "no-api"])
def test_the_api_code_and_dependencies_come_with_the_api_only(bake, api):
    project = bake(api=api)
    assert [(project / name).is_file() for name in API_FILES] == [api] * len(API_FILES)
    names = installed_names(project)
    assert {name in names for name in API_DEPENDENCIES} == {api}
    assert ("api" in requirements(project)["flask-db-kit"]) is api
    assert "gunicorn" in names
    package = project / "my_flask_app"
    code = "".join(path.read_text() for path in package.rglob("*.py"))
    assert ("flask_smorest" in code) is api
    assert ("flask_db_kit.api" in code) is api
    assert ("/api/" in (project / "README.md").read_text()) is api


@pytest.mark.parametrize(
    ("answers", "tokens"),
    [({}, True), ({"api_auth": False}, False), ({"api": False}, False)],
    ids=["api-auth", "no-api-auth", "no-api"],
)
def test_the_api_tokens_come_with_api_auth_only(bake, answers, tokens):
    project = bake(**answers)
    assert ("flask-httpauth" in installed_names(project)) is tokens
    assert ("tokens" in requirements(project)["flask-db-kit"]) is tokens
    # The tokens in the project's code (ApiTokens in extensions.py, the
    # tests' auth_headers), and flask-db-kit's checks of them in its tests.
    assert (TOKEN_CODE.search(project_code(project)) is not None) is tokens
    collected = run_baked_tests(project, "--collect-only").stdout
    assert "flask_db_kit:models" in collected
    assert ("flask_db_kit:auth" in collected) is tokens
    [migration] = (project / "migrations" / "versions").glob("*_initial_migration.py")
    assert ('"api_tokens"' in migration.read_text()) is tokens
    readme = (project / "README.md").read_text()
    assert ("flask tokens create" in readme) is tokens
    if answers.get("api") is not False:
        # Without tokens, the README says what that means.
        assert ("Anyone who reaches the app may read, change and delete" in readme) is (
            not tokens
        )


def test_the_database_is_at_head_after_the_bake(bake):
    project = bake()
    current = flask(project, "db", "current").stdout
    heads = flask(project, "db", "heads").stdout
    assert heads.split()[0] in current
    assert (project / "instance" / "my_flask_app.db").is_file()


def setup_db_from_scratch(project: Path) -> str:
    """`flask setup-db` as if the bake had not made the migration yet: the
    one line it fails with."""
    for revision in (project / "migrations" / "versions").glob("*.py"):
        revision.unlink()
    (project / "instance" / "my_flask_app.db").unlink()
    result = run([sys.executable, "-m", "flask", "setup-db"], project, check=False)
    assert result.returncode == 1, result.stdout
    [error] = result.stderr.strip().splitlines()
    assert not list((project / "migrations" / "versions").glob("*.py"))
    assert not (project / "instance" / "my_flask_app.db").exists()
    return error


def test_an_initial_migration_missing_a_table_is_refused_and_not_kept(bake):
    project = bake()
    extensions = project / "my_flask_app" / "extensions.py"
    source = extensions.read_text()
    assert "migrate = Migrate(**alembic_options())" in source
    # Autogenerate's filter, given to Flask-Migrate, leaves the table out.
    leave_users_out = 'alembic_options(include_object=lambda _, n, *r: n != "users")'
    extensions.write_text(source.replace("alembic_options()", leave_users_out))
    assert setup_db_from_scratch(project) == (
        "Error: autogenerate left users out of the initial migration, so it was "
        "not kept"
    )


def test_an_app_without_models_gets_no_initial_migration(bake):
    project = bake(api=False)  # the API's schemas would name the models
    (project / "my_flask_app" / "models.py").write_text('"""No models yet."""\n')
    assert setup_db_from_scratch(project) == (
        "Error: the app has no models: are they imported in create_app?"
    )


def test_dotenv_holds_the_secrets_and_is_ignored(bake):
    project = bake()
    dotenv = (project / ".env").read_text()
    assert (
        "SECRET_KEY='" in dotenv
        and "DATABASE_URL='sqlite:///my_flask_app.db'" in dotenv
    )
    assert ".env" in (project / ".gitignore").read_text().splitlines()
    other = bake(project_name="Other App")
    assert (other / ".env").read_text() != dotenv.replace("my_flask_app", "other_app")
    assert "SECRET_KEY=change-me" in (project / ".env.example").read_text()


@pytest.mark.parametrize(
    ("url", "written", "requirement"),
    [
        (
            "postgres://app:s3cret@db.example/app",
            "postgresql+psycopg://app:change-me@db.example/app",
            "psycopg[binary]",
        ),
        (
            "mysql://app@db.example:3307/app",
            "mysql+pymysql://app@db.example:3307/app",
            "PyMySQL",
        ),
        (
            "mariadb://app@db.example/app",
            "mariadb+pymysql://app@db.example/app",
            "PyMySQL",
        ),
    ],
)
def test_server_urls_get_their_driver(tmp_path, url, written, requirement):
    # Rendering only: the hooks that reach a server are tested against real ones.
    project = Path(
        cookiecutter(
            str(REPO),
            no_input=True,
            extra_context={"database_url": url},
            output_dir=tmp_path,
            accept_hooks=False,
        )
    )
    assert f"DATABASE_URL={written}" in (project / ".env.example").read_text()
    assert f'"{requirement}' in (project / "pyproject.toml").read_text()
    tracked_text = "".join(path.read_text() for path in baked_files(project))
    assert "s3cret" not in tracked_text


HOSTILE_ANSWERS = {
    "project_name": 'She said "hi" {{ x }} {% if %} #1 caf\u00e9 \\ ok',
    "description": "A 'quoted' \"description\" with {{ braces }}, `ticks` and # hash",
    "author_name": "O'Brien \\ \u00dcn\u00efcode",
}


def test_hostile_answers_typed_at_the_prompts_make_a_clean_project(tmp_path):
    # Typed answers are not rendered by Jinja (extra_context values would be),
    # so the real prompts are what a user's quote or brace meets.
    typed = [HOSTILE_ANSWERS["project_name"], "", "", HOSTILE_ANSWERS["description"]]
    # email, database_url, api, api_auth, timestamps, models: the defaults;
    # create_venv: no
    typed += [HOSTILE_ANSWERS["author_name"], "", "", "", "", "", "", "n"]
    baked = run(
        [sys.executable, "-m", "cookiecutter", str(REPO)],
        tmp_path,
        input="\n".join(typed) + "\n",
    )
    [project] = [path for path in tmp_path.iterdir() if path.is_dir()]
    assert project.name == "she-said-hi-x-if-1-cafe-ok", baked.stdout
    assert_no_template_leftovers(project)
    assert_ruff_clean(project)
    run_baked_tests(project)

    package = project / "she_said_hi_x_if_1_cafe_ok"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["description"] == HOSTILE_ANSWERS["description"]
    assert pyproject["authors"][0]["name"] == HOSTILE_ANSWERS["author_name"]
    views = ast.parse((package / "views.py").read_text())
    assert HOSTILE_ANSWERS["project_name"] in [
        node.value for node in ast.walk(views) if isinstance(node, ast.Constant)
    ]
    workflow = (project / ".github" / "workflows" / "ci.yml").read_text()
    assert (
        json.loads(workflow.splitlines()[0].removeprefix("name: "))
        == (HOSTILE_ANSWERS["project_name"])
    )
    readme_title = (project / "README.md").read_text().splitlines()[0]
    assert readme_title == (
        '# She said "hi" \\{\\{ x \\}\\} \\{% if %\\} \\#1 caf\u00e9 \\\\ ok'
    )


def test_plain_pytest_finds_the_package_when_the_project_is_not_installed(bake):
    # create_venv: no, and this environment does not hold the baked project:
    # the `pytest` command (not `python -m pytest`, which puts the working
    # directory on sys.path) must still import it.
    project = bake()
    pytest_command = str(Path(sys.executable).parent / "pytest")
    quiet = ["-q", "-p", "no:cacheprovider", "-p", "no:schemathesis"]
    run([pytest_command, *quiet, "tests/test_app.py"], project)


def test_the_factory_example_in_test_rows_works_as_copied(bake):
    # Where its docstring says to put it: <package>/factories.py, which
    # `flask seed` imports.
    project = bake()
    docstring = ast.get_docstring(
        ast.parse((project / "tests/test_rows.py").read_text())
    )
    example = [line for line in docstring.splitlines() if line.startswith("    ")]
    factories = "\n".join(line.removeprefix("    ") for line in example)
    (project / "my_flask_app" / "factories.py").write_text(factories + "\n")
    flask(project, "seed", "--rows", "3")
    database = sqlite3.connect(project / "instance" / "my_flask_app.db")
    with contextlib.closing(database):
        emails = [email for (email,) in database.execute("SELECT email FROM users")]
    assert len(emails) == 3 and all(e.endswith("@example.com") for e in emails), emails


def test_baking_from_a_relative_template_path(tmp_path):
    # `cookiecutter .` in a checkout, as `make demo` does: the hooks run in
    # the baked folder, where "." is no longer the template.
    run(
        [sys.executable, "-m", "cookiecutter", "--no-input", ".", "create_venv=no"]
        + ["--output-dir", str(tmp_path)],
        REPO,
    )
    assert (tmp_path / "my-flask-app" / "instance" / "my_flask_app.db").is_file()


@pytest.mark.parametrize(
    "project_name",
    [
        "Acme Corporation Internal Inventory Management Service",
        "P" + "x" * 65,
        "P" + "x" * 110,
        "Right\u202eto left\u200b",
    ],
)
def test_long_and_bidi_names_bake_ruff_clean_code(tmp_path, project_name):
    cookiecutter(
        str(REPO),
        no_input=True,
        output_dir=str(tmp_path),
        extra_context={"project_name": project_name, "create_venv": False},
    )
    [project] = [path for path in tmp_path.iterdir() if path.is_dir()]
    assert_ruff_clean(project)
    for path in project.rglob("*.py"):
        assert "\u202e" not in path.read_text(), path
