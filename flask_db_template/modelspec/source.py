"""Writing values as Python source, as `ruff format` writes them."""

from __future__ import annotations

import unicodedata


def python_string_literal(text: str) -> str:
    """`text` as a Python string literal, written the way `ruff format` writes it.

    Double quotes unless the text holds more double than single quotes. Characters
    whose width on screen is not one column, or that are invisible, are escaped,
    so the width of a line is the sum of `display_width` of its characters.
    """
    quote = "'" if text.count('"') > text.count("'") else '"'
    parts = []
    for char in text:
        if char == "\\":
            parts.append("\\\\")
        elif char == quote:
            parts.append("\\" + quote)
        elif _is_plain_character(char):
            parts.append(char)
        else:
            code = ord(char)
            if code <= 0xFF:
                parts.append(f"\\x{code:02x}")
            elif code <= 0xFFFF:
                parts.append(f"\\u{code:04x}")
            else:
                parts.append(f"\\U{code:08x}")
    return quote + "".join(parts) + quote


def _is_plain_character(char: str) -> bool:
    if char.isascii():
        return char.isprintable()
    if not char.isprintable():
        return False
    category = unicodedata.category(char)
    # Marks and Hangul vowel jamo combine with the character before them, so
    # their width on screen is not their count.
    if category[0] == "M" or "\u1160" <= char <= "\u11ff":
        return False
    return unicodedata.east_asian_width(char) in ("N", "Na", "H", "A", "W", "F")


def display_width(text: str) -> int:
    """Columns `text` takes on screen, counted the way ruff measures line length."""
    return sum(
        2
        if not char.isascii() and unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )
