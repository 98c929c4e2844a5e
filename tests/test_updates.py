"""Template updates with the real cruft and cookiecutter commands.

A copy of the template is committed to a throwaway git repository, baked
(with `cookiecutter` from a git URL, or with `cruft create`), edited as a
user edits a project, and then the template gets a second commit that
`cruft update` must bring in, keeping the user's work.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sys
import tomllib
from pathlib import Path

import pexpect
import pytest

from flask_db_template import updates
from tests.baking import REPO, flask, run, run_baked_tests

CRUFT = str(Path(sys.executable).with_name("cruft"))
GIT_IDENTITY = ["-c", "user.name=Template Author", "-c", "user.email=t@example.com"]

# Writes, for every hook cookiecutter runs, what the folder it runs in holds
# when the hook ends: the renders cruft makes are deleted before we could look.
HOOK_PROBE = """
import atexit, json, os, sys, tempfile

def _record():
    # The command line as started: the post-generation hook changes sys.argv.
    script = os.path.abspath(sys.orig_argv[-1])
    if not script.startswith(tempfile.gettempdir()) or not script.endswith(".py"):
        return
    with open(os.environ["HOOK_PROBE_LOG"], "a") as log:
        log.write(json.dumps({"cwd": os.getcwd(), "entries": sorted(os.listdir())}) + "\\n")

if os.environ.get("HOOK_PROBE_LOG"):
    atexit.register(_record)
"""


def git(*arguments: str, cwd: Path, check: bool = True):
    return run(["git", *GIT_IDENTITY, *arguments], cwd, check=check)


@pytest.fixture
def template_repo(tmp_path) -> Path:
    """The template's working tree, committed once into a repository of its own."""
    repo = tmp_path / "template"
    repo.mkdir()
    copy_working_tree(repo)
    git("init", "--quiet", cwd=repo)
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "-m", "The template", cwd=repo)
    return repo


def commit_a_template_change(repo: Path) -> None:
    """A second template commit: a README section rendered by a filter that
    only this commit has, and a change to the models file a bake starts from."""
    extension = repo / "flask_db_template" / "jinja_extension.py"
    source = extension.read_text()
    marker = "        markdown_text=escaping.markdown_text,\n"
    assert marker in source
    extension.write_text(source.replace(marker, marker + "        shout=str.upper,\n"))
    readme = repo / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(
        readme.read_text() + "\n## {{ 'a section from the new template' | shout }}\n"
    )
    models = (
        repo / "{{cookiecutter.project_slug}}/{{cookiecutter.package_name}}/models.py"
    )
    models.write_text("# The template's new first line.\n" + models.read_text())
    git("commit", "--quiet", "--all", "-m", "A new README section", cwd=repo)


@pytest.fixture
def user_env(tmp_path) -> dict[str, str]:
    """The environment of the user's commands: their own cookiecutter config,
    and the probe that reports on every hook."""
    config = tmp_path / "cookiecutter.yaml"
    config.write_text(
        f"cookiecutters_dir: {tmp_path / 'cookiecutters'}\n"
        f"replay_dir: {tmp_path / 'replay'}\n"
    )
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(HOOK_PROBE)
    return {
        "COOKIECUTTER_CONFIG": str(config),
        "PYTHONPATH": str(probe),
        "HOOK_PROBE_LOG": str(tmp_path / "hooks.jsonl"),
    }


def hook_folders(tmp_path: Path) -> list[dict]:
    log = tmp_path / "hooks.jsonl"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [json.loads(line) for line in lines]


