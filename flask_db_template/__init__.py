"""The template's own logic: answer validation, the models language, code decisions.

Imported by the hooks (under cookiecutter's interpreter, stdlib only) and by
the Jinja extension that the templates use, so the templates only lay out what
was decided here.
"""

import sys

# cookiecutter imports this package with its own interpreter, before any
# prompt: an older one would otherwise fail with a traceback on new syntax.
if sys.version_info < (3, 10):  # noqa: UP036 - cookiecutter's Python, not ours
    sys.exit(
        "error: this template needs cookiecutter to run on Python 3.10 or newer "
        f"(it runs on {sys.version.split()[0]}); reinstall it with a newer "
        "Python, e.g. `pipx reinstall --python python3.12 cookiecutter`"
    )
