"""How long a bake takes, against what a user does by hand today.

    .venv/bin/python benchmarks/bake_speed.py [--runs 5] [--full] [--only ROWS]

Prints the median wall time of, in one run:
- bake: `cookiecutter --no-input` with create_venv=no, in this environment
  (which has the baked project's packages), hooks and initial migration
  included;
- baseline: the same template rendered with hooks off, then `flask db init`,
  `flask db migrate` and `flask db upgrade` as three commands, the way the
  Flask-Migrate tutorial has users do it;
- bakes of schemas of 1, 10 and 100 models (references and many-to-many
  links, given as `@path`), each against the 1-model bake, without and with
  the REST API (whose per-model schemas and blueprints cost start-up time),
  timed in turns so that the machine's drift during the run spares the
  ratios;

- the start-up of the baked app (a new Python importing the package and
  calling create_app) with 1 and 100 models, with its REST API and without
  (`create_app(with_api=False)`, what bin/setup runs `flask setup-db` in),
  in development and in production (in neither does create_app make the
  models' blueprints: the first request or build_api does), and in
  production with build_api (a gunicorn worker's start, before it serves);
- the baked project's own test suite, for the default project and for 100
  models (SQLite);
- with --full (--only full: these alone): the full bake (create_venv yes:
  .venv made and the project installed) with uv on PATH (the user's, else
  the one bin/setup fetched), without it (bin/setup then uses the uv it
  fetched into the user's cache), without it on a machine where nothing is
  fetched or cached yet (a new XDG_CACHE_HOME each run: uv fetched, every
  package downloaded), and with pip alone (BIN_SETUP_NO_UV_FETCH), against
  what a user does by hand (`python -m venv .venv` and
  `pip install -e '.[dev]'`, no uv); then, once, a check that the full bake
  without uv installs the same packages as by hand and that the baked
  project's tests pass in its .venv.

Targets: bake/baseline at most 0.5; the 100-model bake at most 1.5x the 1-model
bake; the app's start-up (create_app) with its API at most 1.2x without, in
development and in production; the full bake without uv on PATH at most 0.4x
by hand.
Run by hand; never part of the test suite.

    --only startup [--only suite ...]   only these rows (bake, schemas,
                                         startup, suite, full)
    --template DIR                       bake another copy of the template
                                         (an older commit, to compare)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO
BIN = Path(sys.executable).parent


def environment() -> dict[str, str]:
    # As on a user's machine: Python caches bytecode (some CI machines set
    # PYTHONDONTWRITEBYTECODE, which would make every run compile the template).
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("FLASK_")
        and name
        not in ("DATABASE_URL", "SECRET_KEY", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    return env


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        command,
        cwd=cwd,
        env=env or environment(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def cookiecutter(output: Path, *answers: str, hooks: bool = True) -> Path:
    command = [str(BIN / "cookiecutter"), "--no-input", "--output-dir", str(output)]
    if not hooks:
        command += ["--accept-hooks", "no"]
    run([*command, str(TEMPLATE), "create_venv=no", *answers], output)
    [project] = [path for path in output.iterdir() if path.is_dir()]
    return project


def timed(action) -> float:
    with tempfile.TemporaryDirectory(prefix="bake-speed-") as scratch:
        started = time.perf_counter()
        action(Path(scratch))
        return time.perf_counter() - started


def bake(*answers: str):
    return lambda output: cookiecutter(output, *answers)


def baseline(output: Path) -> None:
    project = cookiecutter(output, hooks=False)
    env = environment()
    env.update(SECRET_KEY="benchmark", DATABASE_URL="sqlite:///my_flask_app.db")
    for command in (["init"], ["migrate", "-m", "initial migration"], ["upgrade"]):
        run([str(BIN / "flask"), "db", *command], project, env)


def schema(model_count: int) -> str:
    """A schema of `model_count` models: each refers to the one before it,
    every third links many-to-many with the first."""
    lines = []
    for number in range(1, model_count + 1):
        fields = ["name:string{80}!:unique", "notes:text", "score:integer:index"]
        if number > 1:
            fields.append(f"parent:references{{Model{number - 1}.children}}?")
        if number > 1 and number % 3 == 0:
            fields.append(f"links:many{{Model1.linked_from{number}}}")
        lines.append(f"Model{number} " + " ".join(fields))
    return ";\n".join(lines) + "\n"


def without_uv_on_path(env: dict[str, str]) -> dict[str, str]:
    uv = shutil.which("uv", path=env["PATH"])
    if uv is None:
        return env
    hidden = str(Path(uv).parent)
    paths = [p for p in env["PATH"].split(os.pathsep) if p != hidden]
    if shutil.which("uv", path=os.pathsep.join(paths)):
        sys.exit(f"uv is in several folders on PATH; cannot hide it ({uv})")
    return {**env, "PATH": os.pathsep.join(paths)}


def fetched_uv() -> Path | None:
    """The uv that bin/setup fetched into the user's cache, if it did."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    uv = cache / "flask-db-template" / "uv" / "bin" / "uv"
    return uv if uv.is_file() else None


