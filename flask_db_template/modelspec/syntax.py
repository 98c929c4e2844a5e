"""The line syntax: models, tokens and fields, quoted text and brackets."""

from __future__ import annotations

import re

from .composites import _COMPOSITE, _join_composites, _parse_composite
from .declarations import _FieldDeclaration, _ModelDeclaration
from .errors import SpecError, _show
from .field_types import TYPE_ALIASES, TYPES, _parse_type
from .modifiers import MODIFIERS, _apply_modifier, _check_field
from .names import _MODEL_NAME, _NAME, _check_model_name, _check_name


def _declarations_from_text(text: str) -> list[_ModelDeclaration]:
    declarations = []
    for tokens in _split_models(text):
        header, rest = tokens[0], tokens[1:]
        if "(" not in header and rest and rest[0].startswith("("):
            header, rest = header + rest[0], rest[1:]  # "Post (articles)"
        name, table = _parse_model_header(header, first=not declarations)
        if not rest:
            raise SpecError(
                f"model {name!r} has no fields: give it at least one, "
                f"e.g. '{name} name:string!'",
                token=header,
            )
        fields, composites = [], []
        for token in _join_composites(rest):
            if _COMPOSITE.match(token):
                composites.append(_parse_composite(token, name))
            else:
                fields.append(_parse_field(token, name))
        if not fields:
            raise SpecError(
                f"model {name!r} has no fields: give it at least one, "
                f"e.g. '{name} name:string!'",
                token=header,
            )
        declarations.append(_ModelDeclaration(header, name, table, fields, composites))
    return declarations


class _QuotedText:
    """Where a left-to-right scan stands in quoted text ("..." or '...', with
    backslash escapes): both splitters keep a quoted default whole."""

    def __init__(self) -> None:
        self.quote = ""
        # The previous character was a backslash inside the quotes.
        self.escaped = False

    def step(self, char: str) -> None:
        """Take one character found inside the quotes."""
        if self.escaped:
            self.escaped = False
        elif char == "\\":
            self.escaped = True
        elif char == self.quote:
            self.quote = ""


def _split_models(text: str) -> list[list[str]]:
    """Split the answer into models, each a list of whitespace-separated tokens.

    Models end at ";" or at a newline, unless the next line is indented: then it
    continues the model, as in the spec's example. Whitespace inside braces is
    dropped ("enum{draft, live}") and quoted text is kept whole.
    """
    models: list[list[str]] = []
    tokens: list[str] = []
    token: list[str] = []
    open_brackets: list[str] = []
    quoted = _QuotedText()
    # A ";" right after a model that a newline already ended is that model's
    # separator, not an empty model.
    newline_ended_model = False

    def end_token() -> None:
        if token:
            tokens.append("".join(token))
            token.clear()

    def end_model() -> bool:
        end_token()
        if tokens:
            models.append(list(tokens))
            tokens.clear()
            return True
        return False

    for position, char in enumerate(text):
        if quoted.quote:
            token.append(char)
            if char == "\n" and not quoted.escaped:
                written = "".join(token).rstrip()
                raise SpecError(
                    f"unterminated quote in {_show(written)}", token=written
                )
            quoted.step(char)
            continue
        if char in "\"'" and not open_brackets:
            quoted.quote = char
            token.append(char)
        elif char in "{(":
            open_brackets.append(char)
            token.append(char)
        elif char in "})":
            opener = "{" if char == "}" else "("
            if not open_brackets or open_brackets[-1] != opener:
                token.append(char)
                raise SpecError(
                    f"unmatched {char!r} in {_show(''.join(token))}",
                    token="".join(token),
                )
            open_brackets.pop()
            token.append(char)
        elif open_brackets:
            if not char.isspace():
                token.append(char)
        elif char == ";":
            had_tokens = end_model()
            if not had_tokens and not newline_ended_model:
                raise SpecError(
                    "empty model before ';': separate models with a single ';'",
                    token=";",
                )
            newline_ended_model = False
        elif char == "\n":
            next_line = text[position + 1 :].split("\n", 1)[0]
            continues = next_line[:1] in (" ", "\t") and next_line.strip()
            if continues and (tokens or token):
                end_token()
            elif end_model():
                newline_ended_model = True
        elif char.isspace():
            end_token()
        else:
            newline_ended_model = False
            token.append(char)
    if quoted.quote:
        raise SpecError(
            f"unterminated quote in {_show(''.join(token))}", token="".join(token)
        )
    if open_brackets:
        raise SpecError(
            f"unclosed {open_brackets[-1]!r} in {_show(''.join(token))}",
            token="".join(token),
        )
    end_model()
    if not models:
        raise SpecError("the models answer holds no model", token=text.strip())
    return models


