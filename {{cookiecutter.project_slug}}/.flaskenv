# Read by the `flask` command (python-dotenv); committed, so no secrets here.
FLASK_APP={{ cookiecutter.package_name }}
FLASK_DEBUG=1
# The `flask` command is for development; a server is production by default.
APP_ENV=development