def full_bake(uv: str, fresh_cache: bool = False):
    """A bake with create_venv=yes. uv: "path" (uv on PATH), "fetched" (no uv
    on PATH: bin/setup uses the uv it fetched, fetching it if need be) or
    "no" (no uv on PATH, and bin/setup told to keep to pip)."""

    def action(output: Path) -> None:
        env = without_uv_on_path(environment())
        if uv == "path":
            on_path = shutil.which("uv") or fetched_uv()
            env["PATH"] = f"{Path(on_path).parent}{os.pathsep}{env['PATH']}"
        elif uv == "no":
            env["BIN_SETUP_NO_UV_FETCH"] = "1"
        if fresh_cache:
            env["XDG_CACHE_HOME"] = str(output / "cache")
        project = output / "project"
        project.mkdir()
        command = [
            str(BIN / "cookiecutter"),
            "--no-input",
            "--output-dir",
            str(project),
        ]
        run([*command, str(TEMPLATE), "create_venv=yes"], output, env)

    return action


def by_hand(output: Path) -> Path:
    """Render (hooks off), then make .venv and install as the README of any
    Flask project says."""
    project = cookiecutter(output, hooks=False)
    env = without_uv_on_path(environment())
    run([sys.executable, "-m", "venv", ".venv"], project, env)
    pip = [str(project / ".venv" / "bin" / "python"), "-m", "pip", "install"]
    run([*pip, "--disable-pip-version-check", "-e", ".[dev]"], project, env)
    return project


