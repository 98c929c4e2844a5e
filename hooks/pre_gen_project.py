"""Refuse a bad answer before any file is written.

Valid Python before rendering: the only Jinja is inside the string literal in
`main`, so the tests import this file and call `validate` directly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def validate(answers: dict) -> str | None:
    """The one-line problem with the answers, or None when they make a project."""
    sys.path.insert(0, answers["_repo_dir"])
    from flask_db_template.modelspec import SpecError, parse

    from flask_db_template.answers import AnswerError, check_answers

    try:
        check_answers(answers)
        models = answers["__models"]
        if models.startswith("@"):
            try:
                Path(models[1:]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                reason = getattr(error, "strerror", None) or error
                return f"models: cannot read {models[1:]}: {reason}"
        parse(models, timestamps=answers["timestamps"])
    except AnswerError as error:
        return str(error)
    except SpecError as error:
        return f"models: {error}"
    return None


def main() -> int:
    answers = json.loads(r"""{{ cookiecutter | tojson }}""")
    problem = validate(answers)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
