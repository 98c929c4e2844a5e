"""gunicorn's settings: it reads this file from the directory it starts in
(bin/entrypoint names it).{% if cookiecutter.api %} Each worker makes the app's REST API once it has
loaded the app, before it takes a request; a mistake in the API (in api.py,
say) stops the worker, and gunicorn with it ("Worker failed to boot").{% endif %}"""


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