def cookiecutter(*arguments: str, cwd: Path, env: dict[str, str], check=True):
    return run(
        [sys.executable, "-m", "cookiecutter", *arguments], cwd, check=check, **env
    )


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file below the folder: its modification time and content hash."""
    return {
        str(path.relative_to(folder)): (
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def tracked_files(project: Path) -> list[str]:
    return git("ls-files", cwd=project).stdout.split()


def assert_clean_tree(project: Path) -> None:
    assert git("status", "--porcelain", cwd=project).stdout == ""


def test_a_cookiecutter_bake_takes_a_template_update(tmp_path, template_repo, user_env):
    work = tmp_path / "work"
    work.mkdir()
    cookiecutter(
        "--no-input",
        f"git+file://{template_repo}",
        "create_venv=no",
        # Taken literally, as typed: cruft must not render it either.
        "description=Counts {{ things }}",
        cwd=work,
        env=user_env,
    )
    project = work / "my-flask-app"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == "Counts {{ things }}"
    assert [folder["cwd"] for folder in hook_folders(tmp_path)] == [str(project)] * 2

    # The bake is a repository with one commit that holds .cruft.json, and
    # cruft knows where the project came from.
    state = json.loads((project / ".cruft.json").read_text())
    assert state["template"] == f"file://{template_repo}"
    assert state["commit"] == git("rev-parse", "HEAD", cwd=template_repo).stdout.strip()
    assert "my_flask_app/models.py" in state["skip"]
    assert ".cruft.json" in tracked_files(project)
    assert ".env" not in tracked_files(project)
    assert_clean_tree(project)
    checked = run([CRUFT, "check"], project, **user_env)
    assert "up to date" in checked.stdout

    # A user's first days: a column and its migration, a setting of their own.
    models = project / "my_flask_app" / "models.py"
    models.write_text(
        models.read_text()
        + "    bio: Mapped[str | None] = mapped_column(String(200))\n"
    )
    flask(project, "db", "migrate", "-m", "add bio to users")
    flask(project, "db", "upgrade")
    with (project / ".env").open("a") as dotenv:
        dotenv.write("MAIL_SERVER='smtp.example.com'\n")
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", "Users have a bio", cwd=project)
    kept = {
        path: (project / path).read_bytes()
        for path in ["my_flask_app/models.py", ".env", *migration_files(project)]
    }
    assert len(kept) == 2 + 2 + 4  # models, .env, 2 revisions, env.py and the rest

    commit_a_template_change(template_repo)
    outdated = run([CRUFT, "check"], project, check=False, **user_env)
    assert outdated.returncode == 1
    assert "out of date" in outdated.stdout

    updated = run([CRUFT, "update", "--skip-apply-ask"], project, **user_env)
    assert "Setting up" not in updated.stdout

    # Both renders cruft compared ran the hooks, and nothing was set up there.
    renders = hook_folders(tmp_path)
    assert len(renders) == 4  # two renders, each with its two hooks
    for render in renders:
        assert not {
            ".venv",
            ".env",
            "migrations",
            "instance",
            ".git",
            ".cruft.json",
        } & (set(render["entries"])), render

    readme = (project / "README.md").read_text()
    assert "## A SECTION FROM THE NEW TEMPLATE" in readme
    assert {path: (project / path).read_bytes() for path in kept} == kept
    assert migration_files(project) == [p for p in kept if p.startswith("migrations/")]
    recorded = state["context"]
    state = json.loads((project / ".cruft.json").read_text())
    assert state["commit"] == git("rev-parse", "HEAD", cwd=template_repo).stdout.strip()
    # The answers are recorded as before (cruft's own record of them renders
    # the description, and holds the temporary folders of its renders).
    recorded["cookiecutter"]["_commit"] = state["commit"]
    assert state["context"] == recorded
    changed = git("status", "--porcelain", cwd=project).stdout.splitlines()
    assert sorted(line[3:] for line in changed) == [".cruft.json", "README.md"]
    # The project still works, and is up to date with its template.
    flask(project, "db", "check")
    git("commit", "--quiet", "--all", "-m", "Take the template's update", cwd=project)
    assert "up to date" in run([CRUFT, "check"], project, **user_env).stdout
    # Apart from what it skips, the project is what the template makes.
    run([CRUFT, "diff", "--exit-code"], project, **user_env)


def readme_install_line(project: Path) -> str:
    """The line of the baked README's "Template updates" that installs cruft."""
    readme = (project / "README.md").read_text()
    section = readme.partition("## Template updates")[2]
    (line,) = [
        line for line in section.splitlines() if line.startswith("pipx install cruft")
    ]
    return line.partition("#")[0].strip()