def _parse_model_header(header: str, *, first: bool) -> tuple[str, str | None]:
    match = re.fullmatch(r"([^()]*)(?:\(([^()]*)\))?", header, re.DOTALL)
    if match is None:
        raise SpecError(
            f"cannot read the model {_show(header)}: write Name or Name(table)",
            token=header,
        )
    name, table = match.group(1), match.group(2)
    if not _MODEL_NAME.match(name) and not first and _NAME.match(name.split(":")[0]):
        # A field on an unindented line reads as a new model.
        raise SpecError(
            f"{_show(header)} is not a model name: model names start with a capital "
            "letter; indent the line to continue the model above",
            token=header,
        )
    _check_model_name(name)
    if table is not None:
        table = table.strip()
        _check_name(table, "table name", where=name)
    return name, table


def _split_segments(token: str) -> list[str]:
    """Split a field token at the ':' outside braces and quotes."""
    segments: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = _QuotedText()
    for char in token:
        if quoted.quote:
            current.append(char)
            quoted.step(char)
        elif char in "\"'" and depth == 0:
            quoted.quote = char
            current.append(char)
        elif char == "{":
            depth += 1
            current.append(char)
        elif char == "}":
            if depth == 0:
                raise SpecError(f"unmatched '}}' in {_show(token)}", token=token)
            depth -= 1
            current.append(char)
        elif char.isspace():
            if depth == 0:
                raise SpecError(
                    f"unexpected space in {_show(token)}: a field is written without "
                    "spaces, e.g. 'title:string{200}!:unique'",
                    token=token,
                )
        elif char == ":" and depth == 0:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted.quote:
        raise SpecError(f"unterminated quote in {_show(token)}", token=token)
    if depth:
        raise SpecError(f"unclosed '{{' in {_show(token)}", token=token)
    segments.append("".join(current))
    return segments


def _is_modifier(segment: str) -> bool:
    return segment.partition("=")[0] in MODIFIERS


def _parse_field(token: str, model: str) -> _FieldDeclaration:
    if token.endswith(",") and len(token) > 1:
        raise SpecError(
            f"{model}: {_show(token)} ends with ','; fields are separated by spaces",
            token=token,
        )
    segments = _split_segments(token)
    head = segments[0]
    name = head.rstrip("!?")
    head_mark = head[len(name) :]
    _check_name(name, "field name", where=model)
    where = f"{model}.{name}"
    rest = segments[1:]
    if rest and rest[0] == "":
        raise SpecError(f"{where}: empty type in {_show(token)}", token=token)
    if rest and not head_mark and not _is_modifier(rest[0]):
        type_segment, modifiers = rest[0], rest[1:]
    else:
        type_segment, modifiers = "", rest
        if head_mark and rest and rest[0] and not _is_modifier(rest[0]):
            type_word = re.split(r"[{!?]", rest[0], maxsplit=1)[0]
            if type_word in TYPES or type_word in TYPE_ALIASES:
                raise SpecError(
                    f"{where}: in {_show(token)} the {head_mark!r} goes after the "
                    f"type: '{name}:{rest[0]}{head_mark}'",
                    token=token,
                )
    field = _parse_type(type_segment, name=name, where=where, token=token)
    field.mark = _combine_marks(head_mark, field.mark, where=where, token=token)
    seen_modifiers: set[str] = set()
    for segment in modifiers:
        _apply_modifier(field, segment, where=where, token=token, seen=seen_modifiers)
    _check_field(field, where=where)
    return field


def _combine_marks(first: str, second: str, *, where: str, token: str) -> str:
    marks = first + second
    if len(marks) > 1:
        if set(marks) == {"!", "?"}:
            raise SpecError(
                f"{where}: both '!' and '?' in {_show(token)}: a field is either "
                "required (!) or optional (?)",
                token=token,
            )
        raise SpecError(
            f"{where}: {marks!r} repeats the mark in {_show(token)}", token=token
        )
    return marks
