"""The prompts as a user meets them: the real `cookiecutter` command, in a
pseudo-terminal where a person types, and on every path that skips the
keyboard (command line, config file, replay file)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pexpect
import pyte
import pytest

from flask_db_template import prompting
from flask_db_template.prompting import (
    TEMPLATE_DIRECTORY,
    answer_problem,
    template_defaults,
)
from tests.baking import (
    REPO,
    TOKEN_CODE,
    clean_environment,
    project_code,
    requirements,
)

COOKIECUTTER = str(Path(sys.executable).parent / "cookiecutter")
QUESTIONS = (
    "Project name",
    "Folder and distribution name",
    "Python package name",
    "One-line description",
    "Author",
    "Author's email",
    "Database URL",
    "A REST API",
    "With the API: a bearer token",
    "created_at and updated_at",
    "Models:",
    "Make .venv",
)


@pytest.fixture
def config(tmp_path) -> Path:
    """A cookiecutter config of the test's own: replay files go to tmp_path."""
    config = tmp_path / "cookiecutter.yaml"
    config.write_text(f"replay_dir: {tmp_path / 'replay'}\n")
    return config


def spawn(tmp_path: Path, config: Path, *arguments: str) -> pexpect.spawn:
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    # The terminal's size is the pseudo-terminal's: pytest-xdist's workers
    # have COLUMNS=80 and LINES=24, which rich would take over the terminal's.
    environment = clean_environment(PWD=str(workdir), TERM="xterm")
    environment.pop("COLUMNS", None)
    environment.pop("LINES", None)
    return pexpect.spawn(
        COOKIECUTTER,
        ["--config-file", str(config), str(REPO), *arguments],
        cwd=workdir,
        env=environment,
        encoding="utf-8",
        timeout=120,
        dimensions=(60, 250),
    )


def test_a_typo_and_a_bad_url_are_asked_again_and_no_answer_is_lost(tmp_path, config):
    child = spawn(tmp_path, config)
    typed = {
        "Project name": "Recipe Box",
        "One-line description": "Dishes and who cooks them",
        "Author": "Ada",
        "Author's email": "ada@example.org",
        "A REST API": "n",
        "created_at and updated_at": "n",
        "Make .venv": "n",
    }
    for question in QUESTIONS:
        if question.startswith("With the API"):
            continue  # not asked: the answer to the API was no
        child.expect_exact(question)
        if question == "created_at and updated_at":
            assert "With the API" not in child.before
        if question == "Database URL":
            child.sendline("postgresql://cook:p@ss@localhost/recipes")
            child.expect_exact(
                "error: database_url: the password holds a raw '@', which ends "
                "that part of a URL; percent-encode it"
            )
            child.expect_exact("Database URL")
            # The refused answer is there to edit: Ctrl-U clears it.
            child.expect_exact("postgresql://cook:p@ss@localhost/recipes")
            child.sendcontrol("u")
            child.sendline("sqlite:///recipes.db")
        elif question == "Models:":
            # The language is shown at the prompt, without the README.
            child.expect_exact("references{User.posts}")
            child.expect_exact("many{Tag}")
            child.sendline("Dish name:strng! servings:integer")
            child.expect_exact(
                "error: models: Dish.name: unknown type 'strng' (did you mean 'string'?)"
            )
            child.expect_exact("Models:")
            child.expect_exact("Dish name:strng! servings:integer")
            child.sendcontrol("u")
            child.sendline("Dish name:string! servings:integer")
        else:
            child.sendline(typed.get(question, ""))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    project = tmp_path / "work" / "recipe-box"
    pyproject = (project / "pyproject.toml").read_text()
    assert 'description = "Dishes and who cooks them"' in pyproject
    assert 'name = "Ada", email = "ada@example.org"' in pyproject
    assert "flask-smorest" not in pyproject  # api: no
    models = (project / "recipe_box" / "models.py").read_text()
    assert "class Dish(" in models and "servings" in models
    assert "created_at" not in models  # timestamps: no
    assert "DATABASE_URL='sqlite:///recipes.db'" in (project / ".env").read_text()
    assert (project / "instance" / "recipes.db").is_file()


