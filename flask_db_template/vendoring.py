"""flask-db-kit in the baked project: what the post-generation hook copies
from the template's checkout into the project's vendor/flask-db-kit/.

Every render of the template carries the library, cruft's too, so that a
template update (cruft's diff of two renders) carries its changes. The
project's path check (answers.baked_paths) counts the same files.

Standard library only: the hooks run under cookiecutter's own interpreter.
"""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

LIBRARY = "flask-db-kit"
# What a distribution needs to be installed; its tests stay in the template.
LIBRARY_FILES = ("pyproject.toml", "README.md", "src")
NOT_VENDORED = ("__pycache__", "*.py[cod]", "*.egg-info", ".*_cache")


def vendored_paths(template_directory: Path) -> list[str]:
    """The library's files as the project gets them: vendor/flask-db-kit/..."""
    library = template_directory / LIBRARY
    found = []
    for name in LIBRARY_FILES:
        top = library / name
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            relative = path.relative_to(library)
            if path.is_file() and not any(
                fnmatch.fnmatch(part, pattern)
                for part in relative.parts
                for pattern in NOT_VENDORED
            ):
                found.append(f"vendor/{LIBRARY}/{relative.as_posix()}")
    return found


def vendor_library(template_directory: Path, project: Path) -> None:
    """A fresh copy of the library in the project's vendor/, replacing any."""
    shutil.rmtree(project / "vendor" / LIBRARY, ignore_errors=True)
    for name in vendored_paths(template_directory):
        source = (
            template_directory
            / LIBRARY
            / Path(name).relative_to(Path("vendor", LIBRARY))
        )
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
