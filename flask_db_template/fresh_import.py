"""This package as it is on disk now, even when an older copy is imported.

`cruft update` renders the project's old template commit, then checks out
the new commit in the same folder and renders it in the same process.
Python keeps the modules it imported for the first render, so without this
the new commit's files would be rendered by the old commit's filters (and a
filter the new commit added would not exist).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import sys
from pathlib import Path
from types import ModuleType

PACKAGE = __name__.rpartition(".")[0]


def fingerprint(directory: Path) -> str:
    """A hash of the package's source files (its subpackages' too): their paths
    and contents."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*.py")):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


PACKAGE_DIRECTORY = Path(__file__).resolve().parent
LOADED_FINGERPRINT = fingerprint(PACKAGE_DIRECTORY)


def package_on_path() -> Path | None:
    """Where an import of the package would find it now, cache aside."""
    spec = importlib.machinery.PathFinder.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def is_stale() -> bool:
    """True when the imported package is not the one on disk at its place on sys.path."""
    directory = package_on_path()
    if directory is None:
        return False
    if directory != PACKAGE_DIRECTORY:
        return True
    return fingerprint(directory) != LOADED_FINGERPRINT


def reimport(name: str) -> ModuleType:
    """Forget every module of the package, then import `name` afresh."""
    for loaded in [
        m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")
    ]:
        del sys.modules[loaded]
    importlib.invalidate_caches()
    return importlib.import_module(name)
