"""The Flask extensions: created here unbound, bound to the app in create_app."""

from flask_db_kit.database import NAMING_CONVENTION, enforce_sqlite_rules
from flask_db_kit.migrations import alembic_options
{%- if cookiecutter.api and cookiecutter.api_auth %}
from flask_db_kit.tokens import ApiTokens
{%- endif %}
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Every constraint gets a predictable name from the first migration on:
    # Alembic cannot drop or alter an unnamed one later.
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# SQLite checks foreign keys on every connection, and never reuses the id of
# a deleted row (AUTOINCREMENT), as the other databases do.
enforce_sqlite_rules(Base.metadata)

db = SQLAlchemy(model_class=Base)
# What autogenerate needs beyond Alembic's defaults (PostgreSQL enum types,
# SQLite's batch mode, server defaults written as they are, tables listed in
# migrations/unmanaged_tables.txt left alone).
migrate = Migrate(**alembic_options())
{%- if cookiecutter.api and cookiecutter.api_auth %}
# The API's bearer tokens: the api_tokens table and `flask tokens`.
tokens = ApiTokens(db)
{%- endif %}
