"""Fields named like a secret but declared as plain text (Version 3 of model-spec.md).

Such a field is stored as typed and every API response carries it: the bake
goes on, with a one-line warning naming the `password` type and `:secret`.
"""

from __future__ import annotations

from .schema import Field, Schema

SECRET_NAMES = frozenset({"password", "passwd", "secret", "token", "api_key", "apikey"})
SECRET_SUFFIXES = ("_password", "_passwd", "_secret", "_token", "_api_key")
PLAIN_TEXT_KINDS = ("string", "text")


def looks_like_a_secret(name: str) -> bool:
    name = name.lower()
    return name in SECRET_NAMES or name.endswith(SECRET_SUFFIXES)


def plaintext_secrets(schema: Schema) -> list[Field]:
    """The `string` and `text` fields named like a secret and not `:secret`."""
    return [
        member
        for model in schema.models
        for member in model.members
        if isinstance(member, Field)
        and member.kind in PLAIN_TEXT_KINDS
        and not member.secret
        and looks_like_a_secret(member.name)
    ]


def plaintext_secrets_warning(schema: Schema) -> str | None:
    """One line about the fields `plaintext_secrets` finds, or None."""
    fields = plaintext_secrets(schema)
    if not fields:
        return None
    named = ", ".join(f"{field.model}.{field.name}" for field in fields)
    verb = "is" if len(fields) == 1 else "are"
    return (
        f"models: {named} {verb} plain text, stored as typed and returned by the "
        f"API; declare a password with the password type "
        f"('{fields[0].name}:password!', stored hashed) or add ':secret' to the "
        "field (taken, never returned)"
    )
