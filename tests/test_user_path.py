"""The template as a user meets it: the real `cookiecutter` command, run from
an environment that holds only cookiecutter, baking from a git URL.

Hooks run under cookiecutter's own interpreter; under pytest-cookies that is
the test environment, which has Flask, so only these tests show what a user
with `pipx install cookiecutter` gets.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.baking import REPO, assert_ruff_clean, clean_environment, run

# Slow, and its tests share a module's fixtures (an environment holding
# only cookiecutter): one process runs them all, under `make test`'s -n 2.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("user_path")]


@pytest.fixture(scope="module")
def cookiecutter_only(tmp_path_factory) -> Path:
    """A virtual environment with cookiecutter and nothing else."""
    venv = tmp_path_factory.mktemp("cookiecutter-only") / "venv"
    run([sys.executable, "-m", "venv", str(venv)], REPO)
    run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "cookiecutter",
        ],
        REPO,
    )
    assert run(
        [str(venv / "bin" / "python"), "-c", "import flask"], REPO, check=False
    ).returncode
    return venv / "bin" / "cookiecutter"


@pytest.fixture(scope="module")
def template_url(tmp_path_factory) -> str:
    """A git URL of the working tree as it is now, committed or not."""
    snapshot = tmp_path_factory.mktemp("template") / "cookiecutter-flask-db"
    listed = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO
    )
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
    run(["git", "init", "--quiet"], snapshot)
    run(["git", "add", "--all"], snapshot)
    run([*git, "commit", "--quiet", "-m", "snapshot"], snapshot)
    return f"git+file://{snapshot}"


@pytest.fixture
def user(tmp_path, cookiecutter_only):
    """Runs the user's `cookiecutter` in a fresh folder, with its own config."""
    config = tmp_path / "cookiecutter.yaml"
    config.write_text(
        f"cookiecutters_dir: {tmp_path / 'cookiecutters'}\n"
        f"replay_dir: {tmp_path / 'replay'}\n"
    )
    workdir = tmp_path / "work"
    workdir.mkdir()

    def cookiecutter(*arguments: str, stdin: str | None = None):
        return subprocess.run(
            [str(cookiecutter_only), "--config-file", str(config), *arguments],
            cwd=workdir,
            env=clean_environment(PWD=str(workdir)),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=900,
        )

    cookiecutter.workdir = workdir
    return cookiecutter


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_user_bakes_a_working_project(user, template_url):
    baked = user("--no-input", template_url)
    assert baked.returncode == 0, baked.stdout + baked.stderr
    assert "Traceback" not in baked.stderr
    project = user.workdir / "my-flask-app"
    assert "    cd my-flask-app\n    source .venv/bin/activate\n" in baked.stdout
    # Each step is printed when it starts, in the order they run, and each
    # ends with its time; the installer shows its own progress in between.
    steps = [line for line in baked.stdout.splitlines() if line.startswith("==> ")]
    # No uv on PATH: the post-generation hook fetches it into the user's cache,
    # once (flask_db_template/uv_fetch.py), for bin/setup.
    fetching = [step for step in steps if step.startswith("==> Fetching uv into ")]
    assert [step.split(" (")[0] for step in steps if step not in fetching] == [
        "==> Writing .env with a new SECRET_KEY",
        "==> Creating .venv with Python " + ".".join(map(str, sys.version_info[:2])),
        "==> Installing the project and its dev tools into .venv",
        "==> Setting up the database",
    ]
    installing = baked.stdout.split("==> Installing", 1)[1].split("==> Setting up")[0]
    assert re.search(r"^    done in \d+\.\d s$", installing, re.MULTILINE)
    assert len(installing.splitlines()) > 3, "no progress while installing"

    venv_bin = project / ".venv" / "bin"
    assert list((project / "migrations" / "versions").glob("*_initial_migration.py"))
    run([str(venv_bin / "pytest"), "-q", "-p", "no:cacheprovider"], project)
    run([str(venv_bin / "flask"), "db", "check"], project)
    assert_ruff_clean(project)

    # `flask run` serves, and the database answers.
    port = free_port()
    server = subprocess.Popen(
        [str(venv_bin / "flask"), "run", "--port", str(port)],
        cwd=project,
        env=clean_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/health", timeout=2
                ) as response:
                    assert response.status == 200
                    assert b'"database":"ok"' in response.read().replace(b" ", b"")
                break
            except OSError:
                assert time.monotonic() < deadline, "flask run did not answer"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)

    # requirements.lock: what .venv holds, but the project, pip and
    # flask-db-kit (installed from vendor/, which the image copies), in the
    # first commit; .venv has pip, for the user's own `pip install`.
    python = str(venv_bin / "python")
    frozen = run([python, "-m", "pip", "freeze", "--exclude-editable"], project)
    kit = f"flask-db-kit @ {(project / 'vendor' / 'flask-db-kit').as_uri()}"
    assert kit in frozen.stdout.splitlines()
    pins = {canonical(line) for line in frozen.stdout.splitlines() if line != kit}
    assert locked(project) == pins
    assert "flask-db-kit" not in (project / "requirements.lock").read_text()
    assert "flask" in {pin.split("==")[0] for pin in locked(project)}
    tracked = run(["git", "ls-files", "requirements.lock"], project).stdout
    assert tracked == "requirements.lock\n"

    # bin/setup is idempotent: a second run changes nothing and succeeds.
    lock = (project / "requirements.lock").read_text()
    again = run([sys.executable, "bin/setup"], project)
    assert "Installing" not in again.stdout
    assert "The database is up to date" in again.stdout
    assert (project / "requirements.lock").read_text() == lock
    # It takes --create-database as `flask setup-db` does (SQLite: nothing to create).
    created = run([sys.executable, "bin/setup", "--create-database"], project)
    assert "The database is up to date" in created.stdout

    # A new dependency: the next setup installs it and writes it in the lock.
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"ruff>=0.8",', '"ruff>=0.8", "six",')
    )
    changed = run([sys.executable, "bin/setup"], project)
    assert "Installing the project" in changed.stdout
    assert any(pin.startswith("six==") for pin in locked(project))
    run([python, "-c", "import six"], project)


