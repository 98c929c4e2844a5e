# Read by the `flask` command (python-dotenv); committed, so no secrets here.
FLASK_APP={{ cookiecutter.package_name }}
FLASK_DEBUG=1
