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

import os
import shlex
import shutil
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
    insert,
    inspect,
    text,
)
from sqlalchemy.dialects import mysql

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
from flask_db_template.uv_fetch import SETUP_UV_VARIABLE, cached_uv, uv_for_setup
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
        "api_auth": True,
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
        (
            {"__models": "Post slug:text!:unique", "database_url": "mysql://u@h/d"},
            "Post.slug: ':unique' on a text field, which MySQL cannot enforce",
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
        # Version 3: a unique text where the database enforces it.
        ("Post slug:text!:unique", "mariadb://u@h/d"),
        ("Post slug:text!:unique", "postgresql://u@h/d"),
        ("Post slug:text!:unique", "sqlite:///a.db"),
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
            target=lambda path=path, outcome=outcome: outcome.extend(
                _raises(read_models_file, path)
            )
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


def deep_folder(base: Path, size: int) -> Path:
    """A folder below `base` (not made) whose path is about `size` bytes."""
    count = max(1, (size - len(str(base))) // 201)
    return base.joinpath(*["d" * 200] * count)


@pytest.mark.parametrize(
    ("where", "database", "expected"),
    [
        (
            lambda out: out / ("n" * 256),
            "app.db",
            "error: project folder: a name of 256 bytes (...nnnnnnnn",
        ),
        (
            lambda out: deep_folder(out, 4096),
            "/tmp/app.db",  # absolute: only the deepest path is too long
            "would hold a path of 4",
        ),
        (
            lambda out: deep_folder(out, 700),
            "app.db",
            "the SQLite database would be ...",
        ),
    ],
    ids=["name-over-255-bytes", "deepest-path-over-4095-bytes", "sqlite-over-504"],
)
def test_a_project_folder_too_long_for_the_file_system_is_one_line(
    tmp_path, where, database, expected
):
    output = tmp_path / "out"
    output.mkdir()
    baked = run(
        [str(COOKIECUTTER), "--no-input", "--output-dir", str(where(output))]
        + [str(REPO), "create_venv=no", f"database_url=sqlite:///{database}"],
        tmp_path,
        check=False,
        timeout=120,
    )
    assert baked.returncode == 1
    assert "Traceback" not in baked.stdout + baked.stderr
    assert baked.stderr.startswith("error: ") and baked.stderr.count("\n") == 1
    assert expected in baked.stderr
    assert "choose a shorter --output-dir" in baked.stderr
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
        "flask_db_kit",  # the project's own library, in vendor/
        "flask_smorest",
        "webargs",
        "apispec",
        "mako",
        "colorama",  # pytest's on Windows
        "greenlet",  # SQLAlchemy 2.0's
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


# --- Setup: driver errors in one line, the project kept ---------------------------


def bake_cli(tmp_path: Path, *answers: str) -> tuple[subprocess.CompletedProcess, Path]:
    """The real `cookiecutter` (create_venv off: this Python has the packages)."""
    output = tmp_path / "out"
    output.mkdir(exist_ok=True)
    baked = run(
        [str(COOKIECUTTER), "--no-input", "--output-dir", str(output), str(REPO)]
        + ["create_venv=no", *answers],
        tmp_path,
        check=False,
        timeout=600,
    )
    return baked, output / "my-flask-app"


def setup(project: Path, *, check: bool = True) -> subprocess.CompletedProcess:
    return run([sys.executable, "bin/setup", "--no-venv"], project, check=check)


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if "rror" in line]


def unusable_urls(tmp_path: Path) -> dict[str, tuple[str | None, str]]:
    """name -> (server needed, URL) of databases the driver refuses at setup."""
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("not a database, only text long enough for a header")
    read_only = tmp_path / "read-only.db"
    read_only.write_bytes(b"")
    postgresql = SERVERS["postgresql"].database_url("postgres", "postgresql")
    mariadb = SERVERS["mariadb"].database_url("mysql", "mysql")
    return {
        "sqlite file that is not a database": (None, f"sqlite:///{not_a_database}"),
        "sqlite read-only": (None, f"sqlite:///file:{read_only}?mode=ro&uri=true"),
        "postgresql ?foo=bar": ("postgresql", f"{postgresql}?foo=bar"),
        "postgresql ?connect_timeout=abc": (
            "postgresql",
            f"{postgresql}?connect_timeout=abc",
        ),
        "mariadb ?foo=bar": ("mariadb", f"{mariadb}?foo=bar"),
        "mariadb ?connect_timeout=abc": ("mariadb", f"{mariadb}?connect_timeout=abc"),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", ["sqlite file that is not a database", "sqlite read-only"]
)
def test_a_driver_error_at_setup_is_one_line_and_the_project_is_kept(tmp_path, case):
    needed, url = unusable_urls(tmp_path)[case]
    if needed:
        require(SERVERS[needed])
    baked, project = bake_cli(tmp_path, f"database_url={url}")
    # The setup failed: the bake says so by its exit status, and keeps the project.
    assert baked.returncode == 1, baked.stderr
    assert (project / "bin" / "setup").is_file()
    (error,) = error_lines(baked.stderr)
    assert error.startswith(("Error: ", "error: ")), baked.stderr
    assert "Finish it with:" in baked.stdout
    assert "my-flask-app && python3 bin/setup --no-venv" in baked.stdout


@pytest.mark.parametrize(
    "case",
    [
        "postgresql ?foo=bar",
        "postgresql ?connect_timeout=abc",
        "mariadb ?foo=bar",
        "mariadb ?connect_timeout=abc",
    ],
)
def test_an_option_the_driver_refuses_is_one_line_before_anything_is_written(
    tmp_path, case
):
    """Query options are checked with the answer, as each driver reads them."""
    _, url = unusable_urls(tmp_path)[case]
    baked, project = bake_cli(tmp_path, f"database_url={url}")
    assert baked.returncode == 1
    (error,) = error_lines(baked.stderr)
    assert error.startswith("error: database_url:"), baked.stderr
    assert not project.exists()


# --- MariaDB: the first migration never half-done, existing tables kept ---------

USERS_AND_POSTS = (
    "User username:string{80}!:unique; Post title:string{200}!"
    " author:references{User.posts}"
)


def execute(server: Server, database: str, *statements: str) -> list[tuple]:
    engine = server.engine(database)
    try:
        with engine.connect() as connection:
            rows: list[tuple] = []
            for statement in statements:
                result = connection.execute(text(statement))
                if result.returns_rows:
                    rows = [tuple(row) for row in result]
            return rows
    finally:
        engine.dispose()


def tables_of(server: Server, database: str) -> set[str]:
    engine = server.engine(database)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def mariadb():
    server = require(SERVERS["mariadb"])
    with throwaway_databases(server) as databases:
        yield server, databases


@pytest.mark.slow
def test_mariadb_a_table_in_the_way_is_named_and_the_renamed_one_survives(
    tmp_path, mariadb
):
    """The review's story: an existing `users` table with three rows."""
    server, databases = mariadb
    database = databases.create()
    execute(
        server,
        database,
        "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20))",
        "INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')",
    )
    url = server.database_url(database, "mysql")
    baked, project = bake_cli(
        tmp_path, f"database_url={url}", f"models={USERS_AND_POSTS}"
    )
    assert baked.returncode == 1 and project.is_dir()
    (error,) = error_lines(baked.stderr)
    assert error == (
        "Error: the database already has 1 table(s) that the migrations create: "
        "users; nothing was applied. Rename or drop them (or give the models other "
        f"tables), then run `cd {shlex.quote(str(project))} && python3 bin/setup "
        "--no-venv` again"
    )
    assert tables_of(server, database) == {"users"}

    execute(server, database, "RENAME TABLE users TO legacy_users")
    setup(project)
    listed = (project / "migrations" / "unmanaged_tables.txt").read_text()
    assert "legacy_users" in listed.splitlines()
    revisions = sorted((project / "migrations" / "versions").glob("*.py"))
    flask(project, "db", "migrate", "-m", "nothing changed")
    assert sorted((project / "migrations" / "versions").glob("*.py")) == revisions
    flask(project, "db", "upgrade")
    flask(project, "db", "check")
    assert execute(server, database, "SELECT COUNT(*) FROM legacy_users") == [(3,)]


@pytest.mark.slow
def test_mariadb_a_first_upgrade_that_fails_is_undone(tmp_path, mariadb):
    """A foreign key name is the whole database's on MariaDB: one taken by an
    existing table passes the check of table names, and fails the upgrade
    after `users` was created. The upgrade is undone, the existing tables are
    listed as unmanaged before it and kept, and once the name is free one
    setup finishes."""
    server, databases = mariadb
    database = databases.create()
    execute(
        server,
        database,
        "CREATE TABLE legacy_parents (id INT PRIMARY KEY)",
        "CREATE TABLE legacy_children (id INT PRIMARY KEY, parent_id INT,"
        " CONSTRAINT fk_posts_author_id_users FOREIGN KEY (parent_id)"
        " REFERENCES legacy_parents (id))",
        "INSERT INTO legacy_parents VALUES (1)",
        "INSERT INTO legacy_children VALUES (1, 1)",
    )
    url = server.database_url(database, "mysql")
    baked, project = bake_cli(
        tmp_path, f"database_url={url}", f"models={USERS_AND_POSTS}"
    )
    assert baked.returncode == 1 and project.is_dir()
    assert "The first upgrade failed: removing the tables it created" in baked.stderr
    assert "Finish it with:" in baked.stdout
    assert tables_of(server, database) == {"legacy_parents", "legacy_children"}
    listed = (project / "migrations" / "unmanaged_tables.txt").read_text().splitlines()
    assert {"legacy_parents", "legacy_children"} <= set(listed)
    assert not (project / "migrations" / ".first-upgrade-pending").exists()

    execute(
        server,
        database,
        "ALTER TABLE legacy_children DROP FOREIGN KEY fk_posts_author_id_users",
    )
    setup(project)
    assert {"users", "posts", "alembic_version"} <= tables_of(server, database)
    flask(project, "db", "check")
    assert execute(server, database, "SELECT COUNT(*) FROM legacy_children") == [(1,)]


MANY_MODELS = "; ".join(
    f"Model{index} name{index}:string{{40}} note{index}:text" for index in range(150)
)


def kill_when(process: subprocess.Popen, ready, timeout: float = 300) -> None:
    """SIGKILL `process` as soon as `ready()` holds (it must, before it ends)."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "it finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()


def start_setup_db(project: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "setup-db"],
        cwd=project,
        env=clean_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_mariadb_a_killed_first_upgrade_is_undone_by_the_next_setup(tmp_path, mariadb):
    server, databases = mariadb
    database = databases.name_to_drop_later()  # not there yet: the bake stops
    url = server.database_url(database, "mysql")
    baked, project = bake_cli(
        tmp_path, f"database_url={url}", f"models={MANY_MODELS}", "api=no"
    )
    assert baked.returncode == 1 and "has no database" in baked.stderr
    server.create_database(database)

    process = start_setup_db(project)
    kill_when(process, lambda: len(tables_of(server, database)) >= 20)
    left = tables_of(server, database)
    assert 20 <= len(left) < 151, "the upgrade was not interrupted half-way"

    setup(project)
    assert len(tables_of(server, database) - {"alembic_version"}) == 150
    flask(project, "db", "check")
    assert not (project / "migrations" / ".first-upgrade-pending").exists()


# --- Every other interruption repaired by one bin/setup --------------------------


@pytest.mark.slow
def test_a_killed_initial_migration_is_made_again(tmp_path):
    """Killed while the initial revision is generated (after `flask db init`),
    and again with a half-made migrations/: the next setup makes them whole."""
    baked, project = bake_cli(tmp_path, f"models={MANY_MODELS}")
    assert baked.returncode == 0, baked.stderr
    migrations = project / "migrations"
    database = project / "instance" / "my_flask_app.db"

    def start_afresh() -> None:
        subprocess.run(["rm", "-rf", str(migrations), str(database)], check=True)

    start_afresh()
    process = start_setup_db(project)
    pending = migrations / "versions" / ".initial-revision-pending"
    kill_when(process, pending.exists)
    setup(project)
    assert len(list((migrations / "versions").glob("*.py"))) == 1
    assert not pending.exists()
    flask(project, "db", "check")

    # `flask db init` stopped half-way: some of its files, no env.py.
    start_afresh()
    migrations.mkdir()
    (migrations / "README").write_text("Single-database configuration for Flask.\n")
    (migrations / "versions").mkdir()
    repaired = setup(project)
    assert "Removing the half-made migrations/" in repaired.stdout
    assert len(list((migrations / "versions").glob("*.py"))) == 1
    flask(project, "db", "check")


@pytest.mark.slow
def test_two_setups_at_once_make_one_initial_migration(tmp_path):
    baked, project = bake_cli(tmp_path)
    assert baked.returncode == 0, baked.stderr
    migrations = project / "migrations"
    for _ in range(3):
        subprocess.run(
            ["rm", "-rf", str(migrations), str(project / "instance")], check=True
        )
        setups = [
            subprocess.Popen(
                [sys.executable, "bin/setup", "--no-venv"],
                cwd=project,
                env=clean_environment(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=300) for process in setups]
        assert [process.returncode for process in setups] == [0, 0], outputs
        assert len(list((migrations / "versions").glob("*.py"))) == 1
        heads = flask(project, "db", "heads").stdout.split()
        assert len([word for word in heads if word.endswith("(head)")]) == 1
        flask(project, "db", "check")


@pytest.mark.slow
def test_a_half_made_venv_is_made_again(tmp_path):
    """`.venv` as a killed `python -m venv` leaves it: a Python and no pip."""
    baked, project = bake_cli(tmp_path)
    assert baked.returncode == 0, baked.stderr
    run([sys.executable, "-m", "venv", "--without-pip", ".venv"], project)
    repaired = run([sys.executable, "bin/setup"], project, timeout=900)
    assert "Making .venv again" in repaired.stdout
    run([str(project / ".venv" / "bin" / "python"), "-m", "pip", "--version"], project)
    run(
        [str(project / ".venv" / "bin" / "python"), "-m", "flask", "db", "check"],
        project,
    )


def can_unshare_the_network() -> bool:
    if shutil.which("unshare") is None:
        return False
    return (
        subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    )


@pytest.mark.slow
@pytest.mark.skipif(
    not can_unshare_the_network(), reason="needs `unshare -n` (root on Linux)"
)
def test_offline_a_setup_makes_the_venv_from_uvs_cache(tmp_path):
    """No network at all (a network namespace of its own): bin/setup makes
    .venv again with the user's uv (on PATH) and uv's cache, and soon."""
    baked, project = bake_cli(tmp_path)
    assert baked.returncode == 0, baked.stderr
    # The user's uv on PATH: theirs, else the one the first bake fetches.
    uv = shutil.which("uv") or cached_uv()
    if uv is None:
        uv = uv_for_setup().get(SETUP_UV_VARIABLE)
    assert uv, "no uv on PATH, and none could be fetched"
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "uv").symlink_to(uv)
    on_path = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    # Online first: caches warm.
    run([sys.executable, "bin/setup"], project, timeout=900, **on_path)
    lock = (project / "requirements.lock").read_text()
    subprocess.run(["rm", "-rf", str(project / ".venv")], check=True)
    offline = run(
        ["unshare", "-n", sys.executable, "bin/setup"], project, timeout=300, **on_path
    )
    assert "from uv's cache alone" in offline.stdout
    python = str(project / ".venv" / "bin" / "python")
    run([python, "-m", "flask", "db", "check"], project)
    run([python, "-m", "pip", "--version"], project)
    assert (project / "requirements.lock").read_text() == lock


# --- Ctrl-C and a full disk during the bake's setup ------------------------------


def users_shell(workdir: Path, uv: str | None = None) -> dict[str, str]:
    """A user's environment in `workdir`: `python3` is this Python (it has
    cookiecutter), and bin/setup is handed the uv the bake fetched."""
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    return clean_environment(
        PWD=str(workdir), PATH=path, **({SETUP_UV_VARIABLE: uv} if uv else {})
    )


def any_uv() -> str:
    uv = shutil.which("uv") or cached_uv() or uv_for_setup().get(SETUP_UV_VARIABLE)
    assert uv, "no uv on PATH, and none could be fetched"
    return str(uv)


def finish_as_printed(line: str, workdir: Path, uv: str) -> subprocess.CompletedProcess:
    """The command between backquotes in `line`, run in a shell as typed."""
    command = line.split("`")[1]
    finished = subprocess.run(
        command,
        shell=True,
        cwd=workdir,
        env=users_shell(workdir, uv),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished


def assert_baked_whole(project: Path) -> None:
    """What a bake that finished leaves: a working .venv and database, the
    link for updates, a repository with its first commit."""
    assert '"template": ' in (project / ".cruft.json").read_text()
    log = run(["git", "log", "--format=%s"], project).stdout.splitlines()
    assert log == ["Bake the project from its cookiecutter template"]
    assert list((project / "migrations" / "versions").glob("*.py"))
    flask(project, "db", "check", python=str(project / ".venv" / "bin" / "python"))


@pytest.mark.slow
def test_ctrl_c_during_the_setup_is_one_line_and_its_command_finishes_the_bake(
    tmp_path,
):
    """Ctrl-C in a terminal while the bake installs: one line, naming the
    command, no traceback, no "Aborted!"; that command then finishes it all."""
    import pexpect

    uv = any_uv()
    workdir = tmp_path / "work"
    workdir.mkdir()
    child = pexpect.spawn(
        str(COOKIECUTTER),
        ["--no-input", str(REPO), "create_venv=yes"],
        cwd=str(workdir),
        env=users_shell(workdir, uv),
        encoding="utf-8",
        timeout=600,
    )
    child.expect("Installing the project")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    output = child.before
    assert child.exitstatus == 130, output
    assert "Traceback" not in output and "Aborted!" not in output, output
    # After the installer's progress, one line and nothing more.
    *_, line = [line for line in output.splitlines() if line.strip()]
    assert line == (
        "Interrupted: the project is kept, its setup unfinished; finish it with "
        "`cd my-flask-app && python3 bin/setup`"
    ), output
    project = workdir / "my-flask-app"
    # Made before the setup: the link for updates and the first commit.
    assert (project / ".cruft.json").is_file()
    assert run(["git", "log", "--oneline"], project).stdout.count("\n") == 1

    # The same at the user's own `python3 bin/setup`: one line naming it.
    again = pexpect.spawn(
        "python3",
        ["bin/setup"],
        cwd=str(project),
        env=users_shell(workdir, uv),
        encoding="utf-8",
        timeout=600,
    )
    again.expect("Installing the project")
    again.sendintr()
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 1, again.before
    assert "Traceback" not in again.before, again.before
    *_, last = [line for line in again.before.splitlines() if line.strip()]
    assert last == "Interrupted: run python3 bin/setup to finish", again.before

    finish_as_printed(line, workdir, uv)
    assert_baked_whole(project)


def processes_naming(path: Path) -> list[str]:
    """The command lines of the running processes that name `path`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in command:
            found.append(command)
    return found


