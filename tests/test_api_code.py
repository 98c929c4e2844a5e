"""The REST API's code decisions (flask_db_template/api_code.py), and the files
they render into: names, refusals, sample payloads, a layout ruff keeps, and
a bake at the edges of the models language whose API suite passes."""

from __future__ import annotations

import base64
import datetime
import decimal
import importlib
import json
import re
import sys
import uuid
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from flask_db_template.answers import find_problem
from flask_db_template.api_code import (
    link_fields,
    plan_api,
    sample_value,
    wrong_type_value,
)
from flask_db_template.modelspec import SpecError, parse
from tests.baking import (
    EVERY_TYPE,
    REPO,
    assert_ruff_clean,
    flask,
    run,
    run_baked_tests,
)
from tests.test_hooks import answers

# Unique columns with few values, one-to-one references, a self-reference,
# two references to one model, many links to itself and to another model,
# and a default on every type.
EDGES = """\
Account handle:string{1}!:unique code:decimal{2,2}:unique level:enum{a,b}:unique
  balance:decimal{12,2}!:default=10.50 ratio:float:default=0.5
  visits:integer!:default=-5 big:bigint:default=9000000000
  active:boolean!:default=true born:date:default=2000-01-31
  seen_at:datetime:default="2024-01-31 09:30:00" opens:time:default="08:15"
  token:uuid!:unique settings:json avatar:binary
Profile account:references:unique bio:text
Node next:references{Node.previous}?:unique label:string{20}
Person name:string friends:many{Person}
Article(articles) title:string{100}! people:many{Person.articles}
  author:references{Person.written}? editor:references{Person.edited}?
"""
LONG = "L" + "o" * 57 + "ng"  # a table name of 61 characters
LONG_NAMES = (
    f"{LONG} {'a' * 63}:string{{20}}!:unique"
    f" {'d' * 60}:references{{{LONG}.{'i' * 63}}}?"
    f" g:many{{{LONG}.{'k' * 63}}}"
)


def test_links_are_named_by_their_rows_ids_on_both_sides():
    schema = parse(EDGES, timestamps=True)
    names = {
        model.name: [
            (link.name, link.relationship) for link in link_fields(schema, model)
        ]
        for model in schema.models
    }
    assert names["Person"] == [
        ("friend_ids", "friends"),
        ("person_ids", "people"),
        ("article_ids", "articles"),
    ]
    assert names["Article"] == [("person_ids", "people")]
    assert names["Account"] == []


@pytest.mark.parametrize(
    ("models", "clash"),
    [
        (
            "Post tag_ids:string tags:many{Tag}; Tag name:string",
            "the field Post.tag_ids",
        ),
        ("Post tag:many{Tag} tags:many{Tag.others}; Tag name:string", "the link 'tag'"),
        ("Post tags:many{Tag.tag_ids}; Tag name:string", None),
        ("Post tags:many{Tag.post}; Tag post_ids:integer", "the field Tag.post_ids"),
    ],
)
def test_a_link_named_like_another_field_is_refused_in_one_line(models, clash):
    problem = find_problem(answers(__models=models))
    if clash is None:
        assert problem is None
        return
    assert problem.startswith("models: ")
    assert clash in problem and "rename one" in problem
    assert "\n" not in problem
    with pytest.raises(SpecError):
        plan_api(models, True)
    assert find_problem(answers(__models=models, api=False)) is None


def test_the_key_and_the_timestamps_are_read_only():
    assert plan_api("Note text", True).dump_only == '("id", "created_at", "updated_at")'
    assert plan_api("Note text", False).dump_only == '("id",)'


ACCOUNT_FIELDS = parse(EDGES, timestamps=True).model("Account").fields
PARSE_SAMPLE = {
    "decimal": decimal.Decimal,
    "date": datetime.date.fromisoformat,
    "datetime": datetime.datetime.fromisoformat,
    "time": datetime.time.fromisoformat,
    "uuid": uuid.UUID,
    "binary": base64.b64decode,
}


@pytest.mark.parametrize("field", ACCOUNT_FIELDS, ids=lambda field: field.name)
def test_samples_fit_their_columns_and_differ_from_defaults(field):
    value = sample_value(field)
    json.dumps(value)
    parsed = PARSE_SAMPLE.get(field.kind, lambda value: value)(value)
    if field.kind == "datetime":
        # In UTC, as the API writes it; the model's default is naive UTC.
        assert parsed.utcoffset() == datetime.timedelta(0)
        parsed = parsed.replace(tzinfo=None)
    if field.default is not None:
        assert parsed != field.default.value
    if field.kind == "string":
        assert 0 < len(value) <= field.length
    if field.kind == "decimal":
        digits = re.fullmatch(r"-?([0-9]+)(?:\.([0-9]+))?", value)
        assert len(digits[2] or "") == field.scale
        assert len(digits[1].lstrip("0")) <= field.precision - field.scale


@pytest.mark.parametrize(
    "field",
    parse(EVERY_TYPE, timestamps=True).model("Post").fields,
    ids=lambda field: field.name,
)
def test_wrong_type_values_are_of_another_json_type(field):
    wrong, right = wrong_type_value(field), sample_value(field)
    assert type(wrong) is not type(right)


def render(tmp_path: Path, models: str, **answers) -> Path:
    """The project as cookiecutter renders it, without running the hooks."""
    return Path(
        cookiecutter(
            str(REPO),
            no_input=True,
            extra_context={"models": models, **answers},
            output_dir=tmp_path,
            accept_hooks=False,
        )
    )


@pytest.mark.parametrize("models", [EDGES, LONG_NAMES], ids=["edges", "long-names"])
@pytest.mark.parametrize("timestamps", [True, False], ids=["timestamps", "plain"])
def test_rendered_api_files_are_ruff_clean(tmp_path, models, timestamps):
    project = render(tmp_path, models, timestamps=timestamps)
    assert_ruff_clean(project)


def test_long_names_split_every_call_that_would_pass_88_columns(tmp_path):
    """What is left longer is a literal (a dict key and value) ruff cannot split."""
    project = render(tmp_path, LONG_NAMES)
    for name in (
        "my_flask_app/schemas.py",
        "my_flask_app/resources.py",
        "tests/test_api.py",
    ):
        for line in (project / name).read_text().splitlines():
            assert len(line) <= 88 or "(" not in line, f"{name}: {line}"


@pytest.mark.parametrize("length", [55, 56, 90])
def test_the_api_title_is_laid_out_as_ruff_lays_it_out(tmp_path, length):
    name = ('Caf\u00e9 "Quoted" ' * 10)[:length]
    project = render(tmp_path, "Note text", project_name=name)
    [config] = project.glob("*/config.py")
    run(
        [sys.executable, "-m", "ruff", "format", "--check", "--diff", str(config)],
        project,
    )
    # Imported as the package's module: config.py imports its sibling
    # database_url.py.
    package = config.parent.name
    for module in [m for m in sys.modules if m.split(".")[0] == package]:
        del sys.modules[module]
    sys.path.insert(0, str(project))
    try:
        settings = importlib.import_module(f"{package}.config")
    finally:
        sys.path.remove(str(project))
    assert settings.Config.API_TITLE == name


@pytest.mark.slow
def test_a_bake_at_the_edges_passes_its_api_suite(bake):
    project = bake(models=EDGES)
    assert_ruff_clean(project)
    run_baked_tests(project)
    flask(project, "db", "check")