@pytest.mark.slow
def test_cruft_installed_as_the_readme_says_updates_when_asked(
    tmp_path, template_repo, user_env
):
    """On a fresh machine: cruft installed by the README's own line, and the
    README's `cruft update`, answered `y` at its question in a terminal (cruft
    2.16 crashed there under typer 0.29)."""
    tools = tmp_path / "tools"
    run([sys.executable, "-m", "venv", str(tools / "pipx")], tmp_path)
    pip = tools / "pipx" / "bin" / "pip"
    run(
        [str(pip), "install", "--quiet", "--disable-pip-version-check", "pipx"],
        tmp_path,
    )
    tool_env = {
        **user_env,
        "PIPX_HOME": str(tools / "home"),
        "PIPX_BIN_DIR": str(tools / "bin"),
        "PATH": f"{tools / 'pipx' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    work = tmp_path / "work"
    work.mkdir()
    cookiecutter(
        "--no-input",
        f"git+file://{template_repo}",
        "create_venv=no",
        cwd=work,
        env=user_env,
    )
    project = work / "my-flask-app"
    line = readme_install_line(project)
    run(["bash", "-c", line], tmp_path, timeout=600, **tool_env)
    commit_a_template_change(template_repo)

    child = pexpect.spawn(
        str(tools / "bin" / "cruft"),
        ["update"],
        cwd=project,
        env={**os.environ, **tool_env},
        encoding="utf-8",
        timeout=300,
        dimensions=(40, 200),
    )
    child.expect(r"Apply diff and update\?")
    child.expect(r"\]: ")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    output = child.before
    assert "Traceback" not in output, f"{shlex.quote(line)}\n{output}"
    assert child.exitstatus == 0, output
    assert "## A SECTION FROM THE NEW TEMPLATE" in (project / "README.md").read_text()


def migration_files(project: Path) -> list[str]:
    return sorted(
        str(path.relative_to(project))
        for path in (project / "migrations").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def test_cruft_create_bakes_and_links_without_the_password(
    tmp_path, template_repo, user_env
):
    work = tmp_path / "work"
    work.mkdir()
    # A server that refuses at once: the setup stops at the database, as it
    # does when the server is not there yet, and the project is still linked.
    url = "postgresql://shop:s3cret@127.0.0.1:9/shop"
    extra = {"project_name": "Shop", "create_venv": False, "database_url": url}
    created = run(
        [CRUFT, "create", "--no-input", "--extra-context", json.dumps(extra)]
        + [str(template_repo)],
        work,
        **user_env,
    )
    project = work / "shop"
    assert "Setting up shop" in created.stdout
    assert [folder["cwd"] for folder in hook_folders(tmp_path)] == [str(project)] * 2
    assert (project / "migrations" / "versions").is_dir()
    assert "s3cret" in (project / ".env").read_text()

    state = json.loads((project / ".cruft.json").read_text())
    answers = state["context"]["cookiecutter"]
    assert answers["database_url"] == "postgresql://shop:change-me@127.0.0.1:9/shop"
    assert "shop/models.py" in state["skip"]
    assert not [key for key in answers if key.startswith("__")]
    # One commit holds everything, .cruft.json included; the password is in
    # no commit.
    assert git("rev-list", "--count", "HEAD", cwd=project).stdout.strip() == "1"
    assert ".cruft.json" in tracked_files(project)
    assert_clean_tree(project)
    found = git("grep", "-l", "s3cret", "HEAD", cwd=project, check=False)
    assert found.stdout == ""

    commit_a_template_change(template_repo)
    run([CRUFT, "update", "--skip-apply-ask"], project, **user_env)
    assert "A SECTION FROM THE NEW TEMPLATE" in (project / "README.md").read_text()
    assert not (project / "shop" / "models.py").read_text().startswith("# The template")
    state = json.loads((project / ".cruft.json").read_text())
    assert "s3cret" not in json.dumps(state)
    # The recorded answers render what the bake did: .env.example (the one
    # file the URL goes into) is as it was.
    changed = git("status", "--porcelain", cwd=project).stdout.splitlines()
    assert sorted(line[3:] for line in changed) == [".cruft.json", "README.md"]


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["-f", "--no-input"], id="cookiecutter-f"),
        pytest.param(["--overwrite-if-exists", "--no-input"], id="overwrite-if-exists"),
        pytest.param(["--replay", "-f"], id="replay-f"),
        pytest.param(["cruft", "--overwrite-if-exists"], id="cruft-create"),
    ],
)
def test_baking_over_a_set_up_project_is_refused(
    tmp_path, template_repo, user_env, command
):
    work = tmp_path / "work"
    work.mkdir()
    cookiecutter(
        "--no-input", str(template_repo), "create_venv=no", cwd=work, env=user_env
    )
    project = work / "my-flask-app"
    models = project / "my_flask_app" / "models.py"
    models.write_text(models.read_text() + "# my edit\n")
    before = snapshot(project)

    if command[0] == "cruft":
        refused = run(
            [CRUFT, "create", "--no-input", *command[1:], str(template_repo)],
            work,
            check=False,
            **user_env,
        )
    else:
        answers = [] if "--replay" in command else ["create_venv=no"]
        refused = cookiecutter(
            *command, str(template_repo), *answers, cwd=work, env=user_env, check=False
        )
    assert refused.returncode != 0
    assert refused.stderr == (
        f"error: {project} already holds a set-up project (migrations, .env, "
        ".cruft.json): baking over it would overwrite your models and lose your "
        "migrations; to take the template's changes run `cruft update` in it, "
        "or bake into another folder\n"
    )
    assert snapshot(project) == before


