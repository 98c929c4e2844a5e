"""The models answer: the one-line schema language of model-spec.md.

`parse` reads an answer (the line syntax or a JSON object) into a `Schema` of
frozen dataclasses, and refuses with a `SpecError` anything the generated code
could not honour on SQLite, PostgreSQL and MariaDB alike.

Standard library only: the cookiecutter hooks import this package under an
interpreter that holds nothing but cookiecutter and jinja2.

Its modules, in the order an answer meets them:

- `syntax`: the line syntax (models, tokens, fields); `json_answer`: the JSON form;
- `field_types`: type names, aliases and arguments; `modifiers`: what follows the
  type, and the checks of a whole field; `defaults`: `:default=` literals and `now`;
- `composites`: `unique(a,b)` and `index(a,b)`; `links`: references and many links,
  their targets, keys and loops;
- `names`: the forms of names and the words reserved by Python, SQL and the
  generated code; `words`: snake_case, plurals, spelling suggestions;
- `limits`: the databases' limits; `resolve`: the checks that need the whole answer;
- `secret_fields`: fields named like a secret but declared as plain text,
  which a bake warns of;
- `declarations` (the answer as read) and `schema` (what it becomes);
  `errors`: SpecError; `source`: values written as Python source.
"""

from __future__ import annotations

import functools

from .errors import SpecError
from .field_types import SCALAR_TYPES
from .json_answer import _declarations_from_json, _looks_like_json
from .limits import PASSWORD_HASH_LENGTH
from .names import MODULE_ALIASES, modules_to_alias
from .resolve import _Resolver
from .schema import (
    Composite,
    Default,
    Field,
    ManyToMany,
    Model,
    Reference,
    Schema,
    key_column,
    referred_attribute,
    referred_column,
)
from .secret_fields import plaintext_secrets, plaintext_secrets_warning
from .source import display_width, python_string_literal
from .syntax import _declarations_from_text

__all__ = [
    "MODULE_ALIASES",
    "PASSWORD_HASH_LENGTH",
    "SCALAR_TYPES",
    "Composite",
    "Default",
    "Field",
    "ManyToMany",
    "Model",
    "Reference",
    "Schema",
    "SpecError",
    "display_width",
    "key_column",
    "modules_to_alias",
    "parse",
    "plaintext_secrets",
    "plaintext_secrets_warning",
    "python_string_literal",
    "referred_attribute",
    "referred_column",
]


def parse(text: str, *, timestamps: bool | str) -> Schema:
    """Read a models answer; raise SpecError naming the token of the first problem.

    With `timestamps` every model gets `created_at` and `updated_at`, so fields of
    those names are refused. It may also be the text of a --no-input answer
    ("yes", "false").
    """
    timestamps = _as_bool(timestamps)
    if not isinstance(text, str):
        raise SpecError(f"the models answer must be text, not {type(text).__name__}")
    return _parse(text, timestamps)


# A bake reads one answer in several templates, and the parse of a schema of a
# hundred models takes a twentieth of a second: each answer is read once. The
# Schema is frozen, so one may be shared.
@functools.lru_cache(maxsize=16)
def _parse(text: str, timestamps: bool) -> Schema:
    stripped = text.strip()
    if not stripped:
        raise SpecError(
            "the models answer is empty: describe at least one model, "
            "e.g. 'User email:string{120}!:unique'"
        )
    if _looks_like_json(stripped):
        declarations = _declarations_from_json(stripped)
    else:
        declarations = _declarations_from_text(text)
    return _Resolver(declarations, timestamps).schema()


def _as_bool(value: bool | str) -> bool:
    if not isinstance(value, str):
        return bool(value)
    words = {"true": True, "yes": True, "y": True, "1": True, "on": True}
    words |= {"false": False, "no": False, "n": False, "0": False, "off": False}
    answer = value.strip().lower()
    if answer not in words:
        raise SpecError(f"timestamps must be yes or no, not {value!r}", token=value)
    return words[answer]
