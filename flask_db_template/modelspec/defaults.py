"""`:default=`: literals of every type, and `default=now`."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Context, Decimal

from .declarations import _FieldDeclaration
from .errors import SpecError, _show
from .limits import (
    BIGINT_RANGE,
    INTEGER_RANGE,
    MAX_DECIMAL_PRECISION,
    MAX_DEFAULT_LITERAL_WIDTH,
    MAX_EXACT_DECIMAL_DIGITS,
    _bounded_int,
)
from .schema import Default
from .source import display_width, python_string_literal
from .words import _closest

_INTEGER_LITERAL = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_LITERAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_DECIMAL_LITERAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?\Z")
_DATE_LITERAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_TIME_LITERAL = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?\Z")
_DATETIME_LITERAL = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?\Z"
)


# `:default=now` on a date or datetime: the current date or time, in UTC.
NOW = "now"
TYPES_WITH_NOW = ("date", "datetime")


def _parse_default(field: _FieldDeclaration, written: str, *, where: str) -> Default:
    kind = field.kind
    if written == "":
        hint = (
            ' (write default="" for an empty string)'
            if kind in ("string", "text")
            else ""
        )
        raise SpecError(f"{where}: 'default=' needs a value{hint}", token="default=")
    quoted = written[0] in "\"'"
    text = _unquote(written, where=where) if quoted else written
    shown = _show(written)
    if kind == "references":
        raise SpecError(
            f"{where}: a reference takes no default ({shown}); "
            "make it optional with '?'",
            token=written,
        )
    if kind in ("uuid", "json", "binary", "password"):
        raise SpecError(
            f"{where}: a {kind} field takes no default ({shown}); set it in the "
            "application",
            token=written,
        )
    if written == NOW and kind not in ("string", "text", "enum"):
        return _now_default(field, where=where)
    if kind in ("string", "text"):
        return Default(
            _string_default(text, field, where=where, written=written), written
        )
    if kind == "enum":
        if text not in field.enum_values:
            raise SpecError(
                f"{where}: default {shown} is not one of "
                f"{', '.join(field.enum_values)}",
                token=written,
                suggestion=_closest(text, field.enum_values),
            )
        return Default(text, written)
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise SpecError(
                f"{where}: a boolean default is true or false, not {shown}",
                token=written,
            )
        return Default(text.lower() == "true", written)
    if kind in ("integer", "bigint"):
        if not _INTEGER_LITERAL.match(text):
            raise SpecError(
                f"{where}: default {shown} is not a whole number", token=written
            )
        value = _bounded_int(text, where=where, token=written)
        low, high = INTEGER_RANGE if kind == "integer" else BIGINT_RANGE
        if not low <= value <= high:
            raise SpecError(
                f"{where}: default {shown} is outside the range of {kind} "
                f"({low} to {high})",
                token=written,
            )
        return Default(value, written)
    if kind == "float":
        if not _FLOAT_LITERAL.match(text) or float(text) in (
            float("inf"),
            float("-inf"),
        ):
            raise SpecError(f"{where}: default {shown} is not a number", token=written)
        return Default(float(text), written)
    if kind == "decimal":
        return Default(
            _decimal_default(text, field, where=where, written=written), written
        )
    if kind == "datetime" and field.timezone:
        raise SpecError(
            f"{where}: a default on datetime{{tz}} is 'now' only ({shown}): a "
            "moment written without its offset is no moment",
            token=written,
        )
    if kind in ("date", "datetime", "time"):
        return Default(
            _temporal_default(text, kind, where=where, written=written, quoted=quoted),
            written,
        )
    raise AssertionError(f"no default rule for {kind}")


def _now_default(field: _FieldDeclaration, *, where: str) -> Default:
    """`default=now`: on a date or datetime only (a string or an enum keeps
    "now" as its literal value, as before version 2)."""
    if field.kind == "time":
        raise SpecError(
            f"{where}: 'default=now' on a time: a time of day alone has no 'now' "
            "that holds in every time zone; use a datetime",
            token="default=now",
        )
    if field.kind not in TYPES_WITH_NOW:
        raise SpecError(
            f"{where}: 'default=now' on a {field.kind}: only a date or a datetime "
            "has a 'now'",
            token="default=now",
        )
    return Default(NOW, NOW, is_now=True)


def _unquote(written: str, *, where: str) -> str:
    quote = written[0]
    if len(written) < 2 or written[-1] != quote:
        raise SpecError(
            f"{where}: the quoted default {_show(written)} must end with {quote}",
            token=written,
        )
    body = written[1:-1]
    result = []
    index = 0
    escapes = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}
    while index < len(body):
        char = body[index]
        if char == quote:
            raise SpecError(
                f"{where}: escape the {quote} inside the default {_show(written)} as "
                f"\\{quote}",
                token=written,
            )
        if char != "\\":
            result.append(char)
            index += 1
            continue
        code = body[index + 1 : index + 2]
        if code in escapes:
            result.append(escapes[code])
            index += 2
        elif code == "u" and re.fullmatch(
            r"[0-9a-fA-F]{4}", body[index + 2 : index + 6]
        ):
            result.append(chr(int(body[index + 2 : index + 6], 16)))
            index += 6
        else:
            raise SpecError(
                f"{where}: unknown escape '\\{code}' in the default {_show(written)}",
                token=written,
            )
    return "".join(result)


def _string_default(
    text: str, field: _FieldDeclaration, *, where: str, written: str
) -> str:
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise SpecError(
            f"{where}: the default {_show(written)} holds control characters",
            token=written,
        )
    if field.kind == "string" and len(text) > (field.length or 0):
        raise SpecError(
            f"{where}: the default {_show(written)} is {len(text)} characters, longer "
            f"than string{{{field.length}}}",
            token=written,
        )
    literal = python_string_literal(text)
    if display_width(literal) > MAX_DEFAULT_LITERAL_WIDTH:
        raise SpecError(
            f"{where}: the default {_show(written)} is too long for the generated "
            f"code (at most {MAX_DEFAULT_LITERAL_WIDTH - 2} characters, quotes and "
            "backslashes counting twice); set longer values in the application",
            token=written,
        )
    return text


def _decimal_default(
    text: str, field: _FieldDeclaration, *, where: str, written: str
) -> Decimal:
    precision, scale = field.precision or 0, field.scale or 0
    if not _DECIMAL_LITERAL.match(text):
        raise SpecError(
            f"{where}: default {_show(written)} is not a decimal number like 12.50",
            token=written,
        )
    digits = text.lstrip("+-")
    whole, _, fraction = digits.partition(".")
    whole = whole.lstrip("0")
    if len(fraction.rstrip("0")) > scale or len(whole) > precision - scale:
        raise SpecError(
            f"{where}: default {_show(written)} does not fit "
            f"decimal{{{precision},{scale}}}",
            token=written,
        )
    significant = (whole + fraction).strip("0")
    if len(significant) > MAX_EXACT_DECIMAL_DIGITS:
        raise SpecError(
            f"{where}: default {_show(written)} has {len(significant)} significant "
            f"digits; SQLite keeps {MAX_EXACT_DECIMAL_DIGITS} of a decimal",
            token=written,
        )
    value = Decimal(text).quantize(
        Decimal(1).scaleb(-scale), context=Context(prec=MAX_DECIMAL_PRECISION)
    )
    # SQLite keeps a decimal as a double, which SQLAlchemy reads back to the
    # declared scale. A double holds 15 digits, so the value comes back unchanged
    # if it has no more down to the scale's last place, or if the double holds
    # it exactly (1.25 or 3 in decimal{30,20}); else the last places are noise.
    shown_digits = value.adjusted() + scale + 1 if value else 0
    if shown_digits > MAX_EXACT_DECIMAL_DIGITS and Decimal(float(value)) != value:
        raise SpecError(
            f"{where}: default {_show(written)} would not read back from SQLite, "
            f"which keeps a decimal as a double: it has {shown_digits} digits to "
            f"the last place of decimal{{{precision},{scale}}}, and a double holds "
            f"{MAX_EXACT_DECIMAL_DIGITS}; use a smaller scale",
            token=written,
        )
    return value


def _temporal_default(
    text: str, kind: str, *, where: str, written: str, quoted: bool
) -> datetime.date | datetime.datetime | datetime.time:
    """A date, datetime or time default; fractions of a second are kept, down to
    the microsecond, as the generated columns keep them on every database."""
    examples = {
        "date": "2024-01-31",
        "datetime": "2024-01-31 09:30:00",
        "time": "09:30:00",
    }
    patterns = {
        "date": _DATE_LITERAL,
        "datetime": _DATETIME_LITERAL,
        "time": _TIME_LITERAL,
    }
    parsers = {
        "date": datetime.date.fromisoformat,
        "datetime": datetime.datetime.fromisoformat,
        "time": datetime.time.fromisoformat,
    }
    if kind != "date" and not quoted:
        hint = f"; a {kind} holds ':', so quote it: default=\"{examples[kind]}\""
    else:
        hint = f', e.g. default="{examples[kind]}"'
    if not patterns[kind].match(text):
        raise SpecError(
            f"{where}: default {_show(written)} is not a {kind}{hint}",
            token=written,
            # `default=nwo`: the current date or time, misspelt.
            suggestion=(
                f"default={NOW}"
                if kind in TYPES_WITH_NOW and _closest(text, [NOW]) == NOW
                else ""
            ),
        )
    try:
        value = parsers[kind](text)
    except ValueError:
        raise SpecError(
            f"{where}: default {_show(written)} is not a valid {kind}", token=written
        ) from None
    if getattr(value, "year", 1000) < 1000:
        raise SpecError(
            f"{where}: default {_show(written)} is before the year 1000, where "
            "MariaDB's dates begin",
            token=written,
        )
    return value