def test_without_a_terminal_a_bad_typed_answer_ends_in_one_line(tmp_path, config):
    typed = ["", "", "flask"]  # project name, slug, package name
    result = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), str(REPO)],
        cwd=tmp_path,
        env=clean_environment(),
        input="\n".join(typed) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "error: package_name: 'flask' is the name of a dependency or of a folder "
        "of the baked project; choose another\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cookiecutter.yaml"]


HOSTILE = {
    "project_name": "App {{ 7*7 }}",
    "description": "{% if %} unclosed",
    "author_name": "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
}


def literal_answers_hold(project: Path) -> None:
    pyproject = (project / "pyproject.toml").read_text()
    assert 'description = "{% if %} unclosed"' in pyproject
    assert "os.popen('touch PWNED')" in pyproject
    readme = (project / "README.md").read_text()
    assert readme.startswith("# App \\{\\{ 7\\*7 \\}\\}")


def test_answers_on_the_command_line_are_taken_literally(tmp_path, config):
    result = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)]
        + [f"{name}={value}" for name, value in HOSTILE.items()]
        + ["create_venv=no"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "PWNED").exists()
    assert not list(tmp_path.rglob("PWNED"))
    literal_answers_hold(tmp_path / "app-7-7")


def test_answers_from_a_config_file_are_taken_literally(tmp_path, config):
    config.write_text(
        config.read_text()
        + "default_context:\n"
        + "".join(f"  {name}: {json.dumps(value)}\n" for name, value in HOSTILE.items())
        + "  create_venv: 'no'\n"
    )
    result = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.rglob("PWNED"))
    literal_answers_hold(tmp_path / "app-7-7")


