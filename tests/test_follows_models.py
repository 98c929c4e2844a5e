"""What the baked project derives from its models when it runs: sample rows
(`flask seed`), and an API that a user can still change for one model in
<package>/api.py, with the tests following."""

from __future__ import annotations

import json
import sqlite3
import sys

import pytest

from tests.baking import EVERY_TYPE, flask, run, run_baked_tests

PACKAGE = "my_flask_app"


def row_counts(project) -> dict[str, int]:
    database = project / "instance" / f"{PACKAGE}.db"
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        ]
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in tables
        }


@pytest.mark.slow
def test_flask_seed_fills_every_table_and_can_run_again(bake):
    project = bake(models=EVERY_TYPE + "; Dish kind:enum{main,side}!:unique")
    result = flask(project, "seed", "--rows", "5")
    assert "users: 5 rows added" in result.stdout
    counts = row_counts(project)
    assert counts.pop("api_tokens") == 0  # only `flask tokens create` makes them
    assert counts.pop("dishes") == 2  # no more than the enum has kinds
    assert all(count >= 5 for count in counts.values()), counts
    # Again: five more rows a table, with unique values of their own.
    flask(project, "seed", "--rows", "5")
    again = row_counts(project)
    del again["api_tokens"]
    assert again.pop("dishes") == 2
    assert all(again[table] >= count + 5 for table, count in counts.items()), again
    # The rows are valid for the API too.
    code = (
        "import dotenv\n"
        "from my_flask_app import create_app\n"
        "from my_flask_app.extensions import tokens\n"
        "dotenv.load_dotenv()\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    token = tokens.create_token('seed-test')\n"
        "response = app.test_client().get(\n"
        "    '/api/posts?per_page=100', headers={'Authorization': f'Bearer {token}'}\n"
        ")\n"
        "print(response.get_data(as_text=True))"
    )
    listed = json.loads(run([sys.executable, "-c", code], project).stdout)
    assert len(listed) == again["posts"]


PROJECT_FACTORIES = """\
import uuid

from flask_db_kit.factories import ModelFactory
from polyfactory import Use

from . import models


class UserFactory(ModelFactory[models.User]):
    email = Use(lambda: f"{uuid.uuid4().hex[:12]}@seeded.example")
"""


def test_flask_seed_uses_the_projects_factories_or_says_what_is_missing(bake):
    project = bake()
    # The project's own factories, in <package>/factories.py, refine the rows.
    (project / PACKAGE / "factories.py").write_text(PROJECT_FACTORIES)
    flask(project, "seed", "--rows", "3")
    with sqlite3.connect(project / "instance" / f"{PACKAGE}.db") as connection:
        emails = [email for (email,) in connection.execute("SELECT email FROM users")]
    assert len(emails) == 3
    assert all(email.endswith("@seeded.example") for email in emails), emails
    # A production app gets no fake rows unless told, in one line.
    refused = flask(project, "seed", check=False, APP_ENV="production", FLASK_DEBUG="0")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "Error: this app is production" in refused.stderr
    assert "--yes-production" in refused.stderr
    # Without the dev dependencies (polyfactory), one line says what to do.
    hidden = (
        "import sys\n"
        "class NotInstalled:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] == 'polyfactory':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, NotInstalled())\n"
        "sys.argv = ['flask', 'seed']\n"
        "from flask.cli import main\n"
        "main()\n"
    )
    result = run([sys.executable, "-c", hidden], project, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "polyfactory is missing" in line
    assert "pip install -e '.[dev]'" in line


@pytest.mark.slow
def test_unique_columns_of_few_values_hold_the_rows_the_tests_need(bake):
    """The tests make as many rows as such a column holds, and no more: an
    enum of one or two values, a one-character string, NOT NULL or not."""
    project = bake(
        models="Dish kind:enum{main}:unique; Code letter:string{1}!:unique;"
        " Pair left:enum{a,b}!:unique right:enum{x}:unique"
    )
    run_baked_tests(project)


OVERRIDES = '''\
"""What differs from the API the models give."""

from flask_db_kit.api import ModelSchema, schema_for
from flask_smorest import Blueprint

from . import models

EXCLUDED_MODELS: set[type] = {models.Tag}

DerivedPostSchema = schema_for(models.Post)


class PostSchema(DerivedPostSchema):
    class Meta(DerivedPostSchema.Meta):
        exclude = ("body",)


SCHEMAS: dict[type, type[ModelSchema]] = {models.Post: PostSchema}

BLUEPRINTS: dict[type, Blueprint] = {}
'''


@pytest.mark.slow
def test_api_overrides_change_one_model_and_the_tests_follow(bake):
    project = bake(models=EVERY_TYPE)
    (project / PACKAGE / "api.py").write_text(OVERRIDES)
    document = json.loads(flask(project, "openapi", "print").stdout)
    assert "/api/tags" not in document["paths"]
    assert "/api/posts" in document["paths"]
    assert "body" not in document["components"]["schemas"]["Post"]["properties"]
    result = run_baked_tests(project, "-vv")  # verbose, past its -q
    assert "test_round_trip[Tag] PASSED" in result.stdout  # the model is still tested
    assert "test_create_answers_the_row_and_where_it_is[Tag]" not in result.stdout
    patched = "test_patch_changes_only_the_field_given[Post] SUBPASSED"
    assert f"{patched}(field='title')" in result.stdout
    assert f"{patched}(field='body')" not in result.stdout
    kept = "test_a_null_given_is_kept_over_the_default[Post] SUBPASSED"
    assert f"{kept}(field='views')" in result.stdout
