"""The Jinja extension named in cookiecutter.json's `_extensions`.

cookiecutter puts the template's checkout on sys.path while it prompts and
renders, which is how this module (and the package around it) is found.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jinja2.ext import Extension

from flask_db_template import answers as answers_module
from flask_db_template import api_code, escaping, models_code

MODELS_FILE_PREFIX = "@"
# The template's checkout, absolute: cookiecutter's own `_repo_dir` is the
# path as the user typed it (`cookiecutter .`), which means nothing to a hook
# running in the baked project's folder.
TEMPLATE_DIRECTORY = Path(__file__).resolve().parent.parent


def resolve_models_answer(answer: str) -> str:
    """The models answer as text: the content of the file when it is `@path`.

    Runs at prompt time, in the user's working directory, so a relative path
    means what the user meant. It never raises (cookiecutter would show a
    traceback): an unreadable file comes back as `@/absolute/path` and the
    pre-generation hook reports it.
    """
    answer = answer.strip()
    if not answer.startswith(MODELS_FILE_PREFIX):
        return answer
    path = Path(answer[len(MODELS_FILE_PREFIX) :].strip()).expanduser().absolute()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return f"{MODELS_FILE_PREFIX}{path}"


def check_answers_or_exit(answers: dict) -> str:
    """Refuse bad answers right after the prompts, before anything is written.

    Rendered as the last private variable of cookiecutter.json. Exiting here
    gives the user one clean line; a failing pre-generation hook would also
    stop the bake, but cookiecutter then logs a traceback of its own.
    """
    problem = answers_module.find_problem(dict(answers))
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(1)
    return ""


def driver_requirements(database_url: str) -> tuple[str, ...]:
    return answers_module.parse_database_url(database_url).driver_requirements


def database_server(database_url: str) -> str:
    return answers_module.parse_database_url(database_url).server


def database_url_example(database_url: str) -> str:
    url = answers_module.parse_database_url(database_url).url
    return answers_module.example_database_url(url)


class TemplateExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["template_directory"] = str(TEMPLATE_DIRECTORY)
        environment.filters.update(
            resolve_models_answer=resolve_models_answer,
            check_answers_or_exit=check_answers_or_exit,
            models_plan=models_code.plan_models,
            api_plan=api_code.plan_api,
            api_title_statement=api_code.api_title_statement,
            driver_requirements=driver_requirements,
            database_url_example=database_url_example,
            database_server=database_server,
            python_string=escaping.python_string,
            python_assignment=escaping.python_assignment,
            toml_string=escaping.toml_string,
            yaml_string=escaping.yaml_string,
            markdown_text=escaping.markdown_text,
        )