def test_a_replayed_bad_answer_is_refused_in_one_line_and_nothing_is_kept(
    tmp_path, config
):
    baked = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)]
        + ["create_venv=no", "project_name=Replayed"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert baked.returncode == 0, baked.stderr
    [replay] = (tmp_path / "replay").glob("*.json")
    answers = json.loads(replay.read_text())
    # A replayed answer is taken literally too.
    answers["cookiecutter"]["description"] = HOSTILE["description"]
    answers["cookiecutter"]["project_slug"] = "literal"
    replay.write_text(json.dumps(answers))
    literal = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--replay-file", str(replay)]
        + [str(REPO)],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert literal.returncode == 0, literal.stderr
    pyproject = (tmp_path / "literal" / "pyproject.toml").read_text()
    assert 'description = "{% if %} unclosed"' in pyproject

    answers["cookiecutter"]["package_name"] = "class"
    answers["cookiecutter"]["project_slug"] = "again"
    replay.write_text(json.dumps(answers))
    replayed = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--replay-file", str(replay)]
        + [str(REPO)],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert replayed.returncode == 1
    assert "error: package_name: 'class' is a Python keyword\n" in replayed.stderr
    assert "Traceback" not in replayed.stdout + replayed.stderr
    assert not (tmp_path / "again").exists()


def test_only_the_templates_own_defaults_are_rendered():
    defaults = json.loads((REPO / "cookiecutter.json").read_text())
    assert defaults["project_slug"] in template_defaults(TEMPLATE_DIRECTORY)
    assert "App {{ 7*7 }}" not in template_defaults(TEMPLATE_DIRECTORY)


@pytest.mark.parametrize(
    ("name", "value", "earlier", "problem"),
    [
        ("project_slug", "9lives", {}, "project_slug: '9lives'"),
        ("database_url", "sqlite://", {}, "in-memory"),
        ("models", "Dish servings:int", {}, None),
        ("models", "Post created_at:datetime", {"timestamps": False}, None),
        ("models", "Post created_at:datetime", {"timestamps": True}, "created_at"),
        ("models", "@missing-file.txt", {}, "models: cannot read"),
        ("api", True, {}, None),
    ],
)
def test_each_answer_is_checked_with_the_answers_before_it(
    name, value, earlier, problem, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    found = answer_problem(name, value, earlier)
    if problem is None:
        assert found is None
    else:
        assert problem in found and "\n" not in found


def test_the_models_are_asked_after_the_answers_their_check_depends_on():
    order = [name for name in json.loads((REPO / "cookiecutter.json").read_text())]
    assert order.index("models") > max(order.index("api"), order.index("timestamps"))


def test_cookiecutter_still_has_what_the_prompts_wrap():
    # A cookiecutter release that renames these would silently lose the
    # per-answer checks (the final check stays): this says so first.
    import importlib

    from flask_db_template.prompting import WRAPPED

    for module_name, names in WRAPPED.items():
        module = importlib.import_module(module_name)
        for name in names:
            assert callable(getattr(module, name)), name


def test_the_replay_file_keeps_no_password(tmp_path, config):
    url = "postgresql://cook:s3cr3t%40pw@127.0.0.1:1/recipes"
    baked = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)]
        + ["create_venv=no", f"database_url={url}"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The server is unreachable: the setup stops, and says so without the password.
    assert baked.returncode == 1
    assert "cannot connect" in baked.stderr
    assert "s3cr3t" not in baked.stdout + baked.stderr
    [replay] = (tmp_path / "replay").glob("*.json")
    assert "s3cr3t" not in replay.read_text()
    answers = json.loads(replay.read_text())["cookiecutter"]
    assert answers["database_url"] == "postgresql://cook:change-me@127.0.0.1:1/recipes"
    # .env is where the password is kept.
    dotenv = (tmp_path / "my-flask-app" / ".env").read_text()
    assert "s3cr3t%40pw@127.0.0.1:1/recipes" in dotenv


# --- A secret declared as plain text ------------------------------------------------

PLAINTEXT_PASSWORD = "User email:string{120}!:unique password:string{128}!"
PLAINTEXT_WARNING = "warning: models: User.password is plain text"


def test_a_plain_text_password_is_warned_of_at_its_prompt_and_baked(tmp_path, config):
    child = spawn(tmp_path, config, "create_venv=no")
    for question in QUESTIONS:
        child.expect_exact(question)
        if question == "Models:":
            # The help names the version 2 words.
            child.expect_exact("e.g. ")  # the help's last line
            help_text = child.before
            for word in (
                "password (stored hashed",
                ":secret",
                ":cascade",
                ":nullify",
                ":default=now",
                ":primary",
            ):
                assert word in help_text, word
            child.sendline(PLAINTEXT_PASSWORD)
            # One line, right after the answer, and the bake goes on.
            child.expect_exact(PLAINTEXT_WARNING)
            child.expect(r"[^\r\n]*\r\n")
            assert "password type ('password:password!'" in child.after
            assert "':secret'" in child.after
        else:
            child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert child.before.count(PLAINTEXT_WARNING) == 0  # not said twice
    models = tmp_path / "work" / "my-flask-app" / "my_flask_app" / "models.py"
    assert "password" in models.read_text()


def test_a_plain_text_password_given_without_the_prompts_is_warned_of_once(
    tmp_path, config
):
    baked = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)]
        + ["create_venv=no", f"models={PLAINTEXT_PASSWORD}"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert baked.returncode == 0, baked.stderr
    assert baked.stderr.count(PLAINTEXT_WARNING) == 1, baked.stderr
    assert (tmp_path / "my-flask-app" / "my_flask_app" / "models.py").exists()
    # A password declared as one, or a secret marked so, is not warned of.
    again = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)]
        + [
            "create_venv=no",
            "project_name=Other",
            "models=User password:password! api_token:string{40}:secret",
        ],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert "warning:" not in again.stderr


