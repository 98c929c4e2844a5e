"""The template on real PostgreSQL and MariaDB servers, as a user who answers
the `database_url` prompt with a server URL meets it.

Each test bakes with pytest-cookies into throwaway databases (tests/servers.py),
then uses the project as its user would: the real `flask` CLI and the
project's own test suite. Without the servers these tests skip and say what
they need; with CI=true they fail instead.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.baking import (
    EVERY_TYPE,
    REPO,
    clean_environment,
    flask,
    run,
    run_baked_tests,
)
from tests.servers import (
    SERVERS,
    Server,
    ThrowawayDatabases,
    require,
    throwaway_databases,
)

pytestmark = pytest.mark.slow

PACKAGE = "my_flask_app"  # the default project's
WITH_AN_ENUM = (
    "User username:string{80}!:unique email:string{120}!:unique;"
    " Post title:string{200}! status:enum{draft,live}!:default=draft"
    " author:references{User.posts}"
)
# 63 characters: PostgreSQL's limit for a name (MySQL's is 64). The names the
# naming convention makes from them are longer, and are shortened.
LONG_TABLE = "p" * 55 + "_parents"
LONG_CHILD_TABLE = "c" * 54 + "_children"
LONG_NAMES = (
    f"Parent({LONG_TABLE}) code:string{{40}}!:unique;"
    f" Child({LONG_CHILD_TABLE}) {'v' * 63}:string{{40}}!:unique"
    f" {'w' * 63}:string{{40}}:index"
    f" {'r' * 57}:references{{Parent.children}}"
)


@pytest.fixture(params=list(SERVERS))
def server(request) -> Server:
    return require(SERVERS[request.param])


@pytest.fixture
def databases(server: Server) -> Iterator[ThrowawayDatabases]:
    with throwaway_databases(server) as databases:
        yield databases


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def column_names(url: str, table: str) -> list[str]:
    engine = create_engine(url)
    try:
        return [column["name"] for column in inspect(engine).get_columns(table)]
    finally:
        engine.dispose()


def enum_types(url: str) -> set[str]:
    """PostgreSQL's enum types; the other databases keep none apart from tables."""
    engine = create_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            return set()
        return {enum["name"] for enum in inspect(engine).get_enums()}
    finally:
        engine.dispose()