def test_a_folder_with_no_set_up_project_may_be_baked_over(tmp_path):
    assert updates.overwrite_refusal(tmp_path) is None
    (tmp_path / "README.md").write_text("notes")
    assert updates.overwrite_refusal(tmp_path) is None
    (tmp_path / "migrations").mkdir()
    assert "(migrations)" in updates.overwrite_refusal(tmp_path)


def test_a_bake_inside_a_repository_makes_no_repository_of_its_own(tmp_path, bake):
    outside = bake()
    assert git("rev-list", "--count", "HEAD", cwd=outside).stdout.strip() == "1"
    assert ".env" not in tracked_files(outside)
    assert_clean_tree(outside)

    monorepo = tmp_path / "monorepo"
    monorepo.mkdir()
    git("init", "--quiet", cwd=monorepo)
    work = monorepo / "services"
    work.mkdir()
    run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(REPO)]
        + ["create_venv=no", "--output-dir", str(work)],
        tmp_path,
    )
    assert not (work / "my-flask-app" / ".git").exists()
    assert (work / "my-flask-app" / ".cruft.json").is_file()


def test_without_a_git_identity_the_files_are_staged_and_the_user_told(
    tmp_path, monkeypatch, bake
):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("NAME", "EMAIL"):
        for role in ("AUTHOR", "COMMITTER"):
            monkeypatch.delenv(f"GIT_{role}_{name}", raising=False)
    monkeypatch.delenv("EMAIL", raising=False)
    # Else git makes up an address from the user and host names.
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.useConfigOnly")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "true")
    project = bake()
    assert git("rev-parse", "--verify", "HEAD", cwd=project, check=False).returncode
    staged = run(["git", "diff", "--cached", "--name-only"], project).stdout.split()
    assert "my_flask_app/models.py" in staged and ".env" not in staged


