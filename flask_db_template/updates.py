"""Template updates: what lets a baked project take the template's later changes.

cruft (https://cruft.github.io/cruft/) is the tool: it records the template,
its commit and the answers in `.cruft.json`, and `cruft update` renders the
template at the recorded commit and at the newest one, with hooks, into
temporary folders, and applies the difference to the project with a
three-way merge. This module:

- tells the hooks how they run (`bake_kind`): a bake, `cruft create`, or one
  of the renders cruft makes only to compare two template versions, which
  must not set anything up;
- writes `.cruft.json` for a project baked with plain cookiecutter, so it can
  take updates at once, and rewrites the one `cruft create` and `cruft
  update` write as they end: none holds a database password;
- refuses to bake over a project that is already set up;
- makes the baked project a git repository with a first commit.

Stdlib only: the hooks run under cookiecutter's own interpreter.
"""

from __future__ import annotations

import atexit
import inspect
import json
import re
import shutil
import subprocess
from pathlib import Path

from flask_db_template.answers import example_database_url

CRUFT_FILE = ".cruft.json"

# How the hooks run.
BAKE = "bake"  # cookiecutter itself (or pytest-cookies)
CRUFT_CREATE = "cruft-create"  # `cruft create`: a bake, then cruft writes .cruft.json
TEMPLATE_RENDER = "template-render"  # cruft update/diff comparing template versions

# What a set-up project holds that the template does not make: baking over
# a folder holding one of them would overwrite the user's work.
SET_UP_MARKERS = ("migrations", ".env", CRUFT_FILE)


def bake_kind(answers: dict) -> str:
    """How this render runs; called while cookiecutter renders a hook.

    cookiecutter's own `main` puts `_output_dir` in the context; cruft calls
    cookiecutter's `generate_files` directly, so it does not, and it renders
    the hooks in its own process: its frames are on the call stack. Of its
    commands only `create` makes the user's project. Any other caller of
    `generate_files` is taken to bake a project.

    Under `cruft create` and `cruft update`, this also schedules the rewrite
    of the `.cruft.json` they write once the hooks are done.
    """
    if "_output_dir" in answers:
        return BAKE
    cruft_functions = [
        frame.f_code.co_name
        for frame in call_stack()
        if frame.f_globals.get("__name__", "").partition(".")[0] == "cruft"
    ]
    if not cruft_functions:
        return BAKE
    if "create" in cruft_functions:
        project = project_being_generated()
        if project is not None:
            schedule_cruft_file_rewrite(project, commit=True)
        return CRUFT_CREATE
    if "update" in cruft_functions:
        project = cruft_update_project()
        if project is not None:
            schedule_cruft_file_rewrite(project, commit=False)
    return TEMPLATE_RENDER


def call_stack():
    """The frames of this thread's call stack, innermost first."""
    frame = inspect.currentframe().f_back
    while frame is not None:
        yield frame
        frame = frame.f_back


def cruft_update_project() -> Path | None:
    """The project `cruft update` updates (its `project_dir`), from a hook's
    rendering: absolute, though cruft gives it relative (`.`) and cookiecutter
    renders the hooks from the template's folder."""
    for frame in call_stack():
        if (
            frame.f_globals.get("__name__", "").startswith("cruft.")
            and frame.f_code.co_name == "update"
            and isinstance(frame.f_locals.get("project_dir"), Path)
        ):
            return WORKING_DIRECTORY / frame.f_locals["project_dir"]
    return None


# Where the command was started: cookiecutter imports this module (and cruft's
# second render imports it again, see fresh_import.py) as it makes its Jinja
# environment, before it moves into the template's folder to render a hook.
WORKING_DIRECTORY = Path.cwd()


def project_being_generated() -> Path | None:
    """The project folder cookiecutter's `generate_files` is writing, from a
    hook's rendering: absolute, and made before any hook runs."""
    for frame in call_stack():
        if (
            frame.f_globals.get("__name__") == "cookiecutter.generate"
            and frame.f_code.co_name == "generate_files"
        ):
            project = frame.f_locals.get("project_dir")
            return Path(project) if project else None
    return None


def overwrite_refusal(folder: Path) -> str | None:
    """Why the template must not be baked into this folder, or None."""
    found = [name for name in SET_UP_MARKERS if (folder / name).exists()]
    if not found:
        return None
    return (
        f"{folder} already holds a set-up project ({', '.join(found)}): baking "
        "over it would overwrite your models and lose your migrations; to take "
        "the template's changes run `cruft update` in it, or bake into another folder"
    )


# A module every project baked before the kit has in its package, and none
# after: the kit's `flask setup-db` replaced it.
PRE_KIT_MODULE = "database_setup.py"
KIT_FOLDER = Path("vendor", "flask-db-kit")


