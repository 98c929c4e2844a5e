"""The baked project's deployment: the container's entrypoint, run directly
(there is no Docker daemon in the tests), against fresh real databases, two
replicas at once; and the container files it comes with."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect, text

from tests.baking import clean_environment, run
from tests.servers import SERVERS, require, throwaway_databases
from tests.serving import free_port, get, stop, wait_until_serving

pytestmark = pytest.mark.slow


def entrypoint_environment(**settings: str) -> dict[str, str]:
    """A container's environment: production (no APP_ENV), gunicorn and
    flask on PATH, as the image's virtual environment puts them."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return clean_environment(PATH=path, WEB_CONCURRENCY="2", **settings)


def start_entrypoint(project: Path, **settings: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "bin/entrypoint"],
        cwd=project,
        env=entrypoint_environment(**settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def healthcheck_command(project: Path) -> list[str]:
    """The Dockerfile's HEALTHCHECK command, run by this Python."""
    dockerfile = (project / "Dockerfile").read_text()
    [exec_form] = re.findall(r"^\s+CMD (\[.*\])$", dockerfile, re.M)
    command = json.loads(exec_form)
    assert command[0] == "python"
    return [sys.executable, *command[1:]]


def head_revision(project: Path) -> str:
    [revision] = (project / "migrations" / "versions").glob("*_initial_migration.py")
    [identifier] = re.findall(r'^revision\b[^=]*= "(\w+)"', revision.read_text(), re.M)
    return identifier


@pytest.mark.parametrize("server_name", list(SERVERS))
def test_two_replicas_upgrade_a_fresh_database_and_serve(bake, server_name):
    server = require(SERVERS[server_name])
    with throwaway_databases(server) as databases:
        project = bake(database_url=server.database_url(databases.create()))
        fresh = server.database_url(databases.create())
        settings = {"SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": fresh}
        ports = [free_port(), free_port()]
        replicas = [start_entrypoint(project, PORT=str(p), **settings) for p in ports]
        try:
            for replica, port in zip(replicas, ports, strict=True):
                wait_until_serving(replica, f"http://127.0.0.1:{port}/health")
                status, _, body = get(f"http://127.0.0.1:{port}/health")
                assert status == 200, body

            engine = server.engine(fresh.rsplit("/", 1)[1].split("?")[0])
            try:
                with engine.connect() as connection:
                    versions = connection.execute(
                        text("SELECT version_num FROM alembic_version")
                    ).scalars()
                    assert list(versions) == [head_revision(project)]
                tables = set(inspect(engine).get_table_names())
            finally:
                engine.dispose()
            assert {"users", "api_tokens"} <= tables

            # Given a command, the entrypoint runs it (after the migrations).
            made = run(
                [sys.executable, "bin/entrypoint", "flask", "tokens", "create", "ops"],
                project,
                PATH=entrypoint_environment()["PATH"],
                **settings,
            )
            token = made.stdout.strip().splitlines()[-1]
            for port in ports:
                status, _, body = get(
                    f"http://127.0.0.1:{port}/api/users",
                    {"Authorization": f"Bearer {token}"},
                )
                assert status == 200 and json.loads(body) == []
            # The image's HEALTHCHECK finds the replica healthy.
            health = subprocess.run(
                healthcheck_command(project),
                env=entrypoint_environment(PORT=str(ports[0])),
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert health.returncode == 0, health.stderr
        finally:
            for replica in replicas:
                stop(replica)


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"SECRET_KEY": "change-me"}, "error: SECRET_KEY is a placeholder"),
        (
            {"FLASK_DEBUG": "1"},
            "error: debug is on (FLASK_DEBUG) with APP_ENV=production",
        ),
        (
            {
                "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                "DATABASE_WAIT_SECONDS": "1",
            },
            "error: the database did not answer in 1 s",
        ),
    ],
    ids=["placeholder-key", "debug", "no-database"],
)
def test_the_entrypoint_refuses_in_one_line(bake, settings, error):
    project = bake()
    environment = {
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": "sqlite:///my_flask_app.db",
        **settings,
    }
    refused = subprocess.run(
        [sys.executable, "bin/entrypoint"],
        cwd=project,
        env=entrypoint_environment(**environment),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1
    lines = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(error), refused.stderr
    assert "Traceback" not in refused.stderr


# A model that models.py does not have: the routes cannot be made.
MISSING_MODEL = """
from . import models

EXCLUDED_MODELS = {models.Postt}
"""

# A parameter without a name: the routes are made, but not the OpenAPI
# document, which is written apart from them.
UNNAMED_PARAMETER = """
from flask_smorest import Blueprint

from . import models

odd = Blueprint("Odd", __name__, url_prefix="/api/odd")


@odd.route("/")
@odd.doc(parameters=[{"in": "query"}])
def odd_view():
    return {}


BLUEPRINTS = {models.User: odd}
"""


@pytest.mark.parametrize(
    ("broken_overrides", "error", "where"),
    [
        (
            MISSING_MODEL,
            "AttributeError: module 'my_flask_app.models' has no attribute",
            'my_flask_app/api.py", line',
        ),
        (
            UNNAMED_PARAMETER,
            "InvalidParameterError: Missing keys ['name']",
            "blueprint 'Odd' (my_flask_app.api)",
        ),
    ],
    ids=["in-the-routes", "in-the-document"],
)
def test_a_mistake_in_api_overrides_stops_the_server_before_it_serves(
    bake, tmp_path, broken_overrides, error, where
):
    project = bake()
    overrides = project / "my_flask_app" / "api.py"
    overrides.write_text(overrides.read_text() + broken_overrides)
    # Started from another directory, the code found as the image finds it
    # (PYTHONPATH): the entrypoint names gunicorn.conf.py itself.
    stopped = subprocess.run(
        [sys.executable, str(project / "bin" / "entrypoint")],
        cwd=tmp_path,
        env=entrypoint_environment(
            PORT=str(free_port()),
            PYTHONPATH=str(project),
            SECRET_KEY=secrets.token_hex(32),
            DATABASE_URL="sqlite:///my_flask_app.db",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Each worker stops as it makes the API, before it takes a request, and
    # gunicorn with them: the error and where it is are in its log.
    assert stopped.returncode != 0
    log = stopped.stderr
    assert error in log
    assert where in log
    assert "Worker failed to boot." in log
    assert "API ready" not in log


@pytest.mark.parametrize(
    ("database_url", "image", "scheme"),
    [
        # No server answers there: the bake's setup stops, its files are made.
        ("postgresql://me@127.0.0.1:1/app", "postgres:", "postgresql+psycopg://"),
        ("mariadb://me@127.0.0.1:1/app", "mariadb:", "mariadb+pymysql://"),
        ("mysql://me@127.0.0.1:1/app", "mysql:", "mysql+pymysql://"),
        (None, None, "sqlite:////data/"),
    ],
    ids=["postgresql", "mariadb", "mysql", "sqlite"],
)
def test_the_container_files_follow_the_database(
    bake, bake_unfinished, database_url, image, scheme
):
    # No server at those URLs: the setup stops there, the project is kept.
    project = bake_unfinished(database_url=database_url) if database_url else bake()
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    app = compose["services"]["app"]
    assert app["environment"]["DATABASE_URL"].startswith(scheme)
    assert app["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")
    if image:
        assert compose["services"]["database"]["image"].startswith(image)
        assert app["depends_on"]["database"]["condition"] == "service_healthy"
    else:
        assert set(compose["services"]) == {"app"}

    dockerfile = (project / "Dockerfile").read_text()
    assert "\nUSER app\n" in dockerfile
    # The build installs pyproject.toml's dependencies: its one-liner lists
    # them, flask-db-kit's path resolved to the copy of vendor/ in the build.
    [script] = re.findall(r'RUN python -c "(.*?)" > requirements.txt', dockerfile)
    listed = run([sys.executable, "-c", script], project).stdout.split("\n")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = pyproject["project"]["dependencies"]
    assert any("{root:uri}/vendor/flask-db-kit" in d for d in dependencies)
    assert listed[:-1] == [
        d.replace("{root:uri}", project.as_uri()) for d in dependencies
    ]
    assert "\nCOPY vendor/ vendor/\n" in dockerfile
    assert 'ENTRYPOINT ["python", "bin/entrypoint"]' in dockerfile
    # The build context holds only what the image needs: never .env.
    ignored = (project / ".dockerignore").read_text().splitlines()
    assert ignored[1] == "*" and "!.env" not in ignored
    assert "!vendor/flask-db-kit/" in ignored
    assert os.access(project / "bin" / "entrypoint", os.X_OK)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dockerfile_install_command(project: Path) -> str:
    """The build stage's RUN that installs the dependencies, as sh runs it."""
    dockerfile = (project / "Dockerfile").read_text().replace("\\\n", " ")
    [command] = [
        line.removeprefix("RUN ")
        for line in dockerfile.splitlines()
        if line.startswith("RUN ") and "requirements.txt" in line
    ]
    return command


def test_the_image_installs_the_versions_of_requirements_lock(bake, tmp_path):
    """bin/setup writes requirements.lock, the first commit holds it, and the
    Dockerfile's own install command takes its versions (pip's resolver run
    dry, here: there is no Docker daemon), and flask-db-kit from vendor/. One
    pin is set to an older release, which only the lock can ask for."""
    project = bake()
    lock = (project / "requirements.lock").read_text()
    pins = {
        canonical(name): version
        for name, _, version in (line.partition("==") for line in lock.splitlines())
        if version
    }
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    for requirement in pyproject["project"]["dependencies"]:
        name = canonical(re.match(r"[\w.-]+", requirement)[0])
        if " @ " in requirement:
            # Installed from its path (vendor/), never from a pin.
            assert name not in pins and name not in lock, name
        else:
            assert name in pins, f"{name} is not in requirements.lock"
    assert "my-flask-app" not in pins and "my_flask_app" not in lock
    assert not [line for line in lock.splitlines() if line.startswith("-e ")]
    committed = run(["git", "ls-files", "requirements.lock"], project).stdout
    assert committed == "requirements.lock\n"
    dockerfile = (project / "Dockerfile").read_text()
    assert "COPY pyproject.toml requirements.lock ./" in dockerfile
    assert "COPY vendor/ vendor/" in dockerfile
    assert "requirements.lock" in (project / ".dockerignore").read_text()

    # The build context as the image's build stage gets it, one pin older.
    context = tmp_path / "build"
    context.mkdir()
    (context / "pyproject.toml").write_text((project / "pyproject.toml").read_text())
    shutil.copytree(
        project / "vendor" / "flask-db-kit", context / "vendor" / "flask-db-kit"
    )
    assert pins["markupsafe"] != "3.0.2"
    pins["markupsafe"] = "3.0.2"
    (context / "requirements.lock").write_text(
        "".join(f"{name}=={version}\n" for name, version in pins.items())
    )
    command = dockerfile_install_command(project).replace(
        "/venv/bin/pip install",
        f"{sys.executable} -m pip install --dry-run --ignore-installed"
        " --quiet --report report.json",
    )
    assert "--dry-run" in command
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    run(["sh", "-c", command], context, PATH=path)
    report = json.loads((context / "report.json").read_text())
    chosen = {
        canonical(item["metadata"]["name"]): item["metadata"]["version"]
        for item in report["install"]
    }
    # flask-db-kit from the build's copy of vendor/, everything else pinned.
    [kit] = [
        item for item in report["install"] if item["metadata"]["name"] == "flask-db-kit"
    ]
    assert kit["download_info"]["url"] == (context / "vendor" / "flask-db-kit").as_uri()
    del chosen["flask-db-kit"]
    assert chosen["markupsafe"] == "3.0.2"
    assert {name: pins[name] for name in chosen} == chosen
