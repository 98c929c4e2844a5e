"""Faults and limits (issue 12): nothing lost, nothing stuck, no 500.

Each hostile or unlucky case of the reliability review, on the database it
concerns: bounded answers refused in one line before anything is written;
limits of the chosen database checked when the models are given; package
names that the project's tools import refused; driver errors at setup in
one line with the project kept; the first migration on MariaDB never left
half-done, and the tables a database had kept safe; every interruption
repaired by one `bin/setup`; concurrent setups serialized. The REST API's
cases are in tests/test_request_limits.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Double,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    Uuid,
    create_engine,
    insert,
    inspect,
    text,
)
from sqlalchemy.dialects import mysql

from flask_db_template import answers as answers_module
from flask_db_template.answers import (
    MAX_MODELS_ANSWER_BYTES,
    AnswerError,
    check_package_name,
    dependency_module_names,
    dependency_modules,
    find_problem,
    read_models_file,
)
from flask_db_template.database_limits import check_database_limits
from flask_db_template.modelspec import SpecError, parse
from tests.baking import REPO, TEMPLATE_DIR, clean_environment, flask, run
from tests.servers import SERVERS, Server, require, throwaway_databases

COOKIECUTTER = Path(sys.executable).parent / "cookiecutter"
PACKAGE = "my_flask_app"


def answers(**changes) -> dict:
    rendered = {
        "project_name": "My Flask App",
        "project_slug": "my-flask-app",
        "package_name": PACKAGE,
        "description": "",
        "author_name": "",
        "email": "",
        "database_url": "sqlite:///my_flask_app.db",
        "models": "User email:string{120}!:unique",
        "api": True,
        "timestamps": True,
        "create_venv": False,
    }
    rendered.update(changes)
    rendered.setdefault("__models", rendered["models"])
    return rendered


def one_line(problem: str | None) -> str:
    assert problem is not None
    assert "\n" not in problem
    return problem


def fields(count: int, kind: str, name: str = "Item") -> str:
    return f"{name} " + " ".join(f"f{index}:{kind}" for index in range(count))


# --- Answers: bounded, each refused in one line -----------------------------------

NESTED = "[" * 100_000 + "]" * 100_000
FIVE_THOUSAND_DIGITS = "9" * 5000


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"__models": "x" * (MAX_MODELS_ANSWER_BYTES + 1)}, "models: the answer is"),
        ({"__models": NESTED}, "nested more than 8 deep"),
        ({"__models": '{"A": ' * 20 + "{}" + "}" * 20}, "nested more than 8 deep"),
        (
            {"__models": f"Item name:string{{{FIVE_THOUSAND_DIGITS}}}"},
            "has 5000 digits; a number here has at most 30",
        ),
        (
            {"__models": f"Item size:integer:default={FIVE_THOUSAND_DIGITS}"},
            "has 5000 digits",
        ),
        (
            {"__models": f'{{"Item": {{"size": {FIVE_THOUSAND_DIGITS}}}}}'},
            "has 5000 digits",
        ),
        ({"project_slug": "a" * 300}, "project_slug: 300 characters, over the 200"),
        ({"package_name": "a" * 300}, "package_name: 300 characters"),
        ({"api": "maybe"}, "api: expected yes or no, got 'maybe'"),
        ({"timestamps": 2}, "timestamps: expected yes or no, got 2"),
        ({"create_venv": "perhaps"}, "create_venv: expected yes or no"),
        ({"package_name": "packaging"}, "'packaging' is the name of a dependency"),
        ({"package_name": "pluggy"}, "'pluggy' is the name of a dependency"),
        ({"package_name": "pip"}, "'pip' is the name of a dependency"),
        ({"__models": fields(1998, "boolean")}, "2001 columns, over the 2000"),
        (
            {
                "__models": fields(1598, "boolean"),
                "database_url": "postgresql://u@h/d",
            },
            "1601 columns, over the 1600 a PostgreSQL table",
        ),
        (
            {"__models": fields(1015, "boolean"), "database_url": "mysql://u@h/d"},
            "1018 columns, over the 1017 a MariaDB table",
        ),
        (
            {"__models": fields(1000, "bigint"), "database_url": "mysql://u@h/d"},
            "a row takes up to",
        ),
        (
            {"__models": fields(1100, "bigint"), "database_url": "postgresql://u@h/d"},
            "a row takes up to",
        ),
    ],
    ids=lambda value: str(value)[:60] if isinstance(value, str) else None,
)
def test_an_answer_beyond_a_limit_is_refused_in_one_line(changes, expected):
    assert expected in one_line(find_problem(answers(**changes)))


@pytest.mark.parametrize(
    ("models", "url"),
    [
        (fields(1997, "boolean"), "sqlite:///a.db"),  # 2000 columns
        (fields(1597, "boolean"), "postgresql://u@h/d"),  # 1600
        (fields(1014, "boolean"), "mysql://u@h/d"),  # 1017
        (fields(1000, "bigint"), "sqlite:///a.db"),  # SQLite has no row limit
    ],
)
def test_a_table_at_the_limit_is_accepted(models, url):
    assert find_problem(answers(__models=models, database_url=url)) is None


def test_a_models_file_must_be_a_regular_file_and_is_read_with_a_limit(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (MAX_MODELS_ANSWER_BYTES + 1))
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"Caf\xe9 name")
    cases = {
        Path("/dev/zero"): "is not a regular file",
        fifo: "is not a regular file",
        tmp_path: "is not a regular file",
        big: f"holds more than {MAX_MODELS_ANSWER_BYTES} bytes",
        latin: "is not UTF-8 text (byte 3)",
        tmp_path / "missing": "No such file or directory",
        tmp_path / ("n" * 300): "File name too long",
    }
    for path, expected in cases.items():
        # A thread, so that a read that blocks fails the test instead of hanging it.
        outcome: list[BaseException] = []
        reader = threading.Thread(
            target=lambda path=path: outcome.extend(_raises(read_models_file, path))
        )
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive(), f"reading {path} hangs"
        (error,) = outcome
        assert isinstance(error, AnswerError) and expected in str(error), error
        assert str(error).startswith("models: ") and "\n" not in str(error)


def _raises(function, *arguments) -> list[BaseException]:
    try:
        function(*arguments)
    except BaseException as error:  # noqa: BLE001 - handed to the test
        return [error]
    return []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("models=@/dev/zero", "models: /dev/zero is not a regular file"),
        ("models=@{fifo}", "is not a regular file"),
        ("models=@{nested}", "the JSON answer is nested more than 8 deep"),
        ("models=@{digits}", "has 5000 digits"),
        (f"models=Item size:integer:default={FIVE_THOUSAND_DIGITS}", "5000 digits"),
        (f"project_name={'a' * 300}", "project_slug: 300 characters"),
        ("package_name=pluggy", "package_name: 'pluggy' is the name of a dependency"),
        ("package_name=packaging", "package_name: 'packaging'"),
        ("package_name=pip", "package_name: 'pip'"),
        ("models=" + fields(2100, "integer"), "over the 2000 a SQLite table"),
    ],
    ids=lambda value: value[:40],
)
def test_the_real_cookiecutter_refuses_in_one_line_and_writes_nothing(
    tmp_path, answer, expected
):
    fifo, nested, digits = tmp_path / "fifo", tmp_path / "n.json", tmp_path / "d.json"
    os.mkfifo(fifo)
    nested.write_text(NESTED)
    digits.write_text(f'{{"Item": {{"size": {FIVE_THOUSAND_DIGITS}}}}}')
    answer = answer.format(fifo=fifo, nested=nested, digits=digits)
    output = tmp_path / "out"
    output.mkdir()
    baked = run(
        [str(COOKIECUTTER), "--no-input", "--output-dir", str(output), str(REPO)]
        + [answer, "create_venv=no"],
        tmp_path,
        check=False,
        timeout=120,
    )
    assert baked.returncode == 1
    assert baked.stderr.startswith("error: ") and baked.stderr.count("\n") == 1
    assert expected in baked.stderr
    assert list(output.iterdir()) == []


# --- Package names: every top-level module of the dependencies and tools ---------


def test_the_committed_dependency_modules_are_up_to_date():
    """Recomputed from this environment, which has every dependency installed:
    run `make dependency-modules` when this fails."""
    pyproject = (TEMPLATE_DIR / "pyproject.toml").read_text()
    assert sorted(dependency_module_names()) == dependency_modules(pyproject)


@pytest.mark.parametrize(
    "name",
    [
        "pip",
        "setuptools",
        "pkg_resources",
        "packaging",
        "pluggy",
        "iniconfig",
        "pygments",
        "pytest",
        "pytest_alembic",
        "psycopg",
        "pymysql",
        "gunicorn",
        "ruff",
        "flask_smorest",
        "webargs",
        "apispec",
        "mako",
        "colorama",  # pytest's on Windows
    ],
)
def test_what_the_project_and_its_tools_import_is_no_package_name(name):
    with pytest.raises(AnswerError, match="is the name of a dependency"):
        check_package_name(name)


def test_the_list_holds_every_module_installed_for_the_project():
    from importlib import metadata

    installed = metadata.packages_distributions()
    for distribution in ("flask", "sqlalchemy", "alembic", "pytest", "pip"):
        modules = {
            m for m, ds in installed.items() if distribution in map(str.lower, ds)
        }
        assert modules and modules <= dependency_module_names() | {
            m for m in modules if not m.isidentifier()
        }


# --- What the chosen database can create, against the real servers ---------------

SQL_TYPES = {
    "integer": lambda: Integer(),
    "bigint": lambda: BigInteger(),
    "float": lambda: Double(),
    "boolean": lambda: Boolean(create_constraint=False),
    "date": lambda: Date(),
    "time": lambda: Time().with_variant(mysql.TIME(fsp=6), "mysql", "mariadb"),
    "uuid": lambda: Uuid(),
    "text": lambda: Text(),
    "string{20}": lambda: String(20),
    "string{200}": lambda: String(200),
    "decimal{65,30}": lambda: Numeric(65, 30),
}


def largest_accepted(kind: str, dialect: str) -> int:
    low, high = 1, 2100
    while low < high:
        middle = (low + high + 1) // 2
        try:
            check_database_limits(
                parse(fields(middle, kind), timestamps=False), dialect
            )
            low = middle
        except SpecError:
            high = middle - 1
    return low


@pytest.fixture(params=list(SERVERS))
def server(request) -> Server:
    return require(SERVERS[request.param])


@pytest.mark.slow
def test_the_largest_table_the_check_accepts_is_made_and_filled(server):
    """For each type: the most columns the check accepts make a table the
    server creates and fills with a row of its largest values; for integers,
    ten more columns than that are refused by the server too."""
    dialect = "mysql" if server.name == "mariadb" else server.name
    with throwaway_databases(server) as databases:
        engine = server.engine(databases.create())
        try:
            for kind, make_type in SQL_TYPES.items():
                count = largest_accepted(kind, dialect)
                for columns, works in [(count, True), (count + 10, False)]:
                    if not works and kind not in ("integer", "bigint"):
                        continue
                    metadata = MetaData()
                    table = Table(
                        "item",
                        metadata,
                        Column("id", Integer, primary_key=True),
                        *(Column(f"f{i}", make_type()) for i in range(columns)),
                    )
                    try:
                        metadata.create_all(engine)
                        with engine.begin() as connection:
                            # PostgreSQL's largest row has one NULL: its null
                            # bitmap, and every other value.
                            full = largest_row(kind, columns)
                            connection.execute(insert(table), [full])
                            connection.execute(insert(table), [{**full, "f0": None}])
                        made = True
                    except Exception as error:  # noqa: BLE001 - the server's word
                        made = False
                        reason = str(error).splitlines()[0]
                    finally:
                        metadata.drop_all(engine)
                    assert made == works, f"{kind} x{columns} on {server.name}: " + (
                        "" if made else reason
                    )
        finally:
            engine.dispose()


def largest_row(kind: str, columns: int) -> dict:
    import datetime
    import decimal
    import uuid

    value = {
        "integer": 2**31 - 1,
        "bigint": 2**63 - 1,
        "float": 1.5e300,
        "boolean": True,
        "date": datetime.date(2024, 1, 1),
        "time": datetime.time(12, 0, 0, 123456),
        "uuid": uuid.uuid4(),
        "text": "\U0001f600" * 10_000,
        "string{20}": "\U0001f600" * 20,
        "string{200}": "\U0001f600" * 200,
        "decimal{65,30}": decimal.Decimal("9" * 35 + "." + "9" * 30),
    }[kind]
    return {f"f{i}": value for i in range(columns)}
