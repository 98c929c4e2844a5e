"""Filters that put a free-text answer safely into each kind of file.

Every answer is one line (the pre-generation hook refuses control
characters); in Python code, format characters such as the bidi overrides
are escaped too, so that code reads as it runs.
"""

from __future__ import annotations

import json
import re
import unicodedata

from flask_db_template.modelspec import display_width

LINE_LENGTH = 88  # ruff's default, which the baked projects keep


def python_string(text: str) -> str:
    """A Python string literal, quoted the way `ruff format` would quote it."""
    # ruff prefers double quotes, unless single quotes need fewer escapes.
    quote = "'" if text.count('"') > text.count("'") else '"'
    escaped = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    escaped = "".join(map(escape_invisible, escaped))
    return f"{quote}{escaped}{quote}"


# Characters that must not stand raw in code: control characters, and format
# characters such as the bidi overrides (U+202E), which make code read
# otherwise than it runs; line and paragraph separators; unassigned ones.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def escape_invisible(character: str) -> str:
    """An invisible character's escape sequence, as ruff writes it; any other
    character as it is."""
    if unicodedata.category(character) not in INVISIBLE_CATEGORIES:
        return character
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def python_assignment(text: str, target: str, indent: str = "") -> str:
    """`target = "text"` laid out as `ruff format` would: when the line is too
    long, the string goes in parentheses on a line of its own, if it fits
    there (always, after an annotated target such as `NAME: str`)."""
    literal = python_string(text)
    flat = f"{target} = {literal}"
    if display_width(indent + flat) <= LINE_LENGTH:
        return flat
    annotated = ":" in target
    if not annotated and display_width(f"{indent}    {literal}") > LINE_LENGTH:
        return flat
    return f"{target} = (\n{indent}    {literal}\n{indent})"


def toml_string(text: str) -> str:
    """A TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def markdown_text(text: str) -> str:
    """Text that Markdown shows as it is written, markup characters escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def dotenv_value(text: str) -> str:
    """A value for a .env file, read literally by python-dotenv and shells."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def python_from_import(module: str, name: str, indent: str = "") -> str:
    """`from module import name` laid out as ruff's isort would: in
    parentheses, one name a line, when the line is too long."""
    flat = f"from {module} import {name}"
    if len(indent + flat) <= LINE_LENGTH:
        return flat
    return f"from {module} import (\n{indent}    {name},\n{indent})"


def python_call(function: str, text: str, indent: str = "") -> str:
    """`function("text")` laid out as `ruff format` would: the string on a
    line of its own when the call is too long."""
    literal = python_string(text)
    flat = f"{function}({literal})"
    if display_width(indent + flat) <= LINE_LENGTH:
        return flat
    return f"{function}(\n{indent}    {literal}\n{indent})"
