"""Refuse a bad answer before any file is written.

The answers were already checked at prompt time (see `check_answers_or_exit`
in flask_db_template/jinja_extension.py), where a refusal needs no hook and
prints no traceback; this hook is the guard for paths that skip the prompts,
such as `--replay`.

Valid Python before rendering: the only Jinja is inside the string literal in
`main`, so the tests import this file and call its functions.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main() -> int:
    # Rendering this refuses `cookiecutter -f` over a set-up project, with one
    # line, before cookiecutter writes a file (it renders hooks in-process).
    r"""{{ cookiecutter | refuse_to_bake_over_a_project }}"""
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    sys.path.insert(0, answers["__template_dir"])
    from flask_db_template.answers import find_problem, project_path_problem
    from flask_db_template.updates import overwrite_refusal

    # Again as the hook runs, in the project's folder: for a tool that calls
    # cookiecutter some other way.
    template = Path(answers["__template_dir"])
    # The path before the overwrite check: a folder too deep to look into is
    # refused, not looked into.
    problem = (
        find_problem(answers)
        or project_path_problem(Path.cwd(), template, answers)
        or overwrite_refusal(Path.cwd())
    )
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return 0


def forget_rendered_answers() -> None:
    """Delete this rendered copy of the hook, which holds every answer (the
    database password too): cookiecutter leaves it in the temporary folder."""
    this_file = Path(__file__).resolve()
    if this_file.parent == Path(tempfile.gettempdir()).resolve():
        this_file.unlink(missing_ok=True)


if __name__ == "__main__":
    forget_rendered_answers()
    sys.exit(main())
