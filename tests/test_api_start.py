"""The baked app makes its REST API's model blueprints when they are first
needed, or when a server calls build_api before it takes a request (as
gunicorn.conf.py does), in every environment: what a client or a user sees
is the same either way, and the first requests of a threaded server, coming
in together, are all answered."""

from __future__ import annotations

import json
import sys

import pytest

from tests.baking import EVERY_TYPE, flask, run

MODELS = (
    EVERY_TYPE + "; Account login:string{40}!:unique password:password!"
    " key:string{32}:secret"
)

# What an app shows: its routes, its OpenAPI document (as the view serves it
# and as `flask openapi print` prints it), and whether the models' routes
# were there when create_app returned, and after build_api when the server
# calls it (argv[1] == "build").
SHOWN = """
import json, sys
import dotenv
dotenv.load_dotenv()
from flask_db_kit.api import build_api
from my_flask_app import create_app

app = create_app()
made_by_create_app = "Post.Collection" in app.view_functions
if sys.argv[1] == "build":
    build_api(app)
made_before_reading = "Post.Collection" in app.view_functions
rules = sorted(
    [rule.rule, rule.endpoint, sorted(rule.methods)]
    for rule in app.url_map.iter_rules()
)
served = app.test_client().get("/api/openapi.json")
printed = app.test_cli_runner().invoke(args=["openapi", "print"])
print(json.dumps({
    "made_by_create_app": made_by_create_app,
    "made_before_reading": made_before_reading,
    "rules": rules,
    "status": served.status_code,
    "document": served.json,
    "printed": json.loads(printed.output),
}))
"""


def shown(project, app_env: str, when: str) -> dict:
    code = run([sys.executable, "-c", SHOWN, when], project, APP_ENV=app_env)
    return json.loads(code.stdout)


@pytest.mark.slow
def test_the_api_made_at_first_use_is_the_one_a_server_builds(bake):
    project = bake(models=MODELS)
    # As a production server runs it (.env's SECRET_KEY is long enough for
    # production), and as `flask run` and the tests do.
    built = shown(project, "production", "build")
    lazy = shown(project, "development", "lazy")
    assert built["made_by_create_app"] is lazy["made_by_create_app"] is False
    assert built["made_before_reading"] is True
    assert lazy["made_before_reading"] is False
    assert lazy["status"] == built["status"] == 200
    assert lazy["rules"] == built["rules"]
    assert lazy["document"] == built["document"]
    assert lazy["printed"] == lazy["document"] == built["printed"]
    document = lazy["document"]
    assert {"/api/posts", "/api/posts/{row_id}", "/api/accounts"} <= set(
        document["paths"]
    )
    assert document["security"] == [{"bearerAuth": []}]
    # Write-only in the schema of requests; responses have their own.
    account = document["components"]["schemas"]["AccountCreate"]["properties"]
    assert account["key"]["writeOnly"] is True
    assert account["password"]["writeOnly"] is True
    response = document["components"]["schemas"]["Account"]["properties"]
    assert {"key", "password"} & set(response) == set()
    # `flask routes` (the real CLI, in development) lists the API too.
    routes = flask(project, "routes").stdout
    assert "Post.Collection" in routes and "/api/posts/<int" in routes


# Two apps in one process (as the tests make them): the first one's API is
# made after the second was started, into its own document. Its routes are
# made by its first request; its document is written with them, into its own
# Api (one for each app), not the second's.
TWO_APPS = """
import json
import dotenv
dotenv.load_dotenv()
from flask_db_kit.api import api_of, build_api
from my_flask_app import create_app
from my_flask_app.config import Config
from my_flask_app.extensions import tokens

first = create_app()
first_api = api_of(first)
config = Config.from_environment()
second = create_app(Config(**{**vars(config), "PRODUCTION": True}))
build_api(second)
with first.app_context():
    token = tokens.create_token("two-apps")
headers = {"Authorization": f"Bearer {token}"}
client = first.test_client()
created = client.post("/api/tags", json={"name": "first"}, headers=headers)
listed = client.get("/api/tags", headers=headers)
build_api(first)
print(json.dumps({
    "created": created.status_code,
    "listed": [tag["name"] for tag in listed.json],
    "own_api": first_api is api_of(first) and first_api is not api_of(second),
    "first": first_api.spec.to_dict(),
    "first_served": first.test_client().get("/api/openapi.json").json,
    "second": second.test_client().get("/api/openapi.json").json,
}))
"""


@pytest.mark.slow
def test_an_app_made_before_another_makes_its_own_api(bake):
    project = bake(models=MODELS)
    code = run([sys.executable, "-c", TWO_APPS], project, APP_ENV="development")
    result = json.loads(code.stdout)
    assert result["created"] == 201
    assert result["listed"] == ["first"]
    assert result["own_api"] is True
    assert result["first"] == result["first_served"] == result["second"]
    assert "/api/tags" in result["first"]["paths"]


# A threaded server whose first requests, to every kind of route, arrive at
# once: one of them makes the API while the others wait.
CONCURRENT = """
import json, sys, threading, urllib.error, urllib.request
import dotenv
dotenv.load_dotenv()
from werkzeug.serving import make_server
from my_flask_app import create_app
from my_flask_app.extensions import tokens

app = create_app()
with app.app_context():
    token = tokens.create_token("concurrent")
assert "Post.Collection" not in app.view_functions
server = make_server("127.0.0.1", 0, app, threaded=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_port}"
auth = {"Authorization": f"Bearer {token}"}
json_body = {**auth, "Content-Type": "application/json"}
requests = [
    request
    for copy in range(2)
    for request in [
        ("GET", "/api/posts", auth, None, 200),
        ("GET", "/api/users?page=1&per_page=5", auth, None, 200),
        ("GET", "/api/tags/999", auth, None, 404),
        ("GET", "/api/posts", {}, None, 401),
        ("POST", "/api/tags", json_body, {"name": f"tag {copy}"}, 201),
        ("POST", "/api/users", json_body, {"username": "u"}, 422),
        ("DELETE", "/api/tags/999", auth, None, 404),
        ("PATCH", "/api/accounts/1", json_body, {"login": "x"}, 404),
        ("GET", "/api/openapi.json", {}, None, 200),
        ("GET", "/api/", {}, None, 200),
        ("GET", "/health", {}, None, 200),
        ("GET", "/api/no-such-table", auth, None, 404),
    ]
]
statuses = [None] * len(requests)
start = threading.Barrier(len(requests))

def send(index):
    method, path, headers, body, _ = requests[index]
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data, headers, method=method)
    start.wait()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            statuses[index] = response.status
    except urllib.error.HTTPError as error:
        statuses[index] = error.code

threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
server.shutdown()
print(json.dumps({
    "statuses": statuses,
    "expected": [request[-1] for request in requests],
    "tags": sorted(tag["name"] for tag in app.test_client().get("/api/tags", headers=auth).json),
}))
"""


@pytest.mark.slow
def test_first_requests_arriving_together_are_all_answered(bake):
    project = bake(models=MODELS)
    code = run([sys.executable, "-c", CONCURRENT], project, APP_ENV="development")
    result = json.loads(code.stdout)
    assert result["statuses"] == result["expected"]
    assert result["tags"] == ["tag 0", "tag 1"]
    assert "Traceback" not in code.stderr, code.stderr
