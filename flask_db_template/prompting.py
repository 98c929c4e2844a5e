"""How cookiecutter asks, checks and keeps the answers of this template.

cookiecutter 2.x has no hook to check an answer as it is given, renders
every answer that does not come from the keyboard (command line, a config
file's `default_context`) as a Jinja template, and deletes the project when a
post-generation hook fails. The template's Jinja extension, which cookiecutter
loads in its own process before it asks the first question, installs the
wrappers below around the functions of cookiecutter that `prompt_for_config`
and `generate_files` look up at each call:

- `render_variable`: a value that is not the template's own default from
  cookiecutter.json is an answer, and comes back as it is, never rendered
  (`project_name='{{ 7*7 }}'` stays that text, and Jinja's globals are out
  of reach);
- `read_user_variable`: each typed answer is checked at once (the folder
  name also against the folders already where the project will go: see
  `output_folder`); in a terminal a bad one is explained in one line and
  asked again, the bad answer ready to edit, every other answer kept;
  without a terminal, one line and exit 1. Answers are read through
  terminal.read_answer (a paste of several lines arrives whole; editing
  redraws cleanly), and a refused yes/no word is explained in one line with
  the word likely meant. The `[n/12]` before each question counts only the
  questions asked (`renumbered`).
  The yes/no variables, text in cookiecutter.json (see answers.FLAGS), are
  asked as cookiecutter asks its boolean ones, and `api_auth` is not asked
  (it is no) when the answer to `api` is no;
  An accepted models answer that declares a field named like a secret as
  plain text (`password:string`) gets a one-line warning, and the bake goes
  on (`warn_of_plaintext_secrets`, which the check after the last prompt
  calls too, for `--no-input`);
- `read_user_yes_no`: the same skip of `api_auth`, for a context where the
  yes/no answers are already booleans (answers that cruft recorded);
- `render_and_create_dir` (of cookiecutter.generate), just before the
  project's folder is made: the yes/no answers of a replay file become
  booleans or are refused in one line, and a project folder whose paths
  would be too long for the file system is refused in one line, nothing
  written;
- `dump` (of cookiecutter.main): the replay file keeps the database URL
  with `change-me` for its password, which is written to `.env` only;
- `run_hook_from_repo_dir`: a failing post-generation hook (the setup did not
  finish) keeps the project and makes cookiecutter exit 1, with no traceback;
  Ctrl-C during it is left to the hook, and cookiecutter exits 130, silent;
  a failing pre-generation hook (a replayed answer refused) ends in one line.

Each wrapper acts only for an environment or context of this template, and
calls cookiecutter's own function for anything else. If cookiecutter lacks
one of the functions (another major version), nothing is wrapped and the
answers are still checked once, after the last prompt (`__answers_checked`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask_db_template import terminal, updates
from flask_db_template.answers import (
    FLAGS,
    SINGLE_ANSWER_CHECKS,
    AnswerError,
    check_models,
    check_project_path,
    example_database_url,
    exists,
    make_flags_booleans,
    parse_database_url,
    read_models_file,
    yes_or_no,
)
from flask_db_template.modelspec import SpecError, parse, plaintext_secrets_warning

TEMPLATE_DIRECTORY = Path(__file__).resolve().parent.parent
MODELS_FILE_PREFIX = "@"
# What a failed post-generation hook leaves cookiecutter to say, after the
# hook's own explanation.
SETUP_INCOMPLETE = (
    "The project's setup did not finish (see above); the project is kept. "
    "Exit status 1."
)
ANSWERS_REFUSED = "Nothing was written."
# Read by hooks/post_gen_project.py.
PROJECT_KEPT_VARIABLE = "FLASK_DB_TEMPLATE_KEEPS_PROJECT"


@functools.cache
def template_context(template_directory: Path) -> dict[str, Any]:
    """cookiecutter.json, as the template holds it."""
    return json.loads((template_directory / "cookiecutter.json").read_text("utf-8"))


@functools.cache
def template_defaults(template_directory: Path) -> frozenset[str]:
    """The text values of cookiecutter.json: the only ones rendered as templates."""
    context = template_context(template_directory)
    return frozenset(value for value in context.values() if isinstance(value, str))


def earlier_flag(earlier: Mapping[str, Any], name: str) -> bool:
    """An earlier yes/no answer (yes when not given, or not yes or no: its
    own check says so)."""
    try:
        return yes_or_no(name, earlier.get(name, True))
    except AnswerError:
        return True


def api_auth_is_skipped(var_name: str, earlier: Mapping[str, Any]) -> bool:
    """Whether the question is `api_auth` and the API was answered no."""
    return var_name == "api_auth" and not earlier_flag(earlier, "api")


def resolve_models_answer(answer: str) -> str:
    """The models answer as text: the content of the file when it is `@path`.

    Runs at prompt time, in the user's working directory, so a relative path
    means what the user meant. It never raises (cookiecutter would show a
    traceback): a file it cannot read (missing, not a regular file, too
    large, not UTF-8) comes back as `@/absolute/path`, and the check of the
    answers says why.
    """
    answer = answer.strip()
    if not answer.startswith(MODELS_FILE_PREFIX):
        return answer
    path = Path(answer[len(MODELS_FILE_PREFIX) :].strip()).expanduser().absolute()
    try:
        return read_models_file(path)
    except AnswerError:
        return f"{MODELS_FILE_PREFIX}{path}"


def answer_problem(name: str, value: Any, earlier: Mapping[str, Any]) -> str | None:
    """The one-line problem with one answer, given the answers before it; or None.

    The models are asked after `api` and `timestamps` (see cookiecutter.json),
    on which their check depends.
    """
    try:
        if name in SINGLE_ANSWER_CHECKS:
            SINGLE_ANSWER_CHECKS[name](value)
        elif name in FLAGS:
            yes_or_no(name, value)
        elif name == "models":
            url = (
                parse_database_url(earlier["database_url"])
                if earlier.get("database_url")
                else None
            )
            check_models(
                resolve_models_answer(value),
                timestamps=earlier_flag(earlier, "timestamps"),
                dialect=url.dialect if url else None,
                server=url.server if url else None,
                api_tokens=earlier_flag(earlier, "api")
                and earlier_flag(earlier, "api_auth"),
            )
    except AnswerError as error:
        return str(error)
    return None


def plaintext_secrets_problem(models: str, timestamps: bool | str) -> str | None:
    """The one-line warning about fields named like a secret but declared as
    plain text in a models answer (resolved), or None; an answer that does
    not parse has none (its check says what is wrong)."""
    try:
        return plaintext_secrets_warning(parse(models, timestamps=timestamps))
    except SpecError:
        return None


class Prompts:
    """The wrappers, and what they share: the answers given so far."""

    def __init__(self) -> None:
        self.answers: Mapping[str, Any] | None = None
        # The answers of this template's prompts, kept for read_user_yes_no,
        # before which cookiecutter renders nothing.
        self.latest_answers: Mapping[str, Any] | None = None
        self.template_directory = TEMPLATE_DIRECTORY
        # The models answer (resolved) last warned of, to warn once a bake.
        self.warned_models: str | None = None

    def render_variable(self, original: Callable, env, raw, cookiecutter_dict):
        if not is_ours(env):
            return original(env, raw, cookiecutter_dict)
        # cookiecutter renders each question's default just before asking it:
        # the answers so far are those the check of the next answer needs.
        self.answers = self.latest_answers = cookiecutter_dict
        # The template being rendered: `cruft update` renders two of its
        # commits in one process, and this module may be the other one's.
        template = Path(env.globals.get("template_directory", TEMPLATE_DIRECTORY))
        self.template_directory = template
        if isinstance(raw, str) and raw not in template_defaults(template):
            return raw
        return original(env, raw, cookiecutter_dict)

    def read_user_variable(
        self, original: Callable, var_name, default_value, prompts=None, prefix=""
    ):
        answers, self.answers = self.answers, None
        if answers is None:  # not this template's question
            return original(var_name, default_value, prompts, prefix)
        prefix = renumbered(prefix, var_name, answers)
        if var_name in FLAGS:
            return self.ask_yes_or_no(var_name, default_value, answers, prompts, prefix)
        question = question_text(var_name, prompts)
        value = ask_text(f"{prefix}{question}", default_value)
        while (problem := self.problem(var_name, value, answers)) is not None:
            print(f"error: {problem}", file=sys.stderr, flush=True)
            if not sys.stdin.isatty():
                raise SystemExit(1)
            with editable_answer(value):
                value = ask_text(f"{prefix}{question}", default_value)
        if var_name == "models":
            self.warn_of_plaintext_secrets(
                resolve_models_answer(value), earlier_flag(answers, "timestamps")
            )
        return value

    def problem(self, var_name, value, answers) -> str | None:
        """The one-line problem with a typed answer, a folder that is already
        there included (cookiecutter would refuse it after the last question)."""
        problem = answer_problem(var_name, value, answers)
        if problem is None and var_name == "project_slug":
            problem = existing_folder_problem(value)
        return problem

    def warn_of_plaintext_secrets(self, models: str, timestamps: bool | str) -> None:
        """One line on stderr when the models declare a secret as plain text;
        once for one answer."""
        if models == self.warned_models:
            return
        warning = plaintext_secrets_problem(models, timestamps)
        if warning is not None:
            print(f"warning: {warning}", file=sys.stderr, flush=True)
            self.warned_models = models

    def ask_yes_or_no(self, var_name, default_value, answers, prompts, prefix):
        """A yes/no question, as cookiecutter asks its boolean variables; its
        default from the command line or a config file, when that is yes or
        no (when not: one line, then the template's default in a terminal)."""
        if api_auth_is_skipped(var_name, answers):
            return False
        try:
            default = yes_or_no(var_name, default_value)
        except AnswerError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            if not sys.stdin.isatty():
                raise SystemExit(1) from None
            template = template_context(self.template_directory)
            default = yes_or_no(var_name, template[var_name])
        return ask_yes_no(
            var_name, f"{prefix}{question_text(var_name, prompts)}", default
        )

    def read_user_yes_no(
        self, original: Callable, var_name, default_value, prompts=None, prefix=""
    ):
        answers = self.latest_answers
        if answers is None or var_name not in FLAGS:
            return original(var_name, default_value, prompts, prefix)
        if api_auth_is_skipped(var_name, answers):
            return False
        prefix = renumbered(prefix, var_name, answers)
        return ask_yes_no(
            var_name, f"{prefix}{question_text(var_name, prompts)}", default_value
        )

    def render_and_create_dir(
        self,
        original: Callable,
        dirname,
        context,
        output_dir,
        environment,
        overwrite_if_exists=False,
    ):
        if is_ours(environment):
            answers = context.get("cookiecutter", {})
            template = environment.globals.get("template_directory")
            try:
                make_flags_booleans(answers)
                name = environment.from_string(dirname).render(**context)
                check_project_path(
                    Path(output_dir) / name,
                    Path(template or TEMPLATE_DIRECTORY),
                    answers,
                )
            except AnswerError as error:
                print(f"error: {error}", file=sys.stderr, flush=True)
                raise SystemExit(1) from None
        return original(dirname, context, output_dir, environment, overwrite_if_exists)

    def dump(self, original: Callable, replay_dir, template_name, context):
        if "__template_dir" not in context.get("cookiecutter", {}):
            return original(replay_dir, template_name, context)
        masked = copy.deepcopy(context)
        for key in ("cookiecutter", "_cookiecutter"):
            answers = masked.get(key) or {}
            if isinstance(answers.get("database_url"), str):
                answers["database_url"] = example_database_url(answers["database_url"])
        return original(replay_dir, template_name, masked)

    def run_hook_from_repo_dir(
        self,
        original: Callable,
        repo_dir,
        hook_name,
        project_dir,
        context,
        delete_project_on_failure,
    ):
        if "__template_dir" not in context.get("cookiecutter", {}):
            return original(
                repo_dir, hook_name, project_dir, context, delete_project_on_failure
            )
        from cookiecutter.exceptions import FailedHookException
        from cookiecutter.hooks import run_hook
        from cookiecutter.utils import rmtree, work_in

        # The hook (a child process) reads it: it may then exit 1 on a failed
        # setup, the project being kept.
        previous = os.environ.get(PROJECT_KEPT_VARIABLE)
        os.environ[PROJECT_KEPT_VARIABLE] = "1"
        try:
            with work_in(repo_dir), hook_handles_ctrl_c(hook_name) as interrupted:
                run_hook(hook_name, project_dir, context)
        except FailedHookException:
            if interrupted:  # the hook has said what to run: no more words
                raise SystemExit(EXIT_INTERRUPTED) from None
            if hook_name == "post_gen_project":
                raise FailedHookException(SETUP_INCOMPLETE) from None
            if delete_project_on_failure:
                rmtree(project_dir)
            raise FailedHookException(ANSWERS_REFUSED) from None
        finally:
            if previous is None:
                os.environ.pop(PROJECT_KEPT_VARIABLE, None)
            else:
                os.environ[PROJECT_KEPT_VARIABLE] = previous


def question_text(var_name: str, prompts) -> str:
    """The question of a variable, as cookiecutter finds it."""
    return prompts[var_name] if prompts and prompts.get(var_name) else var_name


@functools.cache
def prompt_classes():
    """rich's prompts as cookiecutter uses them (loaded at the first question:
    the hooks import this module too), reading through terminal.read_answer,
    the yes/no one explaining a refused word in one line."""
    from cookiecutter.prompt import YesNoPrompt
    from rich.prompt import InvalidResponse, Prompt

    def read_input(cls, console, prompt, password, stream=None):
        return terminal.read_answer(console, prompt)

    class TextPrompt(Prompt):
        get_input = classmethod(read_input)

    class YesNoAnswer(YesNoPrompt):
        get_input = classmethod(read_input)
        var_name = ""

        def process_response(self, value: str) -> bool:
            try:
                return yes_or_no(self.var_name, value)
            except AnswerError as error:
                raise InvalidResponse(str(error)) from None

        def on_validate_error(self, value, error) -> None:
            print(f"error: {error.message}", file=sys.stderr, flush=True)

    return TextPrompt, YesNoAnswer


def ask_text(question: str, default: Any) -> str:
    """A typed answer, as cookiecutter's read_user_variable asks it."""
    text_prompt, _ = prompt_classes()
    while (value := text_prompt.ask(question, default=default)) is None:
        pass
    return value


def ask_yes_no(var_name: str, question: str, default: bool) -> bool:
    """A yes/no answer, as cookiecutter's read_user_yes_no asks it."""
    _, yes_no_prompt = prompt_classes()
    prompt = yes_no_prompt(question)
    prompt.var_name = var_name
    return prompt(default=default)


PROMPT_NUMBERS = re.compile(r"\[(\d+)/(\d+)\]")


def renumbered(prefix: str, var_name: str, answers: Mapping[str, Any]) -> str:
    """cookiecutter's `[n/12]` before a question, counting only the questions
    asked: after `api` answered no, `api_auth` is not asked, and the
    questions after it are n-1 of 11."""
    if (
        var_name == "api_auth"
        or "api_auth" not in answers
        or not api_auth_is_skipped("api_auth", answers)
    ):
        return prefix
    return PROMPT_NUMBERS.sub(
        lambda m: f"[{int(m[1]) - 1}/{int(m[2]) - 1}]", prefix, count=1
    )


def output_folder() -> tuple[Path, bool] | None:
    """Where cookiecutter (or `cruft create`) will put the project, and
    whether it may overwrite a folder there (`--overwrite-if-exists`); None
    when no caller on the stack says.

    cookiecutter adds the output folder to the context only after the last
    question; its `cookiecutter()` (cruft's `create()`) holds it as an
    argument from the start.
    """
    for frame in updates.call_stack():
        module = frame.f_globals.get("__name__", "")
        if module.partition(".")[0] not in ("cookiecutter", "cruft"):
            continue
        names = frame.f_locals
        if "output_dir" in names and "overwrite_if_exists" in names:
            return Path(names["output_dir"] or "."), bool(names["overwrite_if_exists"])
    return None


def existing_folder_problem(slug: Any) -> str | None:
    """The one-line problem with a folder name that is already taken where
    the project will go (cookiecutter would say so only after the last
    question, every answer lost); None when it is free, or may be
    overwritten."""
    destination = output_folder()
    if destination is None or not isinstance(slug, str):
        return None
    output_dir, overwrite = destination
    project = Path(os.path.normpath(output_dir / slug.strip()))
    if overwrite or not exists(project):
        return None
    return (
        f"project_slug: {str(project)!r} already exists; choose another folder "
        "name (or move that folder away)"
    )


# cookiecutter's exit status after Ctrl-C during the setup, as a shell gives.
EXIT_INTERRUPTED = 130


@contextlib.contextmanager
def hook_handles_ctrl_c(hook_name: str):
    """While the post-generation hook sets the project up, Ctrl-C is the
    hook's to handle (it stops the setup and names the command that finishes
    it): cookiecutter only notes it and waits, instead of printing "Aborted!"
    and leaving the hook to write over the shell's prompt. Yields a list that
    is not empty once Ctrl-C was pressed. A handler, not SIG_IGN, which the
    hook would inherit."""
    interrupted: list[int] = []
    if hook_name != "post_gen_project":
        yield interrupted
        return
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(1))
    except ValueError:  # not the main thread: signals are not ours to handle
        yield interrupted
        return
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def warn_after_the_prompts(answers: Mapping[str, Any]) -> None:
    """The plaintext-secrets warning, for answers given without the prompts
    (`--no-input`, a replay); never in the renders `cruft update` compares."""
    if updates.bake_kind(dict(answers)) == updates.TEMPLATE_RENDER:
        return
    PROMPTS.warn_of_plaintext_secrets(
        answers.get("__models", answers.get("models", "")),
        answers.get("timestamps", True),
    )