def kit_move_refusal(project: Path) -> str | None:
    """Why `cruft update` must not update this project, or None.

    A project baked before the machinery moved into flask-db-kit holds it in
    its own package, and its models.py and migrations import it: a three-way
    merge would delete the modules those files import, since both are the
    user's and the update skips them. It is refused before anything changes.
    """
    try:
        state = json.loads((project / CRUFT_FILE).read_text(encoding="utf-8"))
        package = state["context"]["cookiecutter"]["package_name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (project / KIT_FOLDER).is_dir() or not (
        project / package / PRE_KIT_MODULE
    ).is_file():
        return None
    return (
        f"{project} was baked before the template moved its machinery into "
        "flask-db-kit, a move `cruft update` cannot make over your edits; nothing "
        "was changed. Bake a new project with the answers in .cruft.json and move "
        "your models.py and migrations/versions/ into it, as the template's README "
        'says under "Projects baked before the kit"'
    )


# --- .cruft.json ---------------------------------------------------------


def skip_paths(package_name: str) -> list[str]:
    """Paths `cruft update` leaves alone: the user's from the first day on.

    The models are the user's to edit (a template change to the file made
    from the models answer must not undo their edits), and the migrations,
    settings, environment and database are made by the setup, never by the
    template.
    """
    return [f"{package_name}/models.py", "migrations", ".env", ".venv", "instance"]


def recorded_answers(answers: dict, template: str, commit: str) -> dict:
    """The answers as `.cruft.json` keeps them, for cruft to render with again.

    The models answer is kept as its text (an `@file` path would mean nothing
    at the next update), and a password in the database URL is replaced as in
    `.env.example`, which is the one file the URL is rendered into. Answers
    are taken literally (see prompting.py), so Jinja syntax in one stays as
    it is when cruft gives the answers back.
    """
    # Every answer but the private variables, which cruft renders afresh: also
    # those of a newer template than this module's.
    recorded = {key: value for key, value in answers.items() if not key.startswith("_")}
    recorded["models"] = answers.get("__models", recorded["models"])
    recorded["database_url"] = example_database_url(recorded["database_url"])
    recorded["_template"] = template
    recorded["_commit"] = commit
    return recorded


def cruft_state(
    answers: dict, template: str, commit: str, directory: str | None, checkout=None
) -> dict:
    """`.cruft.json`'s content, in the layout `cruft create` writes."""
    return {
        "template": template,
        "commit": commit,
        "checkout": checkout,
        "context": {"cookiecutter": recorded_answers(answers, template, commit)},
        "directory": directory,
        "skip": skip_paths(answers["package_name"]),
    }


def write_cruft_file(project: Path, state: dict) -> None:
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": "))
    (project / CRUFT_FILE).write_text(text + "\n", encoding="utf-8")


def git(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )


# A template named by a URL or an abbreviation (`https://`, `git+file://`,
# `gh:`, `git@host:`), not a folder; a Windows drive (`C:\`) is a folder.
REMOTE_TEMPLATE = re.compile(
    r"^(?![A-Za-z]:[\\/])(?:[A-Za-z][A-Za-z0-9+.-]*:|[^/\\]+@[^/\\]+:)"
)


def template_source(answers: dict) -> tuple[str, str, str | None] | str:
    """(template URL, commit, folder in the repository) of a cookiecutter bake,
    or why there is none.

    `__template_dir` is the template's checkout, absolute: cookiecutter's
    clone of a URL, whose `origin` is the URL with abbreviations such as
    `gh:` expanded, or the local folder the user named, which is recorded
    itself (its commit may exist nowhere else).
    """
    checkout = Path(answers["__template_dir"])
    if shutil.which("git") is None:
        return "git is not installed"
    toplevel = git("rev-parse", "--show-toplevel", cwd=checkout)
    commit = git("rev-parse", "HEAD", cwd=checkout)
    if toplevel.returncode or commit.returncode:
        return "the template is not a git repository"
    root = Path(toplevel.stdout.strip()).resolve()
    directory = checkout.resolve().relative_to(root).as_posix()
    if REMOTE_TEMPLATE.match(answers.get("_template") or ""):
        origin = git("remote", "get-url", "origin", cwd=root)
        if origin.returncode:
            return "the template's clone has no origin"
        template = origin.stdout.strip()
    else:
        template = str(root)
    return template, commit.stdout.strip(), None if directory == "." else directory


def record_template(project: Path, answers: dict) -> str:
    """Write `.cruft.json` for a project baked by cookiecutter; one line to say so."""
    source = template_source(answers)
    if isinstance(source, str):
        return (
            f"Template updates: not linked ({source}); link it later with "
            "`cruft link <template URL>`"
        )
    template, commit, directory = source
    write_cruft_file(
        project,
        cruft_state(answers, template, commit, directory, answers.get("_checkout")),
    )
    linked = f"Template updates: linked to {template} at {commit[:12]} (.cruft.json)"
    if git("status", "--porcelain", cwd=Path(answers["__template_dir"])).stdout:
        # cruft will take this commit for what the project was baked from.
        linked += "; the template had uncommitted changes, which that commit lacks"
    return linked