def query(url: str, statement: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def revisions(project: Path) -> list[Path]:
    return sorted((project / "migrations" / "versions").glob("*.py"))


def upgrade_part(revision: Path) -> str:
    return revision.read_text().split("def downgrade")[0]


@pytest.mark.parametrize(
    ("server", "scheme"),
    [("postgresql", "postgresql"), ("mariadb", "mariadb")],
    indirect=["server"],
)
def test_a_bake_on_a_server_is_migrated_checked_and_tested(
    bake, server, databases, scheme, capfd
):
    database, test_database = databases.create(), databases.create()
    project = bake(
        database_url=server.database_url(database, scheme), models=EVERY_TYPE
    )
    output = capfd.readouterr()
    assert "The database is up to date" in output.out, output.err
    url = server.database_url(database)
    assert {"users", "posts", "tags", "alembic_version"} <= table_names(url)
    flask(project, "db", "check")
    # The REST API's suite among them (the api answer is yes by default): every
    # operation and error of every model, on this server.
    assert (project / "tests" / "test_api.py").is_file()
    run_baked_tests(project, TEST_DATABASE_URL=server.database_url(test_database))


def add_columns_to_users(models: Path) -> None:
    """Text, an enum and an indexed reference: each needs its own care somewhere."""
    source = models.read_text()
    table_line = '    __tablename__ = "users"\n'
    assert table_line in source
    source = source.replace(
        table_line,
        table_line
        + "    bio: Mapped[str | None] = mapped_column(Text)\n"
        + "    mood: Mapped[str | None] = mapped_column(\n"
        + '        Enum("calm", "busy", name="users_mood")\n'
        + "    )\n"
        + "    referrer_id: Mapped[int | None] = mapped_column(\n"
        + '        ForeignKey("users.id"), index=True\n'
        + "    )\n",
    )
    first_import = re.compile(r"^(?=from (?!__future__)|import )", re.MULTILINE)
    source = first_import.sub(
        "from sqlalchemy import Enum, ForeignKey, Text\n", source, count=1
    )
    models.write_text(source)


@pytest.fixture(params=["sqlite", *SERVERS])
def server_url(request) -> Iterator[str | None]:
    """A throwaway database's URL on each server; None for the default SQLite file."""
    if request.param == "sqlite":
        yield None
        return
    with throwaway_databases(require(SERVERS[request.param])) as databases:
        yield databases.server.database_url(databases.create())


def test_schema_changes_go_up_and_down_keeping_the_data(bake, server_url):
    """Add columns to a table with a row, upgrade, downgrade, down to base and
    up again, then remove them again: on every database."""
    answers = {"database_url": server_url} if server_url else {}
    project = bake(models=WITH_AN_ENUM, timestamps=False, **answers)
    url = server_url or f"sqlite:///{project / 'instance' / f'{PACKAGE}.db'}"
    query(url, "INSERT INTO users (username, email) VALUES ('ada', 'ada@example.com')")
    models = project / PACKAGE / "models.py"
    initial_models = models.read_text()
    add_columns_to_users(models)

    flask(project, "db", "migrate", "-m", "add columns")
    [added] = (project / "migrations" / "versions").glob("*_add_columns.py")
    source = added.read_text()
    assert "op.drop_table" not in source
    assert 'sa.Enum("calm", "busy", name="users_mood").create(' in source
    assert 'sa.Enum(name="users_mood").drop(' in source
    flask(project, "db", "upgrade")
    assert {"bio", "mood", "referrer_id"} <= set(column_names(url, "users"))
    assert query(url, "SELECT username FROM users") == [("ada",)]
    flask(project, "db", "check")

    flask(project, "db", "downgrade")
    assert not {"bio", "mood", "referrer_id"} & set(column_names(url, "users"))
    assert query(url, "SELECT username FROM users") == [("ada",)]
    assert "users_mood" not in enum_types(url)

    # Down to an empty database: each enum type goes with its table, so the
    # initial migration can create them again.
    flask(project, "db", "upgrade")
    flask(project, "db", "downgrade", "base")
    assert table_names(url) <= {"alembic_version"}
    assert enum_types(url) == set()
    flask(project, "db", "upgrade")
    flask(project, "db", "check")

    # Removing them is autogenerated from the database itself: PostgreSQL's
    # enum type goes too, and MySQL's foreign key before the index it uses.
    models.write_text(initial_models)
    flask(project, "db", "migrate", "-m", "remove columns")
    flask(project, "db", "upgrade")
    assert "mood" not in column_names(url, "users")
    assert "users_mood" not in enum_types(url)
    flask(project, "db", "check")
    flask(project, "db", "downgrade")
    assert "mood" in column_names(url, "users")
    flask(project, "db", "upgrade")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_leaves_a_project_ready_to_migrate_later(
    bake_unfinished, server, databases, capfd
):
    database = databases.create()
    unreachable = server.url.set(
        drivername=server.drivername, host="127.0.0.1", port=closed_port()
    )
    project = bake_unfinished(
        database_url=unreachable.set(database=database).render_as_string(
            hide_password=False
        )
    )
    output = capfd.readouterr()
    assert "Traceback" not in output.out + output.err
    [line] = [line for line in output.err.splitlines() if "cannot connect" in line]
    assert "nothing was applied" in line and "python3 bin/setup --no-venv`" in line
    assert len(revisions(project)) == 1

    # Once the server answers (here: the URL is fixed), the one command finishes.
    url = server.database_url(database)
    result = flask(project, "setup-db", DATABASE_URL=url)
    assert "The database is up to date" in result.stdout
    flask(project, "db", "check", DATABASE_URL=url)


@pytest.mark.parametrize(
    ("server", "scheme"),
    [("postgresql", "postgres"), ("mariadb", "mysql")],
    indirect=["server"],
)
def test_a_missing_database_is_named_with_the_command_that_creates_it(
    bake_unfinished, server, databases, scheme, capfd
):
    database = databases.name_to_drop_later()
    project = bake_unfinished(database_url=server.database_url(database, scheme))
    output = capfd.readouterr()
    assert "Traceback" not in output.out + output.err
    [line] = [line for line in output.err.splitlines() if "has no database" in line]
    assert repr(database) in line
    assert "python3 bin/setup --no-venv --create-database`" in line
    assert len(revisions(project)) == 1

    # `flask setup-db` itself exits 3 for this case, naming itself, and takes
    # the same option.
    alone = run([sys.executable, "-m", "flask", "setup-db"], project, check=False)
    assert alone.returncode == 3
    assert alone.stderr.strip().endswith(
        f"has no database {database!r}, so nothing was applied: create it, or "
        "run `flask setup-db --create-database`"
    )
    result = flask(project, "setup-db", "--create-database")
    assert f"created the database {database!r}" in result.stdout
    assert "The database is up to date" in result.stdout
    flask(project, "db", "check")


@pytest.mark.parametrize(
    ("server", "scheme"),
    [("postgresql", "postgres"), ("mariadb", "mysql")],
    indirect=["server"],
)
def test_unrelated_tables_are_kept_and_the_initial_migration_is_complete(
    bake, server, databases, scheme
):
    database = databases.create()
    url = server.database_url(database)
    query(url, "CREATE TABLE legacy_orders (id INTEGER PRIMARY KEY, note TEXT)")
    query(url, "INSERT INTO legacy_orders VALUES (1, 'keep me')")
    project = bake(
        database_url=server.database_url(database, scheme), models=EVERY_TYPE
    )

    [initial] = revisions(project)
    upgrade = upgrade_part(initial)
    assert "legacy" not in initial.read_text()
    assert "op.drop_table" not in upgrade
    for table in ("users", "posts", "tags"):
        assert f'op.create_table(\n        "{table}"' in upgrade
    assert {"users", "posts", "tags", "legacy_orders"} <= table_names(url)
    assert query(url, "SELECT id, note FROM legacy_orders") == [(1, "keep me")]
    # They stay someone else's: no drift, and no drop in a later migration.
    listing = project / "migrations" / "unmanaged_tables.txt"
    assert listing.read_text().splitlines()[-1] == "legacy_orders"
    flask(project, "db", "check")
    flask(project, "db", "migrate", "-m", "nothing changed")
    assert len(revisions(project)) == 1


def test_a_table_in_the_way_is_one_line_not_a_traceback(
    bake_unfinished, server, databases, capfd
):
    database = databases.create()
    query(server.database_url(database), "CREATE TABLE users (id INTEGER)")
    bake_unfinished(database_url=server.database_url(database))
    output = capfd.readouterr()
    assert "Traceback" not in output.out + output.err
    [line] = [line for line in output.err.splitlines() if "already has" in line]
    # Named before anything is applied (tests/test_faults.py has the rest).
    assert "migrations create: users; nothing was applied" in line


def migration_lock(project: Path, server: Server, database: str) -> tuple[str, dict]:
    """The statement that takes the lock the baked env.py takes (through
    flask-db-kit's migrations_guarded), and its parameters."""
    kit = (project / "vendor/flask-db-kit/src/flask_db_kit/migrations.py").read_text()
    assert (
        "with migrations_guarded(connection):"
        in (project / "migrations" / "env.py").read_text()
    )
    if server.name == "postgresql":
        key = re.search(r"^POSTGRESQL_LOCK_KEY = ([\d_]+)$", kit, re.MULTILINE)
        return "SELECT pg_try_advisory_lock(:key)", {"key": int(key.group(1))}
    prefix = re.search(r'^MYSQL_LOCK_PREFIX = "(.*)"$', kit, re.MULTILINE)
    return "SELECT GET_LOCK(:name, 0)", {"name": f"{prefix.group(1)}{database}"[:64]}


WAITING_FOR_THE_LOCK = {
    "postgresql": "SELECT count(*) FROM pg_locks JOIN pg_database"
    " ON pg_locks.database = pg_database.oid"
    " WHERE locktype = 'advisory' AND NOT granted AND datname = :database",
    "mariadb": "SELECT count(*) FROM information_schema.processlist"
    " WHERE state = 'User lock' AND db = :database",
}
REPLICAS = 6


def test_replicas_upgrading_at_once_apply_each_revision_once(bake, server, databases):
    """Hold the migration lock while the replicas start, so that all of them
    must be waiting for it (none can have migrated without it), then let go."""
    project = bake(models=WITH_AN_ENUM)
    database = databases.create()
    url = server.database_url(database)
    engine = server.engine(database)
    replicas: list[subprocess.Popen] = []
    try:
        with engine.connect() as holder, engine.connect() as observer:
            statement, parameters = migration_lock(project, server, database)
            assert holder.execute(text(statement), parameters).scalar() == 1
            replicas = [
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "db", "upgrade"],
                    cwd=project,
                    env=clean_environment(DATABASE_URL=url),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(REPLICAS)
            ]
            deadline = time.monotonic() + 60
            waiting = 0
            while waiting < REPLICAS:
                assert all(replica.poll() is None for replica in replicas), (
                    "a replica finished without waiting for the lock"
                )
                assert time.monotonic() < deadline, f"{waiting} replicas wait"
                time.sleep(0.1)
                waiting = observer.execute(
                    text(WAITING_FOR_THE_LOCK[server.name]), {"database": database}
                ).scalar()
            # Closing the holder's connection releases the lock.
        outputs = [replica.communicate(timeout=120) for replica in replicas]
    finally:
        for replica in replicas:
            replica.kill()
        engine.dispose()
    for replica, (_, stderr) in zip(replicas, outputs, strict=True):
        assert replica.returncode == 0, stderr
    applied = "".join(stderr for _, stderr in outputs).count("Running upgrade")
    assert applied == len(revisions(project))
    [initial] = revisions(project)
    [(version,)] = query(url, "SELECT version_num FROM alembic_version")
    assert version in initial.name
    flask(project, "db", "check", DATABASE_URL=url)