def installed(project: Path) -> set[str]:
    """name==version of what is in the project's .venv, but the project and pip."""
    python = str(project / ".venv" / "bin" / "python")
    frozen = subprocess.run(
        [python, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {line.lower().replace("_", "-") for line in frozen.split()}


def check_full_bake() -> str:
    """The full bake without uv on PATH installs what the user would by hand,
    and the baked project's tests pass in its .venv."""
    with tempfile.TemporaryDirectory(prefix="bake-speed-check-") as scratch:
        baked, hand = Path(scratch) / "baked", Path(scratch) / "hand"
        baked.mkdir()
        hand.mkdir()
        full_bake("fetched")(baked)
        [project] = (baked / "project").iterdir()
        difference = installed(project) ^ installed(by_hand(hand))
        tests = subprocess.run(
            [str(project / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"],
            cwd=project,
            env=without_uv_on_path(environment()),
            capture_output=True,
            text=True,
        )
    same = "yes" if not difference else f"NO, differ: {sorted(difference)}"
    passed = "pass" if tests.returncode == 0 else "FAIL"
    return f"same packages as by hand: {same}; the baked project's tests: {passed}"


def baked_suite(project: Path):
    # Not schemathesis' pytest plugin: a package of the template's tests only.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "no:schemathesis"]
    return lambda _scratch: run(command, project)


def app_start(project: Path, factory_call: str, app_env: str):
    """A new Python that imports the baked package and calls its factory
    (and build_api, as gunicorn.conf.py does)."""
    env = environment()
    # Production refuses a short or known SECRET_KEY.
    env.update(
        APP_ENV=app_env,
        SECRET_KEY="benchmark-" + "0" * 32,
        DATABASE_URL="sqlite:///my_flask_app.db",
    )
    code = f"from my_flask_app import build_api, create_app; {factory_call}"
    return lambda _scratch: run([sys.executable, "-c", code], project, env)


def median(action, runs: int) -> float:
    timed(action)  # warm the file cache and Python's bytecode
    return statistics.median(timed(action) for _ in range(runs))


def interleaved_medians(actions: dict, runs: int) -> dict:
    """The median time of each action, timed in turns (one of each per round),
    so that a machine that speeds up or slows down during the run shifts
    them all alike and leaves their ratios alone."""
    for action in actions.values():
        timed(action)  # warm the file cache and Python's bytecode
    times = {key: [] for key in actions}
    for _ in range(runs):
        for key, action in actions.items():
            times[key].append(timed(action))
    return {key: statistics.median(values) for key, values in times.items()}


QUICK_ROWS = ("bake", "schemas", "startup", "suite")
ROWS = (*QUICK_ROWS, "full")


def main() -> None:
    global TEMPLATE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--full", action="store_true", help="also time full bakes (minutes)"
    )
    parser.add_argument(
        "--only", action="append", choices=ROWS, help="only these rows (repeatable)"
    )
    parser.add_argument(
        "--template", type=Path, default=REPO, help="the template to bake"
    )
    arguments = parser.parse_args()
    runs = arguments.runs
    rows = set(arguments.only or QUICK_ROWS) | ({"full"} if arguments.full else set())
    TEMPLATE = arguments.template.resolve()
    if shutil.which("cookiecutter", path=str(BIN)) is None:
        sys.exit("run this with the template's .venv (make test creates it)")

    print(f"median of {runs} runs, seconds")
    if "bake" in rows:
        bake_time = median(bake(), runs)
        baseline_time = median(baseline, runs)
        print(f"bake (hooks, initial migration applied)  {bake_time:6.2f}")
        print(f"baseline (render + 3 flask db commands)   {baseline_time:6.2f}")
        print(
            f"bake / baseline                           {bake_time / baseline_time:6.2f}  (target <= 0.5)"
        )

    if "schemas" in rows:
        with tempfile.TemporaryDirectory(prefix="bake-speed-schemas-") as schemas:
            for api in ("no", "yes"):
                bakes = {}
                for model_count in (1, 10, 100):
                    path = Path(schemas) / f"models-{model_count}.txt"
                    path.write_text(schema(model_count))
                    bakes[model_count] = bake(f"models=@{path}", f"api={api}")
                sizes = interleaved_medians(bakes, runs)
                for model_count, seconds in sizes.items():
                    ratio = seconds / sizes[1]
                    print(
                        f"bake of {model_count:3d} models, api={api:3s}             "
                        f"{seconds:6.2f}  x{ratio:.2f} of 1 model"
                    )
        print("target: 100 models <= 1.5x 1 model")

    if rows & {"startup", "suite"}:
        with tempfile.TemporaryDirectory(prefix="bake-speed-apps-") as scratch:
            for model_count in (1, 100):
                path = Path(scratch) / f"models-{model_count}.txt"
                path.write_text(schema(model_count))
                output = Path(scratch) / f"app-{model_count}"
                output.mkdir()
                project = cookiecutter(output, f"models=@{path}", "api=yes")
                if "startup" in rows:
                    for app_env, built in (
                        ("development", False),
                        ("production", False),
                        ("production", True),
                    ):
                        call = "build_api(create_app())" if built else "create_app()"
                        with_api = median(app_start(project, call, app_env), runs)
                        without_api = median(
                            app_start(project, "create_app(with_api=False)", app_env),
                            runs,
                        )
                        label = f"{app_env}{' + build_api' if built else ''}"
                        print(
                            f"app start-up, {model_count:3d} models, {label:24s}: "
                            f"with its API {with_api:5.2f}, without {without_api:5.2f}"
                            f"  x{with_api / without_api:.2f}"
                        )
                if "suite" in rows:
                    suite = median(baked_suite(project), 1 if model_count > 1 else runs)
                    print(
                        f"baked test suite, {model_count:3d} models         {suite:6.2f}"
                    )
        if "startup" in rows:
            print("target: create_app with its API <= 1.2x without")

    if "full" in rows:
        full_rows(runs)


def full_rows(runs: int) -> None:
    without_uv = median(full_bake("fetched"), runs)  # fetches uv if need be
    with_uv = median(full_bake("path"), runs)
    first = median(full_bake("fetched", fresh_cache=True), runs)
    pip_only = median(full_bake("no"), runs)
    hand = median(by_hand, runs)
    print(f"full bake, uv on PATH                     {with_uv:6.2f}")
    print(f"full bake, no uv on PATH                  {without_uv:6.2f}")
    print(f"full bake, no uv, nothing cached yet      {first:6.2f}")
    print(f"full bake, pip alone (no uv fetched)      {pip_only:6.2f}")
    print(f"by hand: venv + pip install -e '.[dev]'   {hand:6.2f}")
    print(
        f"full bake without uv / by hand            {without_uv / hand:6.2f}"
        "  (target <= 0.4)"
    )
    print(f"  the same, nothing cached yet / by hand  {first / hand:6.2f}")
    print(f"  pip alone / by hand                     {pip_only / hand:6.2f}")
    print(check_full_bake())


if __name__ == "__main__":
    main()