def rewrite_cruft_file(project: Path, commit: bool) -> None:
    """The `.cruft.json` that cruft wrote, made ours again.

    `cruft create` records every answer as given (the database password
    too) and every private variable, after the hooks have run. The skip list keeps what the user added. With `commit`, the file goes into
    the repository the hook made: amended into its first commit, or staged
    with the rest when there was no git identity to commit with.
    """
    project = project.absolute()
    try:
        state = json.loads((project / CRUFT_FILE).read_text(encoding="utf-8"))
        answers = state["context"]["cookiecutter"]
        ours = cruft_state(answers, state["template"], state["commit"], None)
    except (OSError, ValueError, KeyError, TypeError):
        return
    state["context"] = ours["context"]
    skip = state.get("skip") or []
    state["skip"] = skip + [path for path in ours["skip"] if path not in skip]
    write_cruft_file(project, state)
    if not commit:
        return
    if is_own_fresh_repository(project):
        git("add", CRUFT_FILE, cwd=project)
        git("commit", "--quiet", "--amend", "--no-edit", "--no-verify", cwd=project)
    elif (
        is_repository_top(project)
        and git("rev-parse", "--verify", "HEAD", cwd=project).returncode
    ):
        git("add", CRUFT_FILE, cwd=project)


def schedule_cruft_file_rewrite(project: Path, commit: bool) -> None:
    """Rewrite `.cruft.json` once cruft has written it: when this process ends.

    A relative path is taken from the working directory then: cookiecutter
    changes it while it runs the hooks, and restores it.
    """
    if project not in SCHEDULED:
        SCHEDULED.add(project)
        atexit.register(rewrite_cruft_file, project, commit)


SCHEDULED: set[Path] = set()


# --- git -----------------------------------------------------------------

INITIAL_COMMIT_MESSAGE = "Bake the project from its cookiecutter template"


def is_repository_top(project: Path) -> bool:
    toplevel = git("rev-parse", "--show-toplevel", cwd=project)
    return (
        toplevel.returncode == 0
        and Path(toplevel.stdout.strip()).resolve() == project.resolve()
    )


def is_own_fresh_repository(project: Path) -> bool:
    """True when the project is the top of a git repository holding one commit."""
    if not is_repository_top(project):
        return False
    count = git("rev-list", "--count", "HEAD", cwd=project)
    return count.returncode == 0 and count.stdout.strip() == "1"


def make_repository(project: Path) -> str | None:
    """`git init` and a first commit of everything but what .gitignore names.

    Nothing when git is missing or the project lies inside another
    repository (a monorepo: its owner decides). Without a git identity the
    files are staged and the user is told how to commit them. Returns one
    line for the user, or None.
    """
    if shutil.which("git") is None:
        return None
    if git("rev-parse", "--is-inside-work-tree", cwd=project).returncode == 0:
        return None
    if git("init", "--quiet", cwd=project).returncode:
        return None
    stage_all(project)
    identity = git("var", "GIT_COMMITTER_IDENT", cwd=project)
    if identity.returncode:
        return (
            "Git: a new repository with every file staged; set your name and email "
            "(git config --global user.name/user.email), then "
            f'`git commit -m "{INITIAL_COMMIT_MESSAGE}"`'
        )
    committed = git(
        "commit", "--quiet", "--no-verify", "-m", INITIAL_COMMIT_MESSAGE, cwd=project
    )
    if committed.returncode:
        reason = (committed.stderr.strip().splitlines() or ["git commit failed"])[-1]
        return f"Git: a new repository with every file staged; the first commit failed: {reason}"
    return "Git: a new repository, with everything but .env committed"


def commit_setup_files(project: Path) -> None:
    """Add what the setup made (migrations/, requirements.lock) to the first
    commit, which make_repository made before it: amended into that commit,
    or staged with the rest when there was no identity to commit with.
    Nothing in a repository that is not the hook's own."""
    if is_own_fresh_repository(project):
        subject = git("log", "-1", "--format=%s", cwd=project).stdout.strip()
        if subject != INITIAL_COMMIT_MESSAGE:
            return
        stage_all(project)
        git("commit", "--quiet", "--amend", "--no-edit", "--no-verify", cwd=project)
    elif (
        is_repository_top(project)
        and git("rev-parse", "--verify", "HEAD", cwd=project).returncode
    ):
        stage_all(project)


def stage_all(project: Path) -> None:
    git("add", "--all", cwd=project)
    # .gitignore names .env; this holds even if someone edited it away.
    git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", ".env", cwd=project)
