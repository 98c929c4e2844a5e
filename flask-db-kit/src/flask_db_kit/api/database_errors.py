"""A write the database refused, explained in words a client can act on.

The database enforces the unique, NOT NULL and foreign key constraints of the
models. When it refuses a write, PostgreSQL and MariaDB name the constraint,
which the naming convention (flask_db_kit.database) leads back to its table and
columns; SQLite names the columns themselves.
"""

import re

from flask import current_app, has_app_context
from sqlalchemy import Column, ForeignKeyConstraint, MetaData, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError

# How each database says which column may not be NULL.
NOT_NULL_COLUMN = (
    re.compile(r"NOT NULL constraint failed: (?P<table>\w+)\.(?P<column>\w+)"),
    re.compile(r'null value in column "(?P<column>\w+)" of relation "(?P<table>\w+)"'),
    re.compile(r"Column '(?P<column>\w+)' cannot be null"),
)
SQLITE_UNIQUE_COLUMNS = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)")


def explain_integrity_error(
    error: IntegrityError, metadata: MetaData, dialect: Dialect
) -> str:
    """One sentence on the constraint that `error` reports, or a general one."""
    reported = str(error.orig)
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | ForeignKeyConstraint):
                if names(reported, constraint_name(constraint, dialect)):
                    return describe(constraint)
    sqlite_unique = SQLITE_UNIQUE_COLUMNS.search(reported)
    if sqlite_unique:
        qualified = [name.strip() for name in sqlite_unique["columns"].split(",")]
        table = qualified[0].split(".")[0]
        columns = [name.split(".")[-1] for name in qualified]
        if table in metadata.tables:
            model_table = metadata.tables[table]
            columns = [
                attribute_name(model_table.c[name]) if name in model_table.c else name
                for name in columns
            ]
        return unique_message(table, columns)
    for pattern in NOT_NULL_COLUMN:
        not_null = pattern.search(reported)
        if not_null:
            where = f" of {not_null['table']}" if "table" in pattern.groupindex else ""
            return f"{not_null['column']}{where} must not be null"
    return "the change breaks a constraint of the database"


def constraint_name(constraint, dialect: Dialect) -> str | None:
    """The name the database knows the constraint by: SQLAlchemy shortens names
    longer than the database allows, the same way every time."""
    if not constraint.name:
        return None
    return dialect.identifier_preparer.format_constraint(constraint).strip('"`')


def names(reported: str, name: str | None) -> bool:
    return bool(name) and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", reported)


def attribute_name(column: Column) -> str:
    """The model's attribute for a column: the name a client writes, which a
    column of a name of its own (`mapped_column("createdAt")`) does not share."""
    if has_app_context() and "sqlalchemy" in current_app.extensions:
        registry = current_app.extensions["sqlalchemy"].Model.registry
        for mapper in registry.mappers:
            if mapper.local_table is column.table:
                return mapper.get_property_by_column(column).key
    return column.name


def describe(constraint: UniqueConstraint | ForeignKeyConstraint) -> str:
    table = constraint.table.name
    columns = [attribute_name(column) for column in constraint.columns]
    if isinstance(constraint, UniqueConstraint):
        return unique_message(table, columns)
    referred = constraint.referred_table.name
    return f"{' and '.join(columns)} of {table} must be the id of a row of {referred}"


def unique_message(table: str, columns: list[str]) -> str:
    value = "value" if len(columns) == 1 else "values"
    return (
        f"{' and '.join(columns)} must be unique: another row of {table} has the "
        f"same {value}"
    )
