"""The Jinja extension named in cookiecutter.json's `_extensions`.

cookiecutter puts the template's checkout on sys.path while it prompts and
renders, which is how this module (and the package around it) is found.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jinja2.ext import Extension

from flask_db_template import answers as answers_module
from flask_db_template import escaping, fresh_import, models_code, prompting, updates
from flask_db_template.prompting import resolve_models_answer

# The template's checkout, absolute: cookiecutter's own `_repo_dir` is the
# path as the user typed it (`cookiecutter .`), which means nothing to a hook
# running in the baked project's folder.
TEMPLATE_DIRECTORY = prompting.TEMPLATE_DIRECTORY


def check_answers_or_exit(answers: dict) -> str:
    """Refuse bad answers right after the prompts, before anything is written.

    Rendered as the last private variable of cookiecutter.json: with
    `--no-input` (or where cookiecutter's prompts could not be wrapped, see
    prompting.py) this is where a bad answer is refused, with one line and
    exit status 1, before anything is written.

    The yes/no answers, text when they come from the command line or a config
    file, become booleans here, in the dict cookiecutter returns (and cruft
    records), so that the templates read `{% if cookiecutter.api %}`.
    """
    problem = answers_module.find_problem(dict(answers))
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(1)
    prompting.warn_after_the_prompts(answers)
    answers_module.make_flags_booleans(answers)
    return ""


def api_title_statement(project_name: str) -> str:
    """The `API_TITLE` line of config.py's Config class, as ruff writes it."""
    return escaping.python_assignment(project_name, "API_TITLE: ClassVar[str]", "    ")


def refuse_to_bake_over_a_project(answers: dict) -> str:
    """Exit with one line when `cookiecutter -f` would overwrite a set-up
    project, or `cruft update` would update a project baked before the kit.

    Rendered in the pre-generation hook, which cookiecutter (and `cruft
    create`, which calls it) renders in its own process before it writes any
    file. The hook checks again when it runs, in the project's folder.
    """
    project = updates.project_being_generated()
    if project is None and "_output_dir" in answers:
        project = Path(answers["_output_dir"]) / answers["project_slug"]
    refusal = updates.overwrite_refusal(project) if project else None
    updated = updates.cruft_update_project()
    if updated is not None:
        refusal = updates.kit_move_refusal(updated.absolute())
    if refusal:
        print(f"error: {refusal}", file=sys.stderr)
        raise SystemExit(1)
    return ""


def kit_extras(answers: dict) -> str:
    """The extras of flask-db-kit the project depends on: `[api,tokens]`,
    `[api]` or none, as the answers turn the API and its tokens on."""
    extras = []
    if answers["api"]:
        extras.append("api")
        if answers["api_auth"]:
            extras.append("tokens")
    return f"[{','.join(extras)}]" if extras else ""


def driver_requirements(database_url: str) -> tuple[str, ...]:
    return answers_module.parse_database_url(database_url).driver_requirements


def database_server(database_url: str) -> str:
    return answers_module.parse_database_url(database_url).server


def database_url_example(database_url: str) -> str:
    url = answers_module.parse_database_url(database_url).url
    return answers_module.example_database_url(url)


def configure(environment) -> None:
    """The template's globals and filters, on cookiecutter's Jinja environment."""
    environment.globals["template_directory"] = str(TEMPLATE_DIRECTORY)
    environment.filters.update(
        resolve_models_answer=resolve_models_answer,
        check_answers_or_exit=check_answers_or_exit,
        refuse_to_bake_over_a_project=refuse_to_bake_over_a_project,
        bake_kind=updates.bake_kind,
        models_plan=models_code.plan_models,
        api_title_statement=api_title_statement,
        driver_requirements=driver_requirements,
        kit_extras=kit_extras,
        database_url_example=database_url_example,
        database_server=database_server,
        python_string=escaping.python_string,
        slug_starting_with_a_letter=answers_module.slug_starting_with_a_letter,
        python_assignment=escaping.python_assignment,
        python_from_import=escaping.python_from_import,
        python_call=escaping.python_call,
        toml_string=escaping.toml_string,
        yaml_string=escaping.yaml_string,
        markdown_text=escaping.markdown_text,
    )


class TemplateExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        # cookiecutter makes this environment before its first question.
        prompting.install()
        # `cruft update` renders a second template commit in this process,
        # with this module still imported from the first: that commit's own
        # module must configure the environment.
        if fresh_import.is_stale():
            fresh_import.reimport(__name__).configure(environment)
        else:
            configure(environment)