def canonical(pin: str) -> str:
    name, _, version = pin.partition("==")
    return re.sub(r"[-_.]+", "-", name).lower() + "==" + version


def locked(project: Path) -> set[str]:
    lines = (project / "requirements.lock").read_text().splitlines()
    return {canonical(line) for line in lines if not line.startswith("#")}


def test_without_a_venv_or_packages_the_user_is_told_what_to_run(user, template_url):
    baked = user("--no-input", template_url, "create_venv=no", "project_name=Bare")
    # The setup did not finish: the command fails, and the project is kept.
    assert baked.returncode == 1, baked.stdout + baked.stderr
    project = user.workdir / "bare"
    assert (project / ".env").is_file()
    assert "lacks flask" in baked.stderr
    # Linked to its template for `cruft update`, in a repository of its own.
    assert '"template": "file://' in (project / ".cruft.json").read_text()
    assert run(["git", "log", "--oneline"], project).stdout.count("\n") == 1
    assert "Traceback" not in baked.stdout + baked.stderr

    # The command printed installs what `python3` lacks, then sets up: run as
    # typed, where `python3` is a Python with nothing installed.
    lines = baked.stdout.splitlines()
    finish = lines[lines.index("Finish it with:") + 1].strip()
    assert finish == (
        "cd bare && python3 -m pip install --editable '.[dev]'"
        " && python3 bin/setup --no-venv"
    )
    bare_python = user.workdir.parent / "bare-python"
    run([sys.executable, "-m", "venv", str(bare_python)], user.workdir)
    finished = subprocess.run(
        finish,
        shell=True,
        cwd=user.workdir,
        env=clean_environment(
            PWD=str(user.workdir),
            PATH=f"{bare_python / 'bin'}:{clean_environment()['PATH']}",
        ),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "The database is up to date" in finished.stdout
    run([str(bare_python / "bin" / "python"), "-m", "flask", "db", "check"], project)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "package_name=flask",
            "error: package_name: 'flask' is the name of a dependency",
        ),
        (
            "database_url=oracle://h/db",
            "error: database_url: the scheme 'oracle' is not supported",
        ),
        ("email=nobody", "error: email: 'nobody' is not an email address"),
    ],
)
def test_a_bad_answer_is_one_line_and_leaves_nothing(
    user, template_url, answer, message
):
    baked = user("--no-input", template_url, answer)
    assert baked.returncode != 0
    assert message in baked.stderr
    assert "Traceback" not in baked.stdout + baked.stderr
    assert list(user.workdir.iterdir()) == []


def readme_bake_command() -> str:
    """The README's first command that bakes, without its comment."""
    readme = (REPO / "README.md").read_text()
    first_block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL).group(1)
    [line] = [
        line for line in first_block.splitlines() if line.startswith("cookiecutter ")
    ]
    return line.split("#", 1)[0].strip()


def test_the_readmes_command_bakes_from_a_clone(
    cookiecutter_only, template_url, tmp_path
):
    clone = tmp_path / "cookiecutter-flask-db"
    run(
        [
            "git",
            "clone",
            "--quiet",
            template_url.removeprefix("git+file://"),
            str(clone),
        ],
        tmp_path,
    )
    # The user's `cookiecutter` is the one on PATH.
    path = f"{cookiecutter_only.parent}:{clean_environment()['PATH']}"
    context = json.loads((REPO / "cookiecutter.json").read_text())
    questions = [name for name in context if not name.startswith("_")]
    # Every default, then create_venv (the last question): no.
    answers = "\n" * (len(questions) - 1) + "n\n"
    baked = subprocess.run(
        readme_bake_command(),
        shell=True,
        cwd=clone,
        env=clean_environment(PWD=str(clone), PATH=path),
        input=answers,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = baked.stdout + baked.stderr
    assert "Traceback" not in output
    project = tmp_path / "my-flask-app"
    assert (project / "my_flask_app" / "models.py").is_file(), output
    # create_venv no, and cookiecutter's Python has no Flask: the setup is
    # left to the one command printed, and the bake says so by its status.
    assert baked.returncode == 1 and "lacks flask" in baked.stderr, output
    assert not (clone / "my-flask-app").exists()
