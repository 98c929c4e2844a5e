"""How long a bake takes, against what a user does by hand today.

    .venv/bin/python benchmarks/bake_speed.py [--runs 5]

Prints the median wall time of, in one run:
- bake: `cookiecutter --no-input` with create_venv=no, in this environment
  (which has the baked project's packages), hooks and initial migration
  included;
- baseline: the same template rendered with hooks off, then `flask db init`,
  `flask db migrate` and `flask db upgrade` as three commands, the way the
  Flask-Migrate tutorial has users do it;
- bakes of schemas of 1, 10 and 100 models (references and many-to-many
  links, given as `@path`), each against the 1-model bake, without and with
  the REST API (whose per-model schemas and blueprints cost start-up time).

- the start-up of the baked app (a new Python importing the package and
  calling create_app) with 1 and 100 models, with its REST API and without
  (`create_app(with_api=False)`, what bin/setup runs `flask setup-db` in);
- the baked project's own test suite, for the default project and for 100
  models (SQLite);
- with --full: the full bake (create_venv yes: .venv made and the project
  installed) with uv on PATH and without it, against what a user does by
  hand (`python -m venv .venv` and `pip install -e '.[dev]'`), package
  caches warm.

Targets: bake/baseline at most 0.5; the 100-model bake at most 1.5x the
1-model bake; the 100-model baked suite under 30 s. Run by hand; never part
of the test suite.

    --only suite [--only schemas ...]   only these rows (bake, schemas,
                                        startup, suite)
    --template DIR                      bake another copy of the template
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


def full_bake(with_uv: bool):
    def action(output: Path) -> None:
        env = environment() if with_uv else without_uv_on_path(environment())
        command = [str(BIN / "cookiecutter"), "--no-input", "--output-dir", str(output)]
        run([*command, str(TEMPLATE), "create_venv=yes"], output, env)

    return action


def by_hand(output: Path) -> None:
    """Render (hooks off), then make .venv and install as the README of any
    Flask project says."""
    project = cookiecutter(output, hooks=False)
    env = without_uv_on_path(environment())
    run([sys.executable, "-m", "venv", ".venv"], project, env)
    pip = [str(project / ".venv" / "bin" / "python"), "-m", "pip", "install"]
    run([*pip, "--disable-pip-version-check", "-e", ".[dev]"], project, env)


def baked_suite(project: Path):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return lambda _scratch: run(command, project)


def app_start(project: Path, factory_call: str):
    """A new Python that imports the baked package and calls its factory."""
    env = environment()
    env.update(SECRET_KEY="benchmark", DATABASE_URL="sqlite:///my_flask_app.db")
    code = f"import my_flask_app; my_flask_app.{factory_call}"
    return lambda _scratch: run([sys.executable, "-c", code], project, env)


def median(action, runs: int) -> float:
    timed(action)  # warm the file cache and Python's bytecode
    return statistics.median(timed(action) for _ in range(runs))


ROWS = ("bake", "schemas", "startup", "suite")


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
    rows = set(arguments.only or ROWS)
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
                sizes = {}
                for model_count in (1, 10, 100):
                    path = Path(schemas) / f"models-{model_count}.txt"
                    path.write_text(schema(model_count))
                    answers = (f"models=@{path}", f"api={api}")
                    sizes[model_count] = median(bake(*answers), runs)
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
                    with_api = median(app_start(project, "create_app()"), runs)
                    without_api = median(
                        app_start(project, "create_app(with_api=False)"), runs
                    )
                    print(
                        f"app start-up, {model_count:3d} models: with its API "
                        f"{with_api:5.2f}, without {without_api:5.2f}  "
                        f"x{with_api / without_api:.2f}"
                    )
                if "suite" in rows:
                    suite = median(baked_suite(project), 1 if model_count > 1 else runs)
                    print(
                        f"baked test suite, {model_count:3d} models         {suite:6.2f}"
                    )
        if "suite" in rows:
            print("target: 100-model suite < 30 s")

    if arguments.full:
        with_uv = median(full_bake(with_uv=True), runs)
        without_uv = median(full_bake(with_uv=False), runs)
        hand = median(by_hand, runs)
        print(f"full bake, uv on PATH                     {with_uv:6.2f}")
        print(f"full bake, no uv on PATH                  {without_uv:6.2f}")
        print(f"by hand: venv + pip install -e '.[dev]'   {hand:6.2f}")
        print(
            f"full bake without uv / by hand            {without_uv / hand:6.2f}"
            "  (target <= 0.4)"
        )


if __name__ == "__main__":
    main()
