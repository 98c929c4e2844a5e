"""The hooks and the Jinja extension's functions, imported without rendering."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from flask_db_template.answers import FLAGS, find_problem
from flask_db_template.jinja_extension import (
    check_answers_or_exit,
    resolve_models_answer,
)
from flask_db_template.vendoring import vendor_library, vendored_paths
from tests.baking import (
    REPO,
    TEMPLATE_DIR,
    TOKEN_CODE,
    library_requirements,
    project_code,
    requirements,
)

DEFAULTS = json.loads((REPO / "cookiecutter.json").read_text())


def load_hook(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers(**changes) -> dict:
    """The default answers as cookiecutter renders them, with changes."""
    rendered = {
        "project_name": "My Flask App",
        "project_slug": "my-flask-app",
        "package_name": "my_flask_app",
        "description": DEFAULTS["description"],
        "author_name": DEFAULTS["author_name"],
        "email": DEFAULTS["email"],
        "database_url": "sqlite:///my_flask_app.db",
        "models": DEFAULTS["models"],
        "api": True,
        "api_auth": True,
        "timestamps": True,
        "create_venv": True,
    }
    rendered.update(changes)
    rendered.setdefault("__models", rendered["models"])
    return rendered


def test_the_defaults_make_a_project():
    assert find_problem(answers()) is None
    assert check_answers_or_exit(answers()) == ""


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"project_name": "a\nb"}, "project_name: "),
        ({"project_slug": "9lives"}, "project_slug: '9lives'"),
        (
            {"package_name": "json"},
            "package_name: 'json' is a module of Python's standard library",
        ),
        ({"database_url": "mongodb://h/db"}, "database_url: the scheme 'mongodb'"),
        ({"timestamps": "maybe"}, "timestamps: expected yes or no"),
        ({"__models": "user name"}, "models: "),
        ({"api_auth": "maybe"}, "api_auth: expected yes or no"),
        ({"__models": "ApiToken name:string"}, "models: ApiToken clashes"),
        ({"__models": "Key(api_tokens) name:string"}, "models: Key clashes"),
        (
            # The association table of Api.tokens is api_tokens.
            {"__models": "Token name:string; Api name:string tokens:many{Token}"},
            "models: Api clashes",
        ),
    ],
)
def test_each_bad_answer_is_named(changes, problem):
    found = find_problem(answers(**changes))
    assert found is not None and found.startswith(problem.split("'")[0])
    assert problem in found
    assert "\n" not in found


def test_the_token_model_name_is_free_without_the_api_auth():
    assert (
        find_problem(answers(__models="ApiToken name:string", api_auth=False)) is None
    )
    assert find_problem(answers(__models="ApiToken name:string", api=False)) is None


def test_check_answers_or_exit_prints_one_line(capsys):
    with pytest.raises(SystemExit) as exited:
        check_answers_or_exit(answers(package_name="flask"))
    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith("error: package_name: 'flask'")
    assert error.count("\n") == 1


def test_models_from_a_file(tmp_path, monkeypatch):
    models = tmp_path / "schema.txt"
    models.write_text("Tag name:string{50}!:unique\n")
    monkeypatch.chdir(tmp_path)
    assert resolve_models_answer("@schema.txt") == "Tag name:string{50}!:unique\n"
    assert resolve_models_answer(f"@{models}") == "Tag name:string{50}!:unique\n"
    assert find_problem(answers(__models=resolve_models_answer("@schema.txt"))) is None


def test_an_unreadable_models_file_is_reported_with_its_absolute_path(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    resolved = resolve_models_answer("@missing.txt")
    assert resolved == f"@{tmp_path / 'missing.txt'}"
    problem = find_problem(answers(__models=resolved))
    assert (
        problem
        == f"models: cannot read {tmp_path / 'missing.txt'}: No such file or directory"
    )


def test_the_pre_generation_hook_refuses_with_one_line(monkeypatch, capsys):
    hook = load_hook("pre_gen_project")
    rendered = answers(package_name="class", __template_dir=str(REPO))
    monkeypatch.setattr(hook.json, "loads", lambda _text: rendered)
    assert hook.main() == 1
    assert (
        capsys.readouterr().err == "error: package_name: 'class' is a Python keyword\n"
    )


def test_next_steps_after_a_full_setup(monkeypatch, tmp_path):
    hook = load_hook("post_gen_project")
    project = tmp_path / "my-flask-app"
    monkeypatch.setenv("PWD", str(tmp_path))
    lines = hook.next_steps(project, create_venv=True, status=0)
    assert "    cd my-flask-app" in lines
    assert "    source .venv/bin/activate" in lines
    assert not any("stopped" in line for line in lines)
    assert not any("flask tokens" in line for line in lines)
    with_tokens = hook.next_steps(project, True, True, api_tokens=True)
    assert "    flask tokens create me   # a token for the API" in with_tokens


def test_next_steps_after_a_failed_setup_name_the_one_command(monkeypatch, tmp_path):
    hook = load_hook("post_gen_project")
    project = tmp_path / "out" / "shop"
    monkeypatch.setenv("PWD", str(tmp_path))
    lines = hook.next_steps(project, create_venv=False, status=1)
    assert "    cd out/shop && python3 bin/setup --no-venv" in lines
    assert not any("activate" in line for line in lines)


def test_after_a_failed_setup_the_next_steps_wait_for_it_to_finish(
    monkeypatch, tmp_path
):
    hook = load_hook("post_gen_project")
    monkeypatch.setenv("PWD", str(tmp_path))
    lines = hook.next_steps(tmp_path / "shop", create_venv=True, status=1)
    assert "Next:" not in lines
    finish = lines.index("    cd shop && python3 bin/setup")
    then = lines.index("Then, once it has finished:")
    run = lines.index("    flask run          # http://127.0.0.1:5000/")
    assert finish < then < run
    # The finishing command has gone into the folder already.
    assert not [line for line in lines[then:] if line.lstrip().startswith("cd ")]


def test_a_missing_database_is_finished_with_create_database(monkeypatch, tmp_path):
    hook = load_hook("post_gen_project")
    monkeypatch.setenv("PWD", str(tmp_path))
    lines = hook.next_steps(tmp_path / "shop", create_venv=True, status=3)
    assert "    cd shop && python3 bin/setup --create-database" in lines


@pytest.mark.parametrize(
    ("finished", "kept", "status"), [(True, "1", 0), (False, "1", 1), (False, "", 0)]
)
def test_a_failed_setup_exits_1_only_when_the_project_is_kept(
    monkeypatch, finished, kept, status
):
    hook = load_hook("post_gen_project")
    monkeypatch.setenv(hook.PROJECT_KEPT_VARIABLE, kept)
    assert hook.exit_status(finished=finished) == status


@pytest.mark.parametrize("name", ["pre_gen_project", "post_gen_project"])
def test_a_rendered_hook_deletes_itself_and_the_template_keeps_its_own(
    name, tmp_path, monkeypatch
):
    import tempfile

    hook = load_hook(name)
    hook.forget_rendered_answers()
    assert (REPO / "hooks" / f"{name}.py").is_file()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rendered = tmp_path / f"tmp{name}.py"
    rendered.write_text((REPO / "hooks" / f"{name}.py").read_text())
    spec = importlib.util.spec_from_file_location(name, rendered)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.forget_rendered_answers()
    assert not rendered.exists()


def test_the_finish_command_quotes_a_path_for_the_shell(monkeypatch, tmp_path):
    hook = load_hook("post_gen_project")
    monkeypatch.setenv("PWD", str(tmp_path))
    project = tmp_path / "my apps" / "shop"
    assert hook.finish_command(project, create_venv=True) == (
        "cd 'my apps/shop' && python3 bin/setup"
    )


def test_a_project_outside_the_shell_directory_is_shown_absolute(monkeypatch, tmp_path):
    hook = load_hook("post_gen_project")
    monkeypatch.setenv("PWD", str(tmp_path / "elsewhere"))
    assert hook.display_path(Path("/srv/app")) == "/srv/app"


def test_without_the_api_its_files_are_removed_and_nothing_else(tmp_path):
    hook = load_hook("post_gen_project")
    kept = ["shop/__init__.py", "shop/models.py", "tests/test_models.py"]
    removed = [name.format(package="shop") for name in hook.API_FILES]
    for name in kept + removed:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    hook.remove_api_files(tmp_path, "shop")
    assert sorted(
        str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*.py")
    ) == sorted(kept)
    # Each is a file of the template (the bakes without the API show that no
    # other file holds API code).
    for name in hook.API_FILES:
        template_file = TEMPLATE_DIR / name.format(
            package="{{cookiecutter.package_name}}"
        )
        assert template_file.is_file(), name


def test_a_bake_from_a_template_outside_git_is_not_linked_but_committed(tmp_path):
    hook = load_hook("post_gen_project")
    template = tmp_path / "unpacked-zip"
    template.mkdir()
    project = tmp_path / "my-flask-app"
    project.mkdir()
    (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text("SECRET_KEY='s'\n")
    (project / "README.md").write_text("# My Flask App\n")
    rendered = answers(__template_dir=str(template), _template=str(template))
    lines = hook.link_for_updates(project, rendered, "bake")
    assert lines[1].startswith(
        "Template updates: not linked (the template is not a git repository)"
    )
    assert not (project / ".cruft.json").exists()
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked == [".gitignore", "README.md"]


@pytest.mark.parametrize(
    "changes",
    [{"api_auth": False}, {"api": False}],
    ids=["no-api-auth", "no-api"],
)
def test_without_the_api_tokens_the_project_has_no_token_code(tmp_path, changes):
    """The tokens are a few Jinja lines in files every project has: rendered
    (no setup) and vendored as the hook does, a project without them has no
    token code, no flask-httpauth and no `tokens` extra of flask-db-kit. (The
    bakes of tests/test_bake.py show the default has all three.)"""
    hook = load_hook("post_gen_project")
    project = Path(
        cookiecutter(
            str(REPO),
            no_input=True,
            extra_context={"create_venv": False, **changes},
            output_dir=tmp_path,
            accept_hooks=False,
        )
    )
    vendor_library(REPO, project)
    if changes.get("api") is False:
        hook.remove_api_files(project, "my_flask_app")
    assert TOKEN_CODE.search(project_code(project)) is None
    needed = requirements(project)
    assert "flask-httpauth" not in needed
    assert "tokens" not in needed["flask-db-kit"]
    assert needed["flask-db-kit"] == (
        {"api"} if changes.get("api") is not False else set()
    )
    # What flask-httpauth comes with: the `tokens` extra, and only that.
    library = library_requirements(project)
    assert [extra for extra, names in library.items() if "flask-httpauth" in names] == [
        "tokens"
    ]


def test_the_library_is_vendored_without_its_tests_and_caches(tmp_path):
    """flask-db-kit in vendor/, without its tests and caches: the very paths
    that the project-path check (answers.baked_paths) counts; a copy left
    from before is replaced whole."""
    template = tmp_path / "template"
    shutil.copytree(REPO / "flask-db-kit", template / "flask-db-kit")
    cache = template / "flask-db-kit" / "src" / "flask_db_kit" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "api.cpython-311.pyc").write_bytes(b"")
    project = tmp_path / "project"
    stale = project / "vendor" / "flask-db-kit" / "src" / "flask_db_kit" / "gone.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("")

    vendor_library(template, project)

    copied = sorted(
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file()
    )
    assert copied == sorted(vendored_paths(template))
    assert "vendor/flask-db-kit/src/flask_db_kit/tokens.py" in copied
    assert "vendor/flask-db-kit/pyproject.toml" in copied
    assert not [path for path in copied if "/tests/" in path or "__pycache__" in path]


def test_check_answers_or_exit_makes_the_yes_no_answers_booleans():
    # The very dict cookiecutter returns, so that the templates, the hooks and
    # the recorded answers see booleans.
    given = answers(api="No", api_auth="yes", timestamps="0", create_venv="TRUE")
    assert check_answers_or_exit(given) == ""
    assert {flag: given[flag] for flag in FLAGS} == {
        "api": False,
        "api_auth": True,
        "timestamps": False,
        "create_venv": True,
    }


def test_the_pre_generation_hook_refuses_a_project_path_too_long(
    monkeypatch, capsys, tmp_path
):
    hook = load_hook("pre_gen_project")
    rendered = answers(__template_dir=str(REPO))
    monkeypatch.setattr(hook.json, "loads", lambda _text: rendered)
    deep = tmp_path.joinpath(*["d" * 200] * 21, "my-flask-app")
    monkeypatch.setattr(hook.Path, "cwd", classmethod(lambda cls: deep))
    assert hook.main() == 1
    error = capsys.readouterr().err
    assert error.startswith("error: project folder: ") and error.count("\n") == 1
    assert "over the 4095 this system allows" in error


@pytest.mark.parametrize(
    ("environment", "derandomized"),
    [
        ({"CI": "true"}, True),
        ({"CI": "true", "HYPOTHESIS_PROFILE": "unseeded"}, False),
        ({}, False),
    ],
)
def test_the_property_tests_run_unseeded_on_demand_even_under_ci(
    environment, derandomized
):
    """CI's draw stays reproducible; `make property-tests` draws anew."""
    show = (
        "import tests.conftest; from hypothesis import settings; "
        "print(settings.default.derandomize, settings.default.database is None)"
    )
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("CI", "HYPOTHESIS_PROFILE")
    }
    shown = subprocess.run(
        [sys.executable, "-c", show],
        cwd=REPO,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split()[0] == str(derandomized)
    if environment.get("HYPOTHESIS_PROFILE") == "unseeded":
        assert shown.stdout.split()[1] == "True"  # no saved examples replayed
    target = subprocess.run(
        ["make", "-n", "property-tests"], cwd=REPO, capture_output=True, text=True
    )
    assert "HYPOTHESIS_PROFILE=unseeded" in target.stdout
