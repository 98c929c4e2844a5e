"""Filters that put a free-text answer safely into each kind of file.

Every answer is one line (the pre-generation hook refuses control
characters), so these only deal with quotes, backslashes and markup.
"""

from __future__ import annotations

import json
import re


def python_string(text: str) -> str:
    """A Python string literal, quoted the way `ruff format` would quote it."""
    # ruff prefers double quotes, unless single quotes need fewer escapes.
    quote = "'" if '"' in text and "'" not in text else '"'
    escaped = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


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
