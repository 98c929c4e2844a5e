"""What the app reads from its models' mapping when it runs: the API, the
tests and `flask seed` follow the models through these, rather than through
a copy of them made when the project was baked."""

import sqlalchemy as sa
from sqlalchemy.sql.functions import FunctionElement

from .extensions import db


def mapped_models() -> list[type]:
    """Every model class, in the order their tables are created: a table
    before those that refer to it."""
    from . import models  # noqa: F401 - they are mapped when it is imported
{%- if cookiecutter.api and cookiecutter.api_auth %}
    from .auth import ApiToken  # noqa: F401 - the API's tokens are a table too
{%- endif %}

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
