"""flask-db-kit: the machinery of a Flask app with a database, kept out of
the app's own code.

The app uses it through the public names of its modules (see README.md):
`flask_db_kit.api` (a REST API derived from the models), `flask_db_kit.tokens`
(bearer tokens), `flask_db_kit.migrations` (Alembic's autogenerate, fixed for
every database), `flask_db_kit.setup_db` (`flask setup-db`),
`flask_db_kit.seed` (`flask seed`) and the pytest plugin in
`flask_db_kit.testing`.
"""

__version__ = "0.1.0"
