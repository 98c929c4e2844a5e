"""The project the checks follow, found by convention from its package name
(the `flask_db_kit_app` setting): `<package>.models` (imported, so that the
models are mapped), the db at `<package>.extensions.db`, the API's overrides
at `<package>.api` (the API is checked only when that module exists), and the
API tokens: the `ApiTokens` made on that db, if any, in `<package>.extensions`.

The plugin names the project when pytest starts; the check modules read it
when they are collected, to make one case per model and field.
"""

import importlib
import importlib.util
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import Any

from flask_db_kit.mapping import mapped_models

_current: "Project | None" = None


def current() -> "Project":
    """The project named in the pytest settings."""
    if _current is None:
        raise RuntimeError("flask_db_kit_app is not set in the pytest settings")
    return _current


def name_project(package: str, *, unchecked: tuple[str, ...] = ()) -> "Project":
    global _current
    _current = Project(package, frozenset(unchecked))
    return _current


def optional_module(name: str) -> ModuleType | None:
    """Module `name`, or None when it does not exist (an import error inside
    it still shows)."""
    try:
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    return importlib.import_module(name) if found else None


@dataclass(frozen=True)
class Project:
    package: str
    # Models (class names) no check is made for: `flask_db_kit_unchecked`.
    unchecked: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def models(self) -> ModuleType:
        models = importlib.import_module(f"{self.package}.models")
        # The app's own factories (see flask_db_kit.factories), as `flask seed`.
        optional_module(f"{self.package}.factories")
        return models

    @cached_property
    def extensions(self) -> ModuleType:
        return importlib.import_module(f"{self.package}.extensions")

    @cached_property
    def db(self) -> Any:
        self.models  # noqa: B018 - imported, so that every model is mapped
        return self.extensions.db

    @cached_property
    def overrides(self) -> ModuleType | None:
        """The API's per-model overrides; None: the app has no API."""
        return optional_module(f"{self.package}.api")

    @property
    def has_api(self) -> bool:
        return self.overrides is not None

    @cached_property
    def tokens(self) -> Any:
        """The app's ApiTokens (flask_db_kit.tokens) on its db, or None."""
        try:
            from flask_db_kit.tokens import ApiTokens
        except ImportError:  # the `tokens` extra is not installed: no tokens
            return None
        tables = set(self.db.metadata.tables.values())
        for value in vars(self.extensions).values():
            if isinstance(value, ApiTokens) and value.model.__table__ in tables:
                return value
        return None

    def checked(self, models: list[type]) -> list[type]:
        return [model for model in models if model.__name__ not in self.unchecked]

    def mapped_models(self) -> list[type]:
        """Every model of the app but those not served by design (the API's
        tokens: `info={"served": False}`) and those left unchecked."""
        return self.checked(
            [
                model
                for model in mapped_models(self.db)
                if model.__table__.info.get("served", True) is not False
            ]
        )

    def served_models(self) -> list[type]:
        from flask_db_kit.api import served_models

        return self.checked(list(served_models(self.db, self.overrides)))

    def schema_of(self, model: type) -> type:
        from flask_db_kit.api import schema_of

        return schema_of(model, self.overrides)