def test_the_recorded_answers_hold_no_password_and_the_models_text():
    answers = {
        "project_name": "Shop",
        "project_slug": "shop",
        "package_name": "shop",
        "description": "",
        "author_name": "",
        "email": "",
        "database_url": "postgres://shop:p%40ss@db.example:5433/shop",
        "models": "@schema.txt",
        "__models": "Tag name:string{50}!",
        "api": False,
        "timestamps": True,
        "create_venv": True,
        "__template_dir": "/tmp/checkout",
        "_output_dir": "/home/me",
    }
    state = updates.cruft_state(answers, "https://example.com/t.git", "abc", None)
    recorded = state["context"]["cookiecutter"]
    assert recorded["database_url"] == "postgres://shop:change-me@db.example:5433/shop"
    assert recorded["models"] == "Tag name:string{50}!"
    assert "_output_dir" not in recorded and "__template_dir" not in recorded
    assert (recorded["_template"], recorded["_commit"]) == (state["template"], "abc")
    assert state["skip"][0] == "shop/models.py"


@pytest.mark.parametrize(
    ("typed", "remote"),
    [
        ("gh:org/template", True),
        ("https://github.com/org/template.git", True),
        ("git+file:///srv/template", True),
        ("git@github.com:org/template.git", True),
        (".", False),
        ("../template", False),
        ("/srv/template", False),
        ("~/template", False),
        ("C:\\templates\\flask", False),
    ],
)
def test_a_template_named_by_url_is_recorded_by_its_clone_s_origin(typed, remote):
    assert bool(updates.REMOTE_TEMPLATE.match(typed)) is remote


def called_from(module: str, function: str, answers: dict) -> str:
    """bake_kind as if the function of that module called it."""
    namespace = {"__name__": module, "bake_kind": updates.bake_kind}
    exec(f"def {function}(answers):\n    return bake_kind(answers)\n", namespace)
    return namespace[function](answers)


@pytest.mark.parametrize(
    ("module", "function", "kind"),
    [
        ("cruft._commands.update", "update", "template-render"),
        ("cruft._commands.diff", "diff", "template-render"),
        ("cruft._commands.create", "create", "cruft-create"),
        ("some_tool", "generate", "bake"),
    ],
)
def test_only_cruft_s_comparison_renders_set_nothing_up(module, function, kind):
    assert called_from(module, function, {"project_slug": "a"}) == kind
    # cookiecutter's main says where it writes.
    answers = {"project_slug": "a", "_output_dir": "/work"}
    assert called_from(module, function, answers) == "bake"


def test_answers_are_recorded_as_given_but_the_password():
    """cruft gives them back to cookiecutter, which takes them literally (see
    prompting.py): Jinja syntax in an answer needs no escaping."""
    answers = {"project_name": "Odd {{ x }} {% if %} {# #}", "package_name": "odd"}
    answers |= {
        "models": "Tag name:string{50}!",
        "database_url": "postgresql://shop:s3cret@db/shop",
    }
    recorded = updates.recorded_answers(answers, "t", "c")
    assert recorded["project_name"] == answers["project_name"]
    assert recorded["models"] == answers["models"]
    assert "s3cret" not in recorded["database_url"]
    # Recording the recorded answers again changes nothing.
    assert updates.recorded_answers(recorded, "t", "c") == recorded