@pytest.mark.slow
def test_a_bake_ended_with_its_process_group_ends_its_setup_too(tmp_path):
    """The setup runs in a process group of its own (for Ctrl-C): a CI job
    cancelled, which ends the bake's group with SIGTERM, must end it too."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    bake = subprocess.Popen(
        [str(COOKIECUTTER), "--no-input", str(REPO), "create_venv=yes"],
        cwd=workdir,
        env=users_shell(workdir, any_uv()),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    for line in bake.stdout:
        if "Installing the project" in line:
            break
    os.killpg(bake.pid, signal.SIGTERM)
    bake.communicate(timeout=60)
    project = workdir / "my-flask-app"
    deadline = time.monotonic() + 5
    while processes_naming(project) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_naming(project) == []
    # Ended, not finished: it never went on to the database.
    assert not (project / "migrations").exists()


def can_mount_a_tmpfs(folder: Path) -> bool:
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
    )
    if mounted.returncode:
        return False
    subprocess.run(["umount", str(folder)], check=True)
    return True


@pytest.mark.slow
def test_a_disk_full_before_the_library_is_copied_is_one_line(tmp_path):
    """The rendered files fit (about 180 kB), flask-db-kit's copy into
    vendor/ (about 350 kB) does not."""
    disk = tmp_path / "disk"
    if not can_mount_a_tmpfs(disk):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must be able to mount a tmpfs (root)")
        pytest.skip("needs `mount -t tmpfs` (root)")
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(disk)], check=True
    )
    try:
        baked = subprocess.run(
            [str(COOKIECUTTER), "--no-input", str(REPO), "create_venv=no"],
            cwd=disk,
            env=users_shell(disk),
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=False)
    output = baked.stdout + baked.stderr
    assert baked.returncode == 1, output
    assert "Traceback" not in output, output
    [line] = [line for line in baked.stderr.splitlines() if "vendor/" in line]
    assert line == (
        "error: flask-db-kit could not be copied into my-flask-app/vendor/ (No space"
        " left on device), so the project is incomplete: fix that, delete the folder"
        " and bake again"
    ), output


@pytest.mark.slow
def test_a_full_disk_during_the_setup_is_one_line_and_its_command_finishes_it(
    tmp_path,
):
    """A real ENOSPC: the bake goes into a 12 MiB tmpfs, which .venv fills
    (with pip: ensurepip fails). One line says so and names the command;
    once there is room, that command finishes the setup."""
    disk = tmp_path / "disk"
    if not can_mount_a_tmpfs(disk):
        if os.environ.get("CI") == "true":
            pytest.fail("CI must be able to mount a tmpfs (root)")
        pytest.skip("needs `mount -t tmpfs` (root)")
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(disk)], check=True
    )
    try:
        # No uv: bin/setup makes .venv with venv and ensurepip.
        environment = users_shell(disk)
        environment["PATH"] = f"{Path(sys.executable).parent}:/usr/bin:/bin"
        environment["BIN_SETUP_NO_UV_FETCH"] = "1"
        baked = subprocess.run(
            [str(COOKIECUTTER), "--no-input", str(REPO), "create_venv=yes"],
            cwd=disk,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = baked.stdout + baked.stderr
        assert baked.returncode == 1, output
        assert "Traceback" not in output
        [line] = [line for line in baked.stderr.splitlines() if " is full " in line]
        assert line.startswith("error: the disk holding my-flask-app is full"), line
        assert line.endswith("run `cd my-flask-app && python3 bin/setup`"), line
        project = disk / "my-flask-app"
        # Linked and committed before the setup, which the disk stopped.
        assert (project / ".cruft.json").is_file()
        assert run(["git", "log", "--oneline"], project).stdout.count("\n") == 1

        subprocess.run(["mount", "-o", "remount,size=1g", str(disk)], check=True)
        finish_as_printed(line, disk, any_uv())
        assert list((project / "migrations" / "versions").glob("*.py"))
        flask(project, "db", "check", python=str(project / ".venv" / "bin" / "python"))
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=False)


# --- Field names that could collide with generated code -------------------------

AWKWARD_FIELDS = (
    "Thing table:string{40} name:string{40} key:integer type:string{20}"
    " session:string{20} db:string{20} select:boolean sa:integer column:integer"
    " schema:string{20} cls:string{20} kwargs:string{20} args:integer"
    " value:integer mapped:integer text:string{20}:default=plain"
    " datetime:date sql_text:integer dt:integer"
)


@pytest.mark.slow
def test_any_field_name_is_safe_in_the_generated_models(tmp_path):
    baked, project = bake_cli(tmp_path, f"models={AWKWARD_FIELDS}")
    assert baked.returncode == 0, baked.stderr
    script = """