def test_the_renders_cruft_compares_do_not_warn_of_plain_text_secrets(
    capsys, monkeypatch
):
    monkeypatch.setattr(prompting.PROMPTS, "warned_models", None)
    answers = {"__models": PLAINTEXT_PASSWORD, "timestamps": "yes"}
    # As cruft's update renders the template's two commits: nothing said.
    namespace = {"__name__": "cruft._commands.update", "prompting": prompting}
    exec(
        "def update(answers):\n    prompting.warn_after_the_prompts(answers)\n",
        namespace,
    )
    namespace["update"](answers)
    assert capsys.readouterr().err == ""
    # A bake: said once, however often the answers are checked.
    prompting.warn_after_the_prompts(answers)
    prompting.warn_after_the_prompts(answers)
    assert capsys.readouterr().err.count(PLAINTEXT_WARNING) == 1


# --- The yes/no answers --------------------------------------------------------------

YES_NO = ("api", "api_auth", "timestamps", "create_venv")
ACCEPTED_WORDS = "(yes: y, yes, true or 1; no: n, no, false or 0)"


def expect_yes_no(child: pexpect.spawn, default: str) -> None:
    """The choices and the default of cookiecutter's yes/no prompt (in colour)."""
    child.expect_exact("[y/n]")
    child.expect_exact(f"({default})")


def test_yes_no_questions_take_the_words_and_ask_for_a_token_with_the_api(
    tmp_path, config
):
    child = spawn(tmp_path, config, "project_name=Words")
    typed = {
        # A word that is not yes or no is named, with the words taken, and
        # asked again.
        "A REST API": ["maybe", "TRUE"],
        "With the API: a bearer token": ["0"],
        "created_at and updated_at": ["1"],
        "Make .venv": ["false"],
    }
    for question in QUESTIONS:
        child.expect_exact(question)
        if question == "A REST API":
            # Shown as cookiecutter shows a yes/no question, yes by default.
            expect_yes_no(child, "y")
        answers = typed.get(question, [""])
        for answer in answers[:-1]:
            child.sendline(answer)
            child.expect_exact(
                f"error: api: expected yes or no, got {answer!r} {ACCEPTED_WORDS}"
            )
        child.sendline(answers[-1])
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    project = tmp_path / "work" / "words"
    answers = json.loads((project / ".cruft.json").read_text())["context"]
    flags = {name: answers["cookiecutter"][name] for name in YES_NO}
    assert flags == {
        "api": True,
        "api_auth": False,
        "timestamps": True,
        "create_venv": False,
    }
    # The API (flask-db-kit's `api` extra), without its tokens.
    assert requirements(project)["flask-db-kit"] == {"api"}
    assert TOKEN_CODE.search(project_code(project)) is None
    assert "created_at" in (project / "words" / "models.py").read_text()
    assert not (project / ".venv").exists()


def test_a_bad_yes_no_default_from_the_command_line_is_named_then_asked(
    tmp_path, config
):
    child = spawn(tmp_path, config, "timestamps=2", "create_venv=no")
    for question in QUESTIONS:
        child.expect_exact(question)
        if question == "created_at and updated_at":
            assert (
                f"error: timestamps: expected yes or no, got '2' {ACCEPTED_WORDS}"
                in child.before
            )
            # Asked with the template's default.
            expect_yes_no(child, "y")
            child.sendline("n")
        else:
            child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    models = tmp_path / "work" / "my-flask-app" / "my_flask_app" / "models.py"
    assert "created_at" not in models.read_text()