def test_names_at_the_length_limit_get_shortened_constraint_names(
    bake, server, databases
):
    """SQLAlchemy shortens convention names over the server's limit (with a
    hash), the same way every time, so the migrations and the models agree."""
    database, test_database = databases.create(), databases.create()
    project = bake(database_url=server.database_url(database), models=LONG_NAMES)
    url = server.database_url(database)
    assert {LONG_TABLE, LONG_CHILD_TABLE} <= table_names(url)
    flask(project, "db", "check")
    run_baked_tests(project, TEST_DATABASE_URL=server.database_url(test_database))


@pytest.mark.parametrize(
    ("server", "scheme"),
    [("postgresql", "postgres"), ("mariadb", "mysql")],
    indirect=["server"],
)
def test_the_printed_command_finishes_a_bake_on_a_missing_database(
    server, databases, scheme, tmp_path
):
    """The real `cookiecutter` from a user's folder; the command it prints as
    the way to finish is then run exactly as printed, in a shell there."""
    database = databases.name_to_drop_later()
    url = server.url.set(drivername=scheme, database=database)
    if server.name == "postgresql":
        # Trust authentication takes any password: one to keep off the screen.
        url = url.set(password="s3cr@t/pw")
    workdir = tmp_path / "work"
    workdir.mkdir()
    # create_venv=no: the setup uses the Python on PATH, which has the packages.
    environment = clean_environment(
        PWD=str(workdir), PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    )
    baked = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(REPO)]
        + ["project_name=Recipe Box", "create_venv=no"]
        + [f"database_url={url.render_as_string(hide_password=False)}"],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = baked.stdout + baked.stderr
    # The bake fails as a whole (a script can tell), and the project is kept.
    assert baked.returncode == 1, output
    assert "Traceback" not in output
    assert "s3cr" not in output
    assert (workdir / "recipe-box" / "migrations").is_dir()
    [error] = [line for line in baked.stderr.splitlines() if "has no database" in line]
    assert repr(database) in error
    lines = baked.stdout.splitlines()
    finish = lines[lines.index("Finish it with:") + 1].strip()
    assert finish == "cd recipe-box && python3 bin/setup --no-venv --create-database"
    assert f"`{finish}`" in error

    finished = subprocess.run(
        finish,
        shell=True,
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"created the database {database!r}" in finished.stdout
    assert "The database is up to date" in finished.stdout
    assert "s3cr" not in finished.stdout + finished.stderr


def readme_commands(project: Path, scheme: str) -> str:
    """The README's shell block that runs the tests on this kind of server."""
    readme = (project / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    [block] = [block for block in blocks if f"TEST_DATABASE_URL={scheme}://" in block]
    return block


@pytest.mark.parametrize(
    ("server", "scheme", "platform_scheme"),
    [("postgresql", "postgresql", "postgres"), ("mariadb", "mysql", "mysql")],
    indirect=["server"],
)
def test_a_sqlite_project_reads_every_url_form_and_its_readme_commands_work(
    bake, server, databases, scheme, platform_scheme
):
    """DATABASE_URL as hosting platforms write it, and the README's test
    commands for the other databases, verbatim, in a project made for SQLite."""
    package = databases.name_to_drop_later().removeprefix("tpl_test_")
    project = bake(project_name=f"Readme {package}", api=False)
    package = f"readme_{package}"
    # Every database's driver in the dev extra, whichever the app uses.
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dev = pyproject["project"]["optional-dependencies"]["dev"]
    assert {"psycopg[binary]>=3.2", "PyMySQL>=1.1"} <= set(dev)

    # The app on the server, its URL without a driver, as platforms set it.
    database = databases.create()
    url = server.url.set(drivername=platform_scheme, database=database)
    platform_url = url.render_as_string(hide_password=False)
    flask(project, "db", "upgrade", DATABASE_URL=platform_url)
    flask(project, "db", "check", DATABASE_URL=platform_url)
    assert "users" in table_names(server.database_url(database))

    # The README's commands, as printed, in a shell in the project.
    databases.names.append(f"{package}_test")
    completed = subprocess.run(
        readme_commands(project, scheme),
        shell=True,
        cwd=project,
        # As in the project's activated .venv, where it is installed.
        env=clean_environment(
            PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            PYTHONPATH=str(project),
        ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert " passed" in completed.stdout


SOCKET_QUERIES = {
    "postgresql": ("SHOW unix_socket_directories", "host"),
    "mariadb": ("SELECT @@socket", "unix_socket"),
}


@pytest.mark.parametrize(
    ("server", "scheme"),
    [("postgresql", "postgresql"), ("mariadb", "mariadb")],
    indirect=["server"],
)
def test_a_unix_socket_url_is_accepted_and_used(bake, server, databases, scheme, capfd):
    """The socket the server itself reports, named in the URL's query, as the
    answer to the prompt: the setup connects through it."""
    statement, option = SOCKET_QUERIES[server.name]
    engine = server.engine()
    try:
        with engine.connect() as connection:
            socket_path = connection.execute(text(statement)).scalar().split(",")[0]
    finally:
        engine.dispose()
    database = databases.create()
    user = server.url.username
    url = f"{scheme}://{user}@/{database}?{option}={socket_path}"
    project = bake(database_url=url)
    output = capfd.readouterr()
    assert "The database is up to date" in output.out, output.err
    assert "users" in table_names(server.database_url(database))
    assert f"?{option}={socket_path}" in (project / ".env").read_text()
    flask(project, "db", "check")
