"""The answer checks and the escaping filters, as plain functions."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib

import pytest

from flask_db_template import escaping
from flask_db_template.answers import (
    AnswerError,
    check_email,
    check_package_name,
    check_project_slug,
    check_text,
    example_database_url,
    parse_database_url,
)


@pytest.mark.parametrize("slug", ["my-flask-app", "app2", "a", "shop_front"])
def test_valid_slugs(slug):
    assert check_project_slug(slug) == slug


@pytest.mark.parametrize(
    "slug", ["", "2048-game", "-app", "app-", "My-App", "a--b", "caf\u00e9"]
)
def test_invalid_slugs_are_named(slug):
    with pytest.raises(AnswerError, match=r"^project_slug: "):
        check_project_slug(slug)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("flask", "dependency"),
        ("sqlalchemy", "dependency"),
        ("json", "standard library"),
        ("test", "dependency"),
        ("tests", "folder"),
        ("migrations", "folder"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("2fast", "not a Python package name"),
        ("My_App", "not a Python package name"),
        ("my-app", "not a Python package name"),
    ],
)
def test_invalid_package_names_say_why(name, problem):
    with pytest.raises(AnswerError, match=problem) as raised:
        check_package_name(name)
    assert str(raised.value).startswith(f"package_name: {name!r}")
    assert "\n" not in str(raised.value)


def test_text_answers_are_one_line():
    assert check_text("description", 'A "quoted" {{ app }} #1 caf\u00e9') == (
        'A "quoted" {{ app }} #1 caf\u00e9'
    )
    with pytest.raises(AnswerError, match="newline"):
        check_text("project_name", "two\nlines")
    with pytest.raises(AnswerError, match="must not be empty"):
        check_text("project_name", "  ")


@pytest.mark.parametrize(
    "email", ["", "you@example.com", "first.last+tag@mail.example.org"]
)
def test_valid_emails(email):
    assert check_email(email) == email


@pytest.mark.parametrize("email", ["you", "you@", "a b@example.com", 'x"@example.com'])
def test_invalid_emails(email):
    with pytest.raises(AnswerError, match=r"^email: "):
        check_email(email)


@pytest.mark.parametrize(
    ("given", "written", "dialect"),
    [
        ("sqlite:///app.db", "sqlite:///app.db", "sqlite"),
        ("sqlite:////var/lib/app.db", "sqlite:////var/lib/app.db", "sqlite"),
        (
            "postgres://u:p@localhost/app",
            "postgresql+psycopg://u:p@localhost/app",
            "postgresql",
        ),
        (
            "postgresql://localhost:5433/app",
            "postgresql+psycopg://localhost:5433/app",
            "postgresql",
        ),
        ("postgresql+psycopg://h/app", "postgresql+psycopg://h/app", "postgresql"),
        ("mysql://root@127.0.0.1/app", "mysql+pymysql://root@127.0.0.1/app", "mysql"),
        (
            "mariadb://root@127.0.0.1/app",
            "mariadb+pymysql://root@127.0.0.1/app",
            "mysql",
        ),
        (
            "MySQL+PyMySQL://h/app?charset=utf8mb4",
            "mysql+pymysql://h/app?charset=utf8mb4",
            "mysql",
        ),
    ],
)
def test_database_urls_are_written_with_their_driver(given, written, dialect):
    url = parse_database_url(given)
    assert (url.url, url.dialect) == (written, dialect)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("app.db", "is not a URL"),
        ("oracle://h/app", "scheme 'oracle' is not supported"),
        ("postgresql+asyncpg://h/app", "scheme 'postgresql+asyncpg' is not supported"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("sqlite://host/app.db", "has a host"),
        ("postgresql:///app", "names no host"),
        ("postgresql://localhost", "names no database"),
        ("postgresql://localhost:99999/app", "does not parse"),
        ("mysql://localhost/a/b", "names no database"),
    ],
)
def test_bad_database_urls_are_refused(given, problem):
    with pytest.raises(AnswerError, match=r"^database_url: ") as raised:
        parse_database_url(given)
    assert problem in str(raised.value)


def test_the_example_url_hides_the_password():
    assert example_database_url("postgresql+psycopg://app:s3cret@db/app") == (
        "postgresql+psycopg://app:change-me@db/app"
    )
    assert example_database_url("sqlite:///app.db") == "sqlite:///app.db"


HOSTILE = [
    'She said "hi"',
    "it's",
    "both ' and \"",
    'Bob\'s "App"',
    "back\\slash\\",
    "{{ cookiecutter.x }} {% if %}",
    "# not a comment",
    "caf\u00e9 \u65e5\u672c \U0001f680",
    "trailing \\",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_python_strings_round_trip(text):
    literal = escaping.python_string(text)
    assert ast.literal_eval(literal) == text


def test_python_strings_are_quoted_as_ruff_formats_them():
    assert escaping.python_string("plain") == '"plain"'
    assert escaping.python_string('say "hi"') == "'say \"hi\"'"
    assert escaping.python_string('it\'s "x"') == "'it\\'s \"x\"'"
    assert escaping.python_string("it's \"x\" 'y'") == '"it\'s \\"x\\" \'y\'"'


def test_every_hostile_python_string_is_as_ruff_formats_it(tmp_path):
    module = tmp_path / "strings.py"
    module.write_text("".join(f"X = {escaping.python_string(t)}\n" for t in HOSTILE))
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--diff", "--no-cache", str(module)],
        capture_output=True,
        text=True,
    )
    assert formatted.returncode == 0, formatted.stdout


@pytest.mark.parametrize("text", HOSTILE)
def test_toml_strings_round_trip(text):
    assert tomllib.loads(f"value = {escaping.toml_string(text)}")["value"] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_yaml_strings_are_json_strings(text):
    assert json.loads(escaping.yaml_string(text)) == text


def test_markdown_text_escapes_markup():
    assert escaping.markdown_text("*bold* _x_ [a](b) #1") == (
        "\\*bold\\* \\_x\\_ \\[a\\]\\(b\\) \\#1"
    )


@pytest.mark.parametrize("target", ["PROJECT_NAME", "API_TITLE: ClassVar[str]"])
@pytest.mark.parametrize("indent", ["", "    "])
@pytest.mark.parametrize("length", [40, 60, 71, 72, 80, 90, 200])
def test_python_assignments_are_laid_out_as_ruff_formats_them(
    tmp_path, target, indent, length
):
    name = "N" * length
    code = escaping.python_assignment(name, target, indent)
    module = tmp_path / "module.py"
    body = f"class Settings:\n{indent}{code}\n" if indent else f"{code}\n"
    body = "from typing import ClassVar\n\n\n" + body
    module.write_text(body)
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--diff", "--no-cache", str(module)],
        capture_output=True,
        text=True,
    )
    assert formatted.returncode == 0, formatted.stdout
    assert ast.literal_eval(code.split(" = ", 1)[1].strip()) == name