def refused_in_one_line(result: subprocess.CompletedProcess, name: str, value: str):
    """Exit 1, one line naming the variable, the value and the accepted words."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    meant = f", did you mean {TYPOS[value]!r}?" if value in TYPOS else ""
    assert result.stderr == (
        f"error: {name}: expected yes or no, got {value!r}{meant} {ACCEPTED_WORDS}\n"
    )
    assert result.stdout == ""


def folders(path: Path) -> list[str]:
    return sorted(entry.name for entry in path.iterdir())


# A bad word close to one taken, and the word then suggested.
TYPOS = {"nope": "no"}
BAD_YES_NO = [
    ("api", "maybe"),
    ("api_auth", "nope"),
    ("timestamps", "2"),
    ("create_venv", "perhaps"),
]


@pytest.mark.parametrize(("name", "value"), BAD_YES_NO)
def test_a_bad_yes_no_on_the_command_line_is_one_line(tmp_path, config, name, value):
    result = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)]
        + [f"{name}={value}"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    refused_in_one_line(result, name, value)
    assert folders(tmp_path) == ["cookiecutter.yaml"]


@pytest.mark.parametrize(("name", "value"), BAD_YES_NO)
def test_a_bad_yes_no_in_a_config_file_is_one_line(tmp_path, config, name, value):
    config.write_text(
        config.read_text() + f"default_context:\n  {name}: {json.dumps(value)}\n"
    )
    result = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    refused_in_one_line(result, name, value)
    assert folders(tmp_path) == ["cookiecutter.yaml"]


@pytest.fixture(scope="module")
def replay_answers(tmp_path_factory) -> dict:
    """The replay file of a bake with the defaults (create_venv off)."""
    tmp_path = tmp_path_factory.mktemp("replayed")
    config = tmp_path / "cookiecutter.yaml"
    config.write_text(f"replay_dir: {tmp_path / 'replay'}\n")
    baked = subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--no-input", str(REPO)]
        + ["create_venv=no", "api=No", "timestamps=FALSE"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert baked.returncode == 0, baked.stderr
    [replay] = (tmp_path / "replay").glob("*.json")
    return json.loads(replay.read_text())


def test_the_replay_file_records_yes_no_answers_as_booleans(replay_answers):
    flags = {name: replay_answers["cookiecutter"][name] for name in YES_NO}
    assert flags == {
        "api": False,
        "api_auth": True,
        "timestamps": False,
        "create_venv": False,
    }


def bake_from_replay_file(tmp_path, config, answers):
    """The real cookiecutter, given `answers` as a replay file in tmp_path."""
    replay = tmp_path / "answers.json"
    replay.write_text(json.dumps(answers))
    return subprocess.run(
        [COOKIECUTTER, "--config-file", str(config), "--replay-file", str(replay)]
        + [str(REPO)],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(("name", "value"), BAD_YES_NO)
def test_a_bad_yes_no_in_a_replay_file_is_one_line(
    tmp_path, config, replay_answers, name, value
):
    answers = json.loads(json.dumps(replay_answers))
    answers["cookiecutter"][name] = value
    result = bake_from_replay_file(tmp_path, config, answers)
    refused_in_one_line(result, name, value)
    # No project folder. (cookiecutter itself copies the replayed answers to
    # its replay folder before it makes the project.)
    assert folders(tmp_path) == ["answers.json", "cookiecutter.yaml", "replay"]


def test_yes_no_words_in_a_replay_file_are_read_as_booleans(
    tmp_path, config, replay_answers
):
    answers = json.loads(json.dumps(replay_answers))
    answers["cookiecutter"].update(api="no", timestamps="Yes", project_slug="words")
    result = bake_from_replay_file(tmp_path, config, answers)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "words"
    assert "flask-smorest" not in (project / "pyproject.toml").read_text()
    assert "created_at" in (project / "my_flask_app" / "models.py").read_text()
    recorded = json.loads((project / ".cruft.json").read_text())["context"]
    assert recorded["cookiecutter"]["api"] is False
    assert recorded["cookiecutter"]["timestamps"] is True


def test_boolean_defaults_from_a_config_file_are_asked_and_skip_the_token(
    tmp_path, config
):
    # YAML's `false` is a boolean: cookiecutter then asks with its own yes/no
    # prompt (read_user_yes_no), and the token question is still skipped.
    config.write_text(
        config.read_text()
        + "default_context:\n  api: false\n  api_auth: true\n  create_venv: no\n"
    )
    child = spawn(tmp_path, config)
    for question in QUESTIONS:
        if question.startswith("With the API"):
            continue
        child.expect_exact(question)
        if question == "A REST API":
            expect_yes_no(child, "n")
        if question == "created_at and updated_at":
            assert "With the API" not in child.before
        child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    project = tmp_path / "work" / "my-flask-app"
    answers = json.loads((project / ".cruft.json").read_text())["context"]
    assert answers["cookiecutter"]["api"] is False
    assert answers["cookiecutter"]["api_auth"] is False
    assert "flask-smorest" not in (project / "pyproject.toml").read_text()


# --- Pastes, folders taken, typos and redraws -----------------------------------------


def readme_models_example() -> str:
    """The README's several-line models example, as a user copies it."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## The models language", 1)[1]
    example = section.split("```\n", 2)[1]
    assert example.count("\n") == 5, example
    return example.rstrip("\n")