import datetime
from dotenv import load_dotenv
from my_flask_app import create_app
from my_flask_app.extensions import db
from my_flask_app.models import Thing

values = dict(table="t", name="n", key=1, type="x", session="s", db="d",
              select=True, sa=2, column=3, schema="sc", cls="c", kwargs="k",
              args=4, value=5, mapped=6, datetime=datetime.date(2024, 1, 2),
              sql_text=7, dt=8)
load_dotenv(".env")
app = create_app()
with app.app_context():
    db.session.add(Thing(**values))
    db.session.commit()
    thing = db.session.scalars(db.select(Thing)).one()
    assert {name: getattr(thing, name) for name in values} == values
    assert thing.text == "plain"
print("ok")
"""
    assert run([sys.executable, "-c", script], project).stdout.strip() == "ok"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_the_database_limits_know_every_type_of_the_language(dialect):
    """A password (its hash column) and binary{n} count toward a row's width."""
    schema = parse(
        "User name:string{64}! password:password! digest:binary{32}!"
        " avatar:binary{1000} code:string{8}!:primary",
        timestamps=True,
    )
    check_database_limits(schema, dialect)
    wide = parse(
        "Blob " + " ".join(f"b{index}:binary{{250}}!" for index in range(40)),
        timestamps=False,
    )
    if dialect == "mysql":  # 40 inline VARBINARY(250): over InnoDB's 8,126 bytes
        with pytest.raises(SpecError, match="a row takes up to"):
            check_database_limits(wide, dialect)
    else:
        check_database_limits(wide, dialect)
