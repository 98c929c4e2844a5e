"""What the chosen database can create: columns per table and bytes per row.

The models language keeps every schema within what all three databases
store value by value (the modelspec package); a table's size limits differ from
one database to the other, so they are checked here, once the database URL says
which one the project starts on. Stdlib only, like answers.py.

Identifier lengths (63, PostgreSQL's) are checked for every database by the
parser. Parameters per statement follow from the columns: a row is written
with one parameter a column, far under every driver's limit (SQLite 32,766,
PostgreSQL and MariaDB 65,535), and the REST API caps its lists of ids.
"""

from __future__ import annotations

import math

from flask_db_template.modelspec import (
    PASSWORD_HASH_LENGTH,
    Field,
    Model,
    Reference,
    Schema,
    SpecError,
)

# Columns a table may have: SQLite's SQLITE_MAX_COLUMN (the default build),
# PostgreSQL's MaxHeapAttributeNumber, InnoDB's 1,017 (MariaDB and MySQL).
MAX_COLUMNS = {"sqlite": 2000, "postgresql": 1600, "mysql": 1017}
DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}

# A row must fit half an InnoDB page (16 KiB): 8,126 bytes. Long values
# (TEXT, BLOB, a VARCHAR over 255 bytes) go to pages of their own and leave
# a 20-byte pointer. Measured on MariaDB 10.11: tests/test_faults.py.
INNODB_MAX_ROW_BYTES = 8126
# The record header, transaction id and roll pointer, and a margin for what
# else InnoDB counts (measured: without it, a few tables at the edge fail).
INNODB_ROW_OVERHEAD = 5 + 6 + 7 + 10
INNODB_EXTERNAL = 22  # the pointer and the length bytes
INNODB_WIDTHS = {
    "integer": 4,
    "bigint": 8,
    "float": 8,
    "boolean": 1,
    "date": 3,
    "datetime": 8,
    "time": 6,
    "uuid": 131,  # CHAR(32) in utf8mb4, with its length bytes
    "enum": 2,
    "text": INNODB_EXTERNAL,
    "json": INNODB_EXTERNAL,
    "binary": INNODB_EXTERNAL,
}
# A PostgreSQL row must fit one 8 KiB page: 8,160 bytes after the page header.
# Values of variable length can move out of the row (TOAST) and leave an
# 18-byte pointer; fixed-width ones cannot, and are aligned.
POSTGRESQL_MAX_ROW_BYTES = 8160
POSTGRESQL_ROW_OVERHEAD = 24  # the tuple header
POSTGRESQL_TOAST_POINTER = 18
# kind: (bytes, alignment)
POSTGRESQL_WIDTHS = {
    "integer": (4, 4),
    "bigint": (8, 8),
    "float": (8, 8),
    "boolean": (1, 1),
    "date": (4, 4),
    "datetime": (8, 8),
    "time": (8, 8),
    "uuid": (16, 1),
    "enum": (4, 4),
}
INTEGER_WIDTH = 4  # the id and every foreign key
TIMESTAMP_WIDTH = 8


def check_database_limits(schema: Schema, dialect: str) -> None:
    """Refuse, in one line, a table the database of `dialect` cannot create or fill."""
    for model in schema.models:
        columns = column_count(model, schema.timestamps)
        limit = MAX_COLUMNS[dialect]
        if columns > limit:
            raise SpecError(
                f"model {model.name!r} has {columns} columns, over the "
                f"{limit} a {DATABASE_NAMES[dialect]} table may have; split it "
                "into models that reference each other",
                token=model.name,
            )
        width = row_width(model, schema.timestamps, dialect)
        if width is not None and width[0] > width[1]:
            raise SpecError(
                f"model {model.name!r}: a row takes up to {width[0]} bytes in "
                f"{DATABASE_NAMES[dialect]}, over its limit of {width[1]}; "
                "use fewer or smaller columns (text instead of long strings), "
                "or split the model",
                token=model.name,
            )


def check_server_features(schema: Schema, server: str) -> None:
    """Refuse what the server of the URL cannot enforce: MySQL indexes no TEXT
    whole, so a `text` field cannot be `:unique` there (MariaDB 10.4 and later
    enforce it with a hidden hash, as PostgreSQL and SQLite do natively)."""
    if server != "mysql":
        return
    for model in schema.models:
        for field in model.fields:
            if field.kind == "text" and field.unique:
                raise SpecError(
                    f"{model.name}.{field.name}: ':unique' on a text field, which "
                    "MySQL cannot enforce (MariaDB, PostgreSQL and SQLite can); "
                    f"use string{{n}}: '{field.name}:string{{255}}:unique'",
                    token=field.name,
                )


def column_count(model: Model, timestamps: bool) -> int:
    return 1 + len(model.fields) + len(model.references) + 2 * timestamps


def row_width(model: Model, timestamps: bool, dialect: str) -> tuple[int, int] | None:
    """(bytes a row may take, the limit), or None where rows have no such limit."""
    columns = column_count(model, timestamps)
    null_bitmap = math.ceil(columns / 8)
    if dialect == "mysql":
        width = INNODB_ROW_OVERHEAD + null_bitmap
        width += INTEGER_WIDTH * (1 + len(model.references))
        width += TIMESTAMP_WIDTH * 2 * timestamps
        width += sum(innodb_width(field) for field in model.fields)
        return width, INNODB_MAX_ROW_BYTES
    if dialect == "postgresql":
        # In the order of the table's columns: the id, the members, the timestamps.
        layout = [POSTGRESQL_WIDTHS["integer"]]
        for member in model.members:
            if isinstance(member, Field):
                layout.append(postgresql_width(member))
            elif isinstance(member, Reference):  # its foreign key column
                layout.append(POSTGRESQL_WIDTHS["integer"])
        layout += [POSTGRESQL_WIDTHS["datetime"]] * (2 * timestamps)
        offset = POSTGRESQL_ROW_OVERHEAD + null_bitmap
        for size, alignment in layout:
            offset = -(-offset // alignment) * alignment + size
        return offset, POSTGRESQL_MAX_ROW_BYTES
    return None


def innodb_width(field: Field) -> int:
    if field.kind in ("string", "password"):
        # A password is kept as its hash, a VARCHAR of PASSWORD_HASH_LENGTH.
        length = PASSWORD_HASH_LENGTH if field.kind == "password" else field.length
        most = 4 * (length or 0)  # utf8mb4
        return most + 2 if most <= 255 else INNODB_EXTERNAL
    if field.kind == "binary" and field.length:  # binary{n}: a VARBINARY(n)
        return field.length + 2 if field.length <= 255 else INNODB_EXTERNAL
    if field.kind == "decimal":
        return decimal_bytes(field.precision or 0, field.scale or 0)
    return INNODB_WIDTHS[field.kind]


def decimal_bytes(precision: int, scale: int) -> int:
    """MariaDB's DECIMAL(p, s) storage: 4 bytes for each 9 digits, and the rest."""
    leftover = (0, 1, 1, 2, 2, 3, 3, 4, 4, 4)

    def digits(count: int) -> int:
        return 4 * (count // 9) + leftover[count % 9]

    return digits(precision - scale) + digits(scale)


def postgresql_width(field: Field) -> tuple[int, int]:
    if field.kind in POSTGRESQL_WIDTHS:
        return POSTGRESQL_WIDTHS[field.kind]
    if field.kind == "decimal":
        # numeric stays in the row: a header and 2 bytes for 4 digits.
        return 8 + 2 * math.ceil((field.precision or 0) / 4) + 2, 4
    # string, text, json, binary: variable length, moved out when long.
    return POSTGRESQL_TOAST_POINTER, 1
