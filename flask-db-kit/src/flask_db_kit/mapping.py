"""What the kit reads from the app's models when it runs: the API, the
model-following tests and `flask seed` follow the models through these,
rather than through a copy of them made when the project was baked."""

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.sql.functions import FunctionElement


def mapped_models(db: SQLAlchemy) -> list[type]:
    """Every model class of `db`, in the order their tables are created: a
    table before those that refer to it. Only models already imported are
    mapped: import the app's models module first."""
    order = {table: index for index, table in enumerate(db.metadata.sorted_tables)}
    mappers = [
        mapper for mapper in db.Model.registry.mappers if mapper.local_table in order
    ]
    return [
        mapper.class_ for mapper in sorted(mappers, key=lambda m: order[m.local_table])
    ]


def filled_by_database(column: sa.Column) -> bool:
    """A key the database counts up, or a column it fills in with a SQL
    function (`created_at`) or changes on every update (`updated_at`): no
    request or factory writes these."""
    server_default = getattr(column.server_default, "arg", None)
    return (
        column is column.table.autoincrement_column
        or column.onupdate is not None
        or (column.default is None and isinstance(server_default, FunctionElement))
    )