def test_a_bake_from_a_template_with_uncommitted_changes_says_so(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    (template / "cookiecutter.json").write_text("{}\n")
    git("init", "--quiet", cwd=template)
    git("add", "--all", cwd=template)
    git("commit", "--quiet", "-m", "The template", cwd=template)
    project = tmp_path / "shop"
    project.mkdir()
    answers = {
        "project_slug": "shop",
        "package_name": "shop",
        "database_url": "sqlite:///shop.db",
        "models": "Tag name:string{50}!",
        "__template_dir": str(template),
        "_template": str(template),
    }
    clean = updates.record_template(project, answers)
    assert clean.endswith(" (.cruft.json)") and str(template) in clean
    (template / "cookiecutter.json").write_text('{"x": 1}\n')
    dirty = updates.record_template(project, answers)
    assert dirty.endswith(
        "the template had uncommitted changes, which that commit lacks"
    )


def test_a_project_recording_yes_no_answers_as_booleans_takes_an_update(
    tmp_path, template_repo, user_env
):
    """A project baked when cookiecutter.json gave its yes/no variables as
    JSON booleans (its .cruft.json records true/false) takes the update to
    the template that gives them as "yes"/"no" text, and keeps its answers."""
    context_file = template_repo / "cookiecutter.json"
    text_answers = context_file.read_text()
    as_booleans = json.loads(text_answers)
    for flag in ("api", "api_auth", "timestamps", "create_venv"):
        assert as_booleans[flag] == "yes"
        as_booleans[flag] = True
    context_file.write_text(json.dumps(as_booleans, indent=2) + "\n")
    git("commit", "--quiet", "--all", "-m", "Yes/no as booleans", cwd=template_repo)

    work = tmp_path / "work"
    work.mkdir()
    cookiecutter(
        "--no-input",
        f"git+file://{template_repo}",
        "create_venv=no",
        "api=no",
        "timestamps=no",
        cwd=work,
        env=user_env,
    )
    project = work / "my-flask-app"
    state = json.loads((project / ".cruft.json").read_text())
    recorded = state["context"]["cookiecutter"]
    assert (recorded["api"], recorded["timestamps"]) == (False, False)
    assert "flask-smorest" not in (project / "pyproject.toml").read_text()
    before = snapshot(project / "my_flask_app")

    context_file.write_text(text_answers)
    git("commit", "--quiet", "--all", "-m", "Yes/no as text", cwd=template_repo)
    run([CRUFT, "update", "--skip-apply-ask"], project, **user_env)

    state = json.loads((project / ".cruft.json").read_text())
    assert state["commit"] == git("rev-parse", "HEAD", cwd=template_repo).stdout.strip()
    answers = state["context"]["cookiecutter"]
    assert (answers["api"], answers["timestamps"]) == (False, False)
    # Rendered with the same answers: nothing but the recorded commit changes.
    changed = git("status", "--porcelain", cwd=project).stdout.splitlines()
    assert [line[3:] for line in changed] == [".cruft.json"]
    assert snapshot(project / "my_flask_app") == before
    git("commit", "--quiet", "--all", "-m", "Take the template's update", cwd=project)
    run([CRUFT, "diff", "--exit-code"], project, **user_env)


def test_cruft_create_takes_yes_no_words_and_records_booleans(
    tmp_path, template_repo, user_env
):
    work = tmp_path / "work"
    work.mkdir()
    extra = {"create_venv": "no", "api": "No", "timestamps": "false"}
    run(
        [CRUFT, "create", "--no-input", "--extra-context", json.dumps(extra)]
        + [str(template_repo)],
        work,
        **user_env,
    )
    project = work / "my-flask-app"
    answers = json.loads((project / ".cruft.json").read_text())["context"]
    flags = {
        flag: answers["cookiecutter"][flag]
        for flag in ("api", "api_auth", "timestamps", "create_venv")
    }
    assert flags == {
        "api": False,
        "api_auth": True,
        "timestamps": False,
        "create_venv": False,
    }
    assert "flask-smorest" not in (project / "pyproject.toml").read_text()
    assert not (project / ".venv").exists()

    bad = {"create_venv": "no", "api": "maybe", "project_slug": "refused"}
    refused = run(
        [CRUFT, "create", "--no-input", "--extra-context", json.dumps(bad)]
        + [str(template_repo)],
        work,
        check=False,
        **user_env,
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: api: expected yes or no, got 'maybe'")
    assert "Traceback" not in refused.stdout + refused.stderr
    assert not (work / "refused").exists()


# The last commit of the template before its machinery moved into flask-db-kit.
PRE_KIT_COMMIT = "dbd23e5fcc5f4cbd9b92d22c6a8716f6ed9e1ecb"


def contents(project: Path) -> dict[str, str]:
    """Every file's content hash, but git's own (its index is refreshed)."""
    return {
        name: digest
        for name, (_, digest) in snapshot(project).items()
        if not name.startswith(".git/")
    }


def copy_working_tree(repo: Path) -> None:
    """The template as it is now (committed or not) in place of repo's files."""
    for path in repo.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    listed = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO
    )
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, repo / name)


