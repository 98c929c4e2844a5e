"""gunicorn's settings: it reads this file from the directory it starts in
(bin/entrypoint names it).
{%- if cookiecutter.api %} Each worker makes the app's REST API once it has
loaded the app, before it takes a request; a mistake in the API (in api.py,
say) stops the worker, and gunicorn with it ("Worker failed to boot").
{%- endif %}"""
{%- if cookiecutter.api %}

from flask_db_kit.server_errors import json_server_errors

# What gunicorn refuses itself is answered in JSON too, like the app's own
# errors: a request line over limit_request_line bytes (414), more header
# fields than limit_request_fields or one over limit_request_field_size
# bytes (431), a malformed one (a NUL in it: 400). Its defaults, as the README says.
json_server_errors()
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
{%- endif %}

# X-Forwarded-* are the app's to believe, from as many proxies as
# TRUSTED_PROXIES says (flask_db_kit.production); gunicorn believes none.
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""


def on_starting(server) -> None:
    # A setting the app refuses (SECRET_KEY, FLASK_DEBUG, DATABASE_URL, ...)
    # stops gunicorn with one line before it starts a worker.
    from flask_db_kit.production import refuse_bad_configuration

    refuse_bad_configuration(server)
{%- if cookiecutter.api %}


def post_worker_init(worker) -> None:
    # Imported here: the app is the worker's to load, not gunicorn's master
    # process's, so that a reload (HUP) loads the code anew.
    from flask_db_kit.api import build_api

    build_api(worker.wsgi)
    worker.log.info("API ready")
{%- endif %}
