"""Set the baked project up: flask-db-kit copied into vendor/ (in every
render, cruft's too), then .env, environment, migrations, initial migration;
without the REST API, leave out its files first. Without uv on PATH, the
bake fetches one for bin/setup (flask_db_template/uv_fetch.py).

The work itself is the baked project's own `bin/setup` (so a user can finish
or repeat it later with one command); this hook runs it and says what to do
next. A failure keeps the project and names the one command that finishes
the job. The hook then exits 1, so that cookiecutter exits 1 and a script can
tell, only when the template's extension has told cookiecutter to keep the
project (see flask_db_template/prompting.py): otherwise cookiecutter would
delete it, and the user's answers with it.

Valid Python before rendering: the only Jinja is inside the string literal in
`main`, so the tests import this file and call its functions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

# The REST API's files: a project baked without the API has none. (Its
# tokens are a few lines in files that every project has.)
API_FILES = (
    "{package}/api.py",
    "tests/test_api.py",
)


def remove_api_files(project: Path, package_name: str) -> None:
    for name in API_FILES:
        (project / name.format(package=package_name)).unlink()


# bin/setup's exit status when the database does not exist yet.
EXIT_MISSING_DATABASE = 3
# Set by the template's extension (prompting.py) when cookiecutter keeps the
# project whatever this hook's exit status.
PROJECT_KEPT_VARIABLE = "FLASK_DB_TEMPLATE_KEEPS_PROJECT"
# bin/setup's and `flask setup-db`'s messages name this command to run again.
RETRY_COMMAND_VARIABLE = "SETUP_DB_RETRY_COMMAND"


def setup_command(create_venv: bool, status: int = 0) -> list[str]:
    """bin/setup as it finishes the job, after a setup that exited with `status`."""
    command = ["python3", "bin/setup"] + ([] if create_venv else ["--no-venv"])
    if status == EXIT_MISSING_DATABASE:
        command.append("--create-database")
    return command


# The hook's own status for a `--no-venv` setup that failed because
# cookiecutter's Python lacks the project's packages: the user's `python3`
# gets them first. (bin/setup exits 1 then; it never exits 4.)
LACKS_PACKAGES = 4
INSTALL_COMMAND = "python3 -m pip install --editable '.[dev]'"


def finish_command(project: Path, create_venv: bool, status: int = 0) -> str:
    """The command that finishes the setup, typed from the user's folder."""
    setup = " ".join(setup_command(create_venv, status))
    if status == LACKS_PACKAGES:
        setup = f"{INSTALL_COMMAND} && {setup}"
    return f"cd {shlex.quote(display_path(project))} && {setup}"


def lacks_packages(create_venv: bool, status: int) -> bool:
    """Whether a failed `--no-venv` setup ran in a Python without the
    project's packages: this one, cookiecutter's (bin/setup refuses then)."""
    return (
        bool(status)
        and not create_venv
        and not importlib.util.find_spec("flask_db_kit")
    )


def exit_status(finished: bool) -> int:
    """1 when the setup did not finish, if cookiecutter keeps the project then."""
    return 0 if finished or not os.environ.get(PROJECT_KEPT_VARIABLE) else 1


def forget_rendered_answers() -> None:
    """Delete this rendered copy of the hook, which holds every answer (the
    database password too): cookiecutter leaves it in the temporary folder."""
    this_file = Path(__file__).resolve()
    if this_file.parent == Path(tempfile.gettempdir()).resolve():
        this_file.unlink(missing_ok=True)


# What the hook's child process runs: bin/setup, with an error it did not
# foresee told in one line (the project is kept either way).
RUN_SETUP = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except Exception as error:
    reason = (str(error).strip().splitlines() or [""])[0]
    sys.exit(f"error: {type(error).__name__}: {reason}")
"""
# The hook's exit status after Ctrl-C, as a shell gives a command that SIGINT ended.
EXIT_INTERRUPTED = 130
# Less free space than this after a failed setup: the disk is what stopped it.
LOW_DISK_BYTES = 64 * 2**20


def run_setup(project: Path, database_url: str, create_venv: bool) -> int:
    """Run bin/setup; its exit status (0 when every step succeeded).

    In a process group of its own, so that Ctrl-C reaches this hook and not
    the installers and `flask`, which would each print their traceback: the
    hook then stops the whole setup quietly (see stop_setup) and raises
    KeyboardInterrupt. Its standard input is closed: a process outside the
    terminal's foreground group that read from it would be stopped.
    """
    environment = dict(os.environ, DATABASE_URL=database_url)
    environment[RETRY_COMMAND_VARIABLE] = finish_command(project, create_venv)
    # The user's shell must not point the setup at another environment or app.
    for name in ("VIRTUAL_ENV", "FLASK_APP"):
        environment.pop(name, None)
    arguments = setup_command(create_venv)[1:]
    command = [sys.executable, "-c", RUN_SETUP, str(project / arguments[0])]
    group = {"process_group": 0} if hasattr(os, "killpg") else {}
    setup = subprocess.Popen(
        [*command, *arguments[1:]],
        cwd=project,
        env=environment,
        stdin=subprocess.DEVNULL,
        **group,
    )
    # Ended with the hook's own process group (a CI job cancelled, the
    # terminal closed): as Ctrl-C, the setup ends too.
    endings = [
        getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
    ]
    previous = {
        ending: signal.signal(ending, signal.default_int_handler) for ending in endings
    }
    try:
        return setup.wait()
    except KeyboardInterrupt:
        stop_setup(setup)
        raise
    finally:
        for ending, handler in previous.items():
            signal.signal(ending, handler)


def stop_setup(setup: subprocess.Popen) -> None:
    """End the setup and everything it started, without a word from them:
    SIGTERM (Python and the installers end without a traceback), SIGKILL
    after a while. bin/setup repairs what they leave half-made."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C meanwhile
    for sent in (signal.SIGTERM, getattr(signal, "SIGKILL", signal.SIGTERM)):
        try:
            if hasattr(os, "killpg"):
                os.killpg(setup.pid, sent)
            else:
                setup.terminate()
        except ProcessLookupError:
            return
        try:
            setup.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def interrupted_line(project: Path, create_venv: bool) -> str:
    return (
        "Interrupted: the project is kept, its setup unfinished; finish it with "
        f"`{finish_command(project, create_venv)}`"
    )


