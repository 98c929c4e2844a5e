# Alembic's settings for `flask db ...`; the database URL comes from the app.

[alembic]
file_template = %%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s
# Run env.py for every revision command, so its post-write hook is registered.
revision_environment = true

[post_write_hooks]
hooks = ruff
ruff.type = ruff_if_installed

# Logging configuration
[loggers]
keys = root,sqlalchemy,alembic,alembic_plugins,flask_migrate

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

# Alembic names each of its own autogenerate plugins at INFO whenever it
# compares: six lines on every `flask db migrate` and `flask db check`.
[logger_alembic_plugins]
level = WARN
handlers =
qualname = alembic.runtime.plugins

[logger_flask_migrate]
level = INFO
handlers =
qualname = flask_migrate

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