def test_a_project_baked_before_the_kit_is_refused_an_update_in_one_line(
    tmp_path, user_env
):
    """cruft would delete the modules that its models.py and migrations
    import: the update is refused before anything changes, and says what to do."""
    repo = tmp_path / "template"
    repo.mkdir()
    git("init", "--quiet", cwd=repo)
    run(
        [
            "git",
            "archive",
            "--format=tar",
            "-o",
            str(tmp_path / "t.tar"),
            PRE_KIT_COMMIT,
        ],
        REPO,
    )
    shutil.unpack_archive(tmp_path / "t.tar", repo)
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "-m", "The template before the kit", cwd=repo)
    work = tmp_path / "work"
    work.mkdir()
    cookiecutter("--no-input", str(repo), "create_venv=no", cwd=work, env=user_env)
    project = work / "my-flask-app"
    assert (project / "my_flask_app" / "database_setup.py").is_file()
    assert_clean_tree(project)
    before = contents(project)

    copy_working_tree(repo)
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "-m", "The kit", cwd=repo)
    refused = run([CRUFT, "update", "-y"], project, check=False, **user_env)

    assert refused.returncode == 1, refused.stdout + refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith(f"error: {project} was baked before the template moved")
    assert 'README says under "Projects baked before the kit"' in line
    assert "Traceback" not in refused.stdout + refused.stderr
    assert contents(project) == before
    assert_clean_tree(project)
    readme = (REPO / "README.md").read_text()
    assert "## Projects baked before the kit" in readme

    # The README's way over, step by step (create_venv was no: this Python),
    # for a project that lived a little.
    models = project / "my_flask_app" / "models.py"
    models.write_text(
        models.read_text()
        + "    karma: Mapped[int | None] = mapped_column(default=0)\n"
    )
    flask(project, "db", "migrate", "-m", "karma")
    flask(project, "db", "upgrade")
    answers = json.loads((project / ".cruft.json").read_text())["context"]
    answers = {k: v for k, v in answers["cookiecutter"].items() if k[0] != "_"}
    answers["database_url"] = "sqlite:///scratch.db"
    (work / "answers.yaml").write_text(json.dumps({"default_context": answers}))
    cookiecutter(
        str(repo),
        "--no-input",
        "--config-file",
        "answers.yaml",
        "--output-dir",
        "new",
        cwd=work,
        env=user_env,
    )
    moved = work / "new" / "my-flask-app"
    shutil.copy(project / "my_flask_app" / "models.py", moved / "my_flask_app")
    for revision in (moved / "migrations" / "versions").glob("*.py"):
        revision.unlink()
    for revision in (project / "migrations" / "versions").glob("*.py"):
        shutil.copy(revision, moved / "migrations" / "versions")
    shutil.copy(project / ".env", moved / ".env")
    shutil.rmtree(moved / "instance")
    shutil.copytree(project / "instance", moved / "instance")
    for path in [
        moved / "my_flask_app" / "models.py",
        *(moved / "migrations" / "versions").glob("*.py"),
    ]:
        source = path.read_text()
        for old in ("from .utc import", "from my_flask_app.utc import"):
            source = source.replace(old, "from flask_db_kit.utc import")
        path.write_text(source)
    run([sys.executable, "-m", "ruff", "check", "--fix", "--no-cache", "."], moved)
    run([sys.executable, "-m", "ruff", "format", "--no-cache", "."], moved)
    # The kit's own tables may have gained columns since (api_tokens.expires_at).
    flask(moved, "db", "upgrade")
    flask(moved, "db", "migrate", "-m", "What the kit's tables gained")
    flask(moved, "db", "upgrade")
    flask(moved, "db", "check")
    run_baked_tests(moved)