def disk_full_line(project: Path, create_venv: bool, status: int) -> str | None:
    """One line when a failed setup left the project's disk (nearly) full."""
    try:
        free = shutil.disk_usage(project).free
    except OSError:
        return None
    if free >= LOW_DISK_BYTES:
        return None
    return (
        f"error: the disk holding {display_path(project)} is full ({free // 2**20} "
        "MiB free), which stopped the setup: free some space, then run "
        f"`{finish_command(project, create_venv, status)}`"
    )


def display_path(project: Path) -> str:
    """The project's path as the user would type it from where they ran cookiecutter."""
    shell_directory = os.environ.get("PWD")
    if shell_directory:
        relative = os.path.relpath(project, shell_directory)
        if not relative.startswith(".."):
            return relative
    return str(project)


def next_steps(
    project: Path, create_venv: bool, status: int, api_tokens: bool = False
) -> list[str]:
    where = shlex.quote(display_path(project))
    lines = []
    if status:
        lines += [
            "",
            f"The project is in {project}; its setup stopped at the step above.",
            "Finish it with:",
            f"    {finish_command(project, create_venv, status)}",
        ]
    activate = ["source .venv/bin/activate"] if create_venv else []
    # After a failed setup, the app runs only once the command above has
    # finished it, and that command has gone into the folder already.
    lines += ["", "Then, once it has finished:"] if status else ["", "Next:"]
    lines += [
        *([] if status else [f"    cd {where}"]),
        *(f"    {line}" for line in activate),
        "    flask run          # http://127.0.0.1:5000/",
        *(["    flask tokens create me   # a token for the API"] if api_tokens else []),
        "    pytest             # the project's tests",
        '    flask db migrate -m "describe the change" && flask db upgrade   # after editing models.py',
    ]
    return lines


def link_for_updates(project: Path, answers: dict, bake_kind: str) -> list[str]:
    """Record the template for `cruft update` and make the first git commit.

    Before the setup, so that a setup stopped half-way (Ctrl-C, a full disk)
    leaves them made and `bin/setup` has only its own steps to finish; after
    the setup, commit_setup_files adds what it made. `cruft
    create` writes .cruft.json itself, after this hook (see
    flask_db_template/updates.py).
    """
    from flask_db_template import updates

    lines = []
    if bake_kind == updates.BAKE:
        try:
            lines.append(updates.record_template(project, answers))
        except OSError as error:
            lines.append(
                f"Template updates: not linked (.cruft.json: {error.strerror}); "
                "link it later with `cruft link <template URL>`"
            )
    lines.append(updates.make_repository(project))
    return ["", *filter(None, lines)]


def main() -> int:
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    bake_kind = r"""{{ cookiecutter | bake_kind }}"""
    sys.path.insert(0, answers["__template_dir"])
    from flask_db_template.answers import parse_database_url
    from flask_db_template.updates import BAKE, TEMPLATE_RENDER, commit_setup_files
    from flask_db_template.vendoring import vendor_library

    project = Path.cwd()
    try:
        vendor_library(Path(answers["__template_dir"]), project)
    except OSError as error:  # a full disk, most likely: one line, not a traceback
        print(
            f"error: flask-db-kit could not be copied into {display_path(project)}"
            f"/vendor/ ({error.strerror}), so the project is incomplete: fix that,"
            " delete the folder and bake again",
            file=sys.stderr,
            flush=True,
        )
        return exit_status(finished=False)
    # First, so that a setup that stops half-way leaves them out too.
    if not answers["api"]:
        remove_api_files(project, answers["package_name"])
    if bake_kind == TEMPLATE_RENDER:
        # cruft renders the template only to compare two of its versions:
        # a setup there would put a .venv, a .env and a migration in the diff.
        return 0
    database_url = parse_database_url(answers["database_url"]).url
    create_venv = answers["create_venv"]
    print(f"Setting up {project.name}", flush=True)
    try:
        linked = link_for_updates(project, answers, bake_kind)
        if create_venv:
            from flask_db_template.uv_fetch import uv_for_setup

            os.environ.update(uv_for_setup())
        status = run_setup(project, database_url, create_venv)
    except KeyboardInterrupt:
        print(
            f"\n{interrupted_line(project, create_venv)}", file=sys.stderr, flush=True
        )
        if bake_kind != BAKE:
            return 0
        return EXIT_INTERRUPTED if os.environ.get(PROJECT_KEPT_VARIABLE) else 0
    if lacks_packages(create_venv, status):
        status = LACKS_PACKAGES
    # What the setup made, finished or not (migrations/, requirements.lock).
    commit_setup_files(project)
    if status:
        problem = disk_full_line(project, create_venv, status)
        if problem:
            print(problem, file=sys.stderr, flush=True)
    print("\n".join(linked))
    api_tokens = answers["api"] and answers["api_auth"]
    steps = next_steps(project, create_venv, status, api_tokens)
    print("\n".join(steps), flush=True)
    if bake_kind != BAKE:
        # cruft shows a failed hook as a traceback; the lines above say it all.
        return 0
    return exit_status(finished=not status)


if __name__ == "__main__":
    forget_rendered_answers()
    sys.exit(main())