class editable_answer:  # noqa: N801 (a context manager, used as a statement)
    """The next `input()` starts with the refused answer typed in, to edit.

    Through readline, which `input()` uses when it is loaded; where there is
    none (Windows), the question is simply asked again.
    """

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def __enter__(self) -> None:
        try:
            import readline
        except ImportError:
            self.readline = None
            return
        self.readline = readline
        readline.set_startup_hook(lambda: readline.insert_text(self.answer))

    def __exit__(self, *exception) -> None:
        if self.readline is not None:
            self.readline.set_startup_hook(None)


def is_ours(env) -> bool:
    """Whether `env` renders this template: by the name of its extension, as
    `cruft update` may have imported the extension twice (see fresh_import)."""
    return any(
        type(e).__module__ == "flask_db_template.jinja_extension"
        and type(e).__name__ == "TemplateExtension"
        for e in env.extensions.values()
    )


PROMPTS = Prompts()
WRAPPED = {
    "cookiecutter.prompt": (
        "render_variable",
        "read_user_variable",
        "read_user_yes_no",
    ),
    "cookiecutter.generate": ("run_hook_from_repo_dir", "render_and_create_dir"),
    "cookiecutter.main": ("dump",),
}


def install() -> None:
    """Wrap cookiecutter's functions, once per process; idempotent."""
    import importlib

    try:
        modules = {name: importlib.import_module(name) for name in WRAPPED}
    except ImportError:
        return
    targets = [
        (module, name) for key, module in modules.items() for name in WRAPPED[key]
    ]
    if not all(hasattr(module, name) for module, name in targets):
        return
    for module, name in targets:
        current = getattr(module, name)
        if getattr(current, "__wrapped_by_flask_db_template__", False):
            continue
        wrapper = functools.partial(getattr(PROMPTS, name), current)
        wrapper.__wrapped_by_flask_db_template__ = True
        setattr(module, name, wrapper)
