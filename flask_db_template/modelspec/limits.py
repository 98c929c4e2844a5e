"""The databases' limits that bound an answer: lengths, precisions, ranges, sizes."""

from __future__ import annotations

from .errors import SpecError, _show
from .schema import Schema

# binary{n}: a VARBINARY(n) on MariaDB, whose rows hold 65,535 bytes.
MAX_BINARY_LENGTH = 65532
# A password is kept as Werkzeug's hash (scrypt: about 160 characters).
PASSWORD_HASH_LENGTH = 255

DEFAULT_STRING_LENGTH = 255  # MySQL and MariaDB need a length on every VARCHAR
# A VARCHAR of MariaDB in utf8mb4 holds at most 65,535 bytes, 4 bytes a character.
MAX_STRING_LENGTH = 16383
# An InnoDB index key holds at most 3,072 bytes: 768 utf8mb4 characters.
MAX_INDEXED_STRING_LENGTH = 768
# The sum of the VARCHAR widths of one MariaDB table must stay under this.
MAX_ROW_BYTES = 65535
# Without a precision MariaDB makes DECIMAL(10, 0) and drops every fraction, so
# a bare `decimal` gets the common money-like precision instead.
DEFAULT_DECIMAL_PRECISION = (10, 2)
MAX_DECIMAL_PRECISION = 65  # MariaDB's limit; PostgreSQL allows more
MAX_DECIMAL_SCALE = 30  # MariaDB's limit
# SQLite stores a decimal as a double, exact to 15 significant digits.
MAX_EXACT_DECIMAL_DIGITS = 15
INTEGER_RANGE = (-(2**31), 2**31 - 1)
BIGINT_RANGE = (-(2**63), 2**63 - 1)
# A string default appears in the generated code as one Python literal on a line
# indented by up to 12 spaces after `server_default=`; this keeps it within 88.
MAX_DEFAULT_LITERAL_WIDTH = 60
# Digits in one whole number of the answer (a length, a default): every limit
# above has at most 19, and Python refuses to read more than 4,300 as an int.
MAX_NUMBER_DIGITS = 30
# Containers inside containers in a JSON answer: it needs 2 (models, fields);
# Python's JSON reader would overflow its stack at about a thousand.
MAX_JSON_NESTING = 8


def _bounded_int(text: str, *, where: str, token: str) -> int:
    """int(text), for a number of at most MAX_NUMBER_DIGITS digits."""
    digits = len(text.lstrip("+-"))
    if digits > MAX_NUMBER_DIGITS:
        raise SpecError(
            f"{where}: {_show(text)} has {digits} digits; a number here has at "
            f"most {MAX_NUMBER_DIGITS}",
            token=token,
        )
    return int(text)


def _check_row_sizes(schema: Schema) -> None:
    for model in schema.models:
        width = (
            sum(4 * (f.length or 0) + 2 for f in model.fields if f.kind == "string")
            + sum(
                4 * PASSWORD_HASH_LENGTH + 2
                for f in model.fields
                if f.kind == "password"
            )
            + sum(
                (f.length or 0) + 2
                for f in model.fields
                if f.kind == "binary" and f.length
            )
        )
        if width > MAX_ROW_BYTES:
            raise SpecError(
                f"model {model.name!r}: its string columns need {width} bytes a "
                f"row in MariaDB, over its limit of {MAX_ROW_BYTES}; make some "
                "shorter or use text",
                token=model.name,
            )
