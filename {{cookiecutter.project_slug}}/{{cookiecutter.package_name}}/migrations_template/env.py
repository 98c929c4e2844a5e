"""Alembic's environment for `flask db ...`: the app's database and models."""

import importlib.util
import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from alembic.script import write_hooks
from flask import current_app
from sqlalchemy import Connection, text

config = context.config
migrate_config = current_app.extensions["migrate"]
db = migrate_config.db

# `flask setup-db` asks for quiet and reports its own progress.
if config.config_file_name and not getattr(config.cmd_opts, "quiet", False):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

# Any number fits the PostgreSQL lock, any string the MySQL one: these say whose.
POSTGRESQL_LOCK_KEY = 7_405_912_631
MYSQL_LOCK_NAME = "alembic_migrations"
MYSQL_LOCK_TIMEOUT_SECONDS = 600


@write_hooks.register("ruff_if_installed")
def format_with_ruff(path: str, options: dict) -> None:
    """Make a new revision ruff-clean; ruff is a dev dependency, so it may be absent."""
    if importlib.util.find_spec("ruff") is None:
        return
    for arguments in (["check", "--fix", "--quiet"], ["format", "--quiet"]):
        subprocess.run([sys.executable, "-m", "ruff", *arguments, path], check=False)


def skip_empty_autogenerate(migration_context, revision, directives) -> None:
    """No revision file when `flask db migrate` finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False):
        if directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """One migrating process at a time.

    App replicas often run `flask db upgrade` together at start-up; without
    the lock they would all apply the same revisions. The lock is taken
    before Alembic reads the current revision, so a waiting process then
    finds the work done.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_lock(:key)"), {"key": POSTGRESQL_LOCK_KEY}
        )
        connection.commit()
        try:
            yield
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": POSTGRESQL_LOCK_KEY}
            )
            connection.commit()
    elif dialect in ("mysql", "mariadb"):
        acquired = connection.execute(
            text("SELECT GET_LOCK(:name, :timeout)"),
            {"name": MYSQL_LOCK_NAME, "timeout": MYSQL_LOCK_TIMEOUT_SECONDS},
        ).scalar()
        connection.commit()
        if acquired != 1:
            raise RuntimeError(
                f"another process held the migration lock for "
                f"{MYSQL_LOCK_TIMEOUT_SECONDS} s"
            )
        try:
            yield
        finally:
            connection.execute(
                text("SELECT RELEASE_LOCK(:name)"), {"name": MYSQL_LOCK_NAME}
            )
            connection.commit()
    else:
        yield


def configure(connection: Connection) -> None:
    configure_args = dict(migrate_config.configure_args)
    if configure_args.get("process_revision_directives") is None:
        configure_args["process_revision_directives"] = skip_empty_autogenerate
    context.configure(
        connection=connection, target_metadata=db.metadata, **configure_args
    )


def run_migrations_offline() -> None:
    """`flask db upgrade --sql`: print the SQL instead of running it."""
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # pytest-alembic hands over its own engine or connection here.
    connectable = config.attributes.get("connection") or db.engine
    if isinstance(connectable, Connection):
        configure(connectable)
        with context.begin_transaction():
            context.run_migrations()
        return
    with connectable.connect() as connection, migration_lock(connection):
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