def screen(raw: str, columns: int = 250) -> list[str]:
    """The lines a terminal shows after `raw`, as a terminal emulator draws
    them (cursor moves, erases and redraws applied)."""
    terminal = pyte.Screen(columns, 400)
    pyte.Stream(terminal).feed(raw)
    lines = [line.rstrip() for line in terminal.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def answer_until(
    child: pexpect.spawn, last: str, typed: dict | None = None, first: str = ""
) -> None:
    """Answer the questions from `first` (the first question when not given)
    to the one before `last` (with `typed`, else the default), and wait for
    `last`'s prompt."""
    typed = typed or {}
    start = QUESTIONS.index(first) if first else 0
    for question in QUESTIONS[start : QUESTIONS.index(last)]:
        if question.startswith("With the API") and typed.get("A REST API") == "n":
            continue
        child.expect_exact(question)
        child.sendline(typed.get(question, ""))
    child.expect_exact(last)


@pytest.mark.parametrize("bracketed", [True, False], ids=["bracketed", "plain"])
def test_a_pasted_several_line_models_answer_arrives_whole(tmp_path, config, bracketed):
    def paste(text: str) -> None:
        # A terminal sends a paste as one write, each newline as Enter (\r);
        # with bracketed paste (which readline asks the terminal for) between
        # markers, then the user's own Enter.
        child.expect(r": \S*$")  # the prompt's end: the answer is read from now
        pasted = text.replace("\n", "\r")
        child.send(f"\x1b[200~{pasted}\x1b[201~\r" if bracketed else f"{pasted}\r")

    child = spawn(tmp_path, config, "create_venv=no")
    raw = io.StringIO()
    child.logfile_read = raw
    # Two lines where one is asked: refused in words, not spread over the
    # next question.
    answer_until(child, "One-line description")
    paste("A blog\nwith tags")
    child.expect_exact(
        "error: description: 'A blog\\nwith tags' holds a newline or another "
        "control character; give it on one line"
    )
    child.expect_exact("One-line description")
    child.sendcontrol("u")
    child.sendline("A blog with tags")
    answer_until(child, "Models:", first="Author")
    example = readme_models_example()
    paste(example)
    child.expect_exact("Make .venv")
    assert "Please enter" not in child.before and "error" not in child.before
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    project = tmp_path / "work" / "my-flask-app"
    models = (project / "my_flask_app" / "models.py").read_text()
    for model in ("User", "Post", "Tag"):
        assert f"class {model}(" in models, model
    assert "tags" in models and "author" in models
    answers = json.loads((project / ".cruft.json").read_text())["context"]
    assert answers["cookiecutter"]["models"] == example
    assert answers["cookiecutter"]["description"] == "A blog with tags"
    # On the screen: the whole paste after the prompt, once, then the next question.
    shown = "\n".join(screen(raw.getvalue()))
    assert shown.count("Tag name:string{50}!:unique") == 1
    assert f"{example}\n  [12/12] Make .venv" in shown


def test_a_folder_already_there_is_refused_at_its_question(tmp_path, config):
    taken = tmp_path / "work" / "out" / "tiny-blog"
    (taken / "keep").mkdir(parents=True)
    child = spawn(tmp_path, config, "--output-dir", "out", "create_venv=no")
    typed = {"Project name": "Tiny Blog"}
    for question in QUESTIONS:
        child.expect_exact(question)
        if question == "Folder and distribution name":
            child.sendline("")  # the default: tiny-blog, taken
            child.expect_exact(
                "error: project_slug: 'out/tiny-blog' already exists; choose "
                "another folder name (or move that folder away)"
            )
            child.expect_exact("Folder and distribution name")
            child.expect_exact("tiny-blog")  # the refused answer, to edit
            child.sendline("-2")
        else:
            child.sendline(typed.get(question, ""))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert (tmp_path / "work" / "out" / "tiny-blog-2" / "pyproject.toml").is_file()
    assert folders(taken) == ["keep"]


def test_with_overwrite_if_exists_a_folder_there_is_not_refused(tmp_path, config):
    (tmp_path / "work" / "my-flask-app").mkdir(parents=True)
    child = spawn(tmp_path, config, "--overwrite-if-exists")
    answer_until(child, "Python package name")
    assert "error" not in child.before
    child.terminate(force=True)


def test_typos_get_suggestions_and_an_edited_answer_is_redrawn_in_place(
    tmp_path, config
):
    child = spawn(tmp_path, config, "create_venv=no")
    raw = io.StringIO()
    child.logfile_read = raw
    answer_until(child, "Database URL")
    child.expect(r": $")
    child.sendline("postgressql://cook@localhost/recipes")
    child.expect_exact(
        "error: database_url: the scheme 'postgressql' is not supported "
        "(did you mean 'postgresql'?)"
    )
    child.expect_exact("postgressql://cook@localhost/recipes")  # to edit
    # Home, a step right and back, end, then clear it all: each redraws the line.
    child.sendcontrol("a")
    child.send("\x1b[C\x1b[D")
    child.sendcontrol("e")
    child.sendcontrol("u")
    child.sendline("sqlite:///recipes.db")
    child.expect_exact("A REST API")
    child.expect(r": $")
    child.sendline("yse")
    child.expect_exact(
        "error: api: expected yes or no, got 'yse', did you mean 'yes'? "
        f"{ACCEPTED_WORDS}"
    )
    child.expect_exact("A REST API")
    child.sendline("n")
    # The token question is skipped, and the numbers go on without a gap.
    for number, question in (
        (9, "created_at and updated_at"),
        (10, "Models:"),
        (11, "Make .venv"),
    ):
        child.expect_exact(question)
        assert f"[{number}/11]" in child.before.splitlines()[-1], child.before
        child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    env = (tmp_path / "work" / "my-flask-app" / ".env").read_text()
    assert "DATABASE_URL='sqlite:///recipes.db'" in env

    lines = screen(raw.getvalue())
    # The question's last line kept, the edited answer after it, and each
    # question after it on a line of its own.
    url_lines = [line for line in lines if "(percent-encode" in line]
    assert url_lines[-1].startswith("  (percent-encode @ / : # ? in a password")
    assert url_lines[-1].endswith("(sqlite:///my_flask_app.db): sqlite:///recipes.db")
    numbers = [line.split("]")[0][3:] for line in lines if line.startswith("  [")]
    # The URL and the yes/no asked twice (refused once), then no gap.
    assert numbers == [f"{n}/12" for n in (1, 2, 3, 4, 5, 6, 7, 7, 8, 8)] + [
        f"{n}/11" for n in (9, 10, 11)
    ]
