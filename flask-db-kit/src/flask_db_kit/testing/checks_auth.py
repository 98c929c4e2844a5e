"""The REST API's bearer tokens: nothing under /api/ but its docs answers a
request without a valid token, and no such request writes.

The operations come from the app's routes, so every model's are checked,
whatever the models are.
"""

import datetime
import hashlib
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import scoped_session

from flask_db_kit.testing.project import current
from flask_db_kit.tokens import OPEN_BLUEPRINTS

PROJECT = current()
db = PROJECT.db
ApiToken = PROJECT.tokens.model
SERVED = PROJECT.served_models()

BAD_AUTHORIZATIONS = {
    "no header": None,
    "unknown token": "Bearer not-a-token",
    "empty token": "Bearer ",
    "other scheme": "Basic dXNlcjpwYXNzd29yZA==",
}


def api_operations(app: Flask) -> list[tuple[str, str]]:
    """(method, URL) of every operation under /api/ but the open ones, each
    path argument given as 1."""
    operations = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if not rule.rule.startswith("/api/") or blueprint in OPEN_BLUEPRINTS:
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        operations += [(method, url) for method in sorted(rule.methods - {"OPTIONS"})]
    return operations


# The URL of a list of rows the API serves. A model with a key of its own
# (`:primary`) has none: with only such models, the API serves no rows, and
# the tests that need one are left out (see plugin.py).
a_collection = pytest.mark.parametrize(
    "url", [f"/api/{model.__tablename__}" for model in SERVED][:1]
)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()


# The savepoints each test's transaction is made of (see fixtures.py): no writes.
NOT_WRITES = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture
def writes(db_session: scoped_session) -> Iterator[list[str]]:
    """Every statement other than a SELECT that reaches the database."""
    statements: list[str] = []

    def note(connection, cursor, statement, *args) -> None:
        if not statement.lstrip().upper().startswith(NOT_WRITES):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    yield statements
    event.remove(db.engine, "before_cursor_execute", note)


def make_token(app: Flask, *arguments: str) -> str:
    result = app.test_cli_runner().invoke(args=["tokens", "create", *arguments])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@a_collection
def test_the_app_has_api_operations(app: Flask, url: str) -> None:
    # The checks below loop over these: they must not pass for want of any.
    operations = api_operations(app)
    assert ("POST", url) in operations
    assert {"GET", "POST", "PATCH", "DELETE"} <= {method for method, _ in operations}


# With no operation to check (the API serves no model, and the overrides add
# no blueprint), the test below is left out rather than passing on none.
OWN_BLUEPRINTS = getattr(PROJECT.overrides, "BLUEPRINTS", None)
CHECKED = BAD_AUTHORIZATIONS if SERVED or OWN_BLUEPRINTS else {}


@pytest.mark.parametrize("authorization", CHECKED.values(), ids=list(CHECKED))
def test_every_operation_refuses_a_request_without_a_valid_token(
    app: Flask, anonymous: FlaskClient, writes: list[str], authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method, url in api_operations(app):
        response = anonymous.open(url, method=method, headers=headers, json={"id": 1})
        assert response.status_code == 401, (method, url)
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), (method, url)
        if method != "HEAD":
            assert response.json["code"] == 401
            assert response.json["status"] == "Unauthorized"
    assert writes == []


def test_an_unknown_api_url_needs_a_token_too(anonymous: FlaskClient) -> None:
    # The same answer whether the URL exists or not.
    assert anonymous.get("/api/no-such-table").status_code == 401


def test_the_docs_page_and_the_document_are_open(anonymous: FlaskClient) -> None:
    assert anonymous.get("/api/").status_code == 200
    assert anonymous.get("/api/openapi.json").status_code == 200
    assert anonymous.get("/api").status_code == 308
    with anonymous.get("/swagger-ui/swagger-ui-bundle.js") as script:
        assert script.status_code == 200
    assert anonymous.get("/swagger-ui/start.js").status_code == 200


def test_the_document_declares_the_scheme_on_every_operation(
    anonymous: FlaskClient,
) -> None:
    document = anonymous.get("/api/openapi.json").json
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearerAuth": []}]
    if document["paths"]:  # the component the operations refer to
        assert "UNAUTHORIZED" in document["components"]["responses"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "401" in operation["responses"], (method, path)
            if method != "get":
                assert "403" in operation["responses"], (method, path)


@a_collection
def test_a_token_from_the_command_works_until_revoked(
    app: Flask, anonymous: FlaskClient, db_session: scoped_session, url: str
) -> None:
    token = make_token(app, "ci-deploy")
    assert anonymous.get(url, headers=bearer(token)).status_code == 200
    # The scheme's name is case-insensitive (RFC 9110).
    lower_case = {"Authorization": f"bearer {token}"}
    assert anonymous.get(url, headers=lower_case).status_code == 200

    listed = app.test_cli_runner().invoke(args=["tokens", "list"])
    assert "ci-deploy" in listed.output and token not in listed.output
    # Made at the database's "now" in UTC (the transaction's start on PostgreSQL).
    [line] = [line for line in listed.output.splitlines() if "ci-deploy" in line]
    stamp = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", line)
    assert stamp, line
    created = datetime.datetime.strptime(stamp.group(), "%Y-%m-%d %H:%M UTC")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert abs(now - created) < datetime.timedelta(hours=1), line

    revoked = app.test_cli_runner().invoke(args=["tokens", "revoke", "ci-deploy"])
    assert revoked.exit_code == 0, revoked.output
    assert anonymous.get(url, headers=bearer(token)).status_code == 401


@a_collection
def test_a_token_is_revoked_by_its_id(
    app: Flask, anonymous: FlaskClient, db_session: scoped_session, url: str
) -> None:
    token = make_token(app, "by-id")
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "by-id"))
    revoked = app.test_cli_runner().invoke(args=["tokens", "revoke", str(row.id)])
    assert revoked.exit_code == 0, revoked.output
    assert anonymous.get(url, headers=bearer(token)).status_code == 401


def test_only_the_hash_of_a_token_is_stored(
    app: Flask, db_session: scoped_session
) -> None:
    token = make_token(app, "stored")
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "stored"))
    values = [getattr(row, c.key) for c in ApiToken.__table__.columns]
    assert hashlib.sha256(token.encode()).hexdigest() in values
    assert token not in repr(values)


@a_collection
def test_a_read_only_token_reads_and_may_not_write(
    app: Flask, anonymous: FlaskClient, writes: list[str], url: str
) -> None:
    token = make_token(app, "reader", "--read-only")
    writes.clear()
    assert anonymous.get(url, headers=bearer(token)).status_code == 200
    refused = anonymous.post(url, headers=bearer(token), json={})
    assert refused.status_code == 403
    assert refused.json["code"] == 403 and "read-only" in refused.json["message"]
    assert writes == []


@a_collection
def test_an_expired_token_is_refused_and_says_so(
    app: Flask, anonymous: FlaskClient, db_session: scoped_session, url: str
) -> None:
    token = make_token(app, "brief", "--expires", "1h")
    assert anonymous.get(url, headers=bearer(token)).status_code == 200
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "brief"))
    row.expires_at -= datetime.timedelta(hours=2)
    db_session.commit()
    refused = anonymous.get(url, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json["message"].startswith("This API token expired on")


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["create", "twice"], "a token named 'twice' exists already"),
        (["create", "42"], "a name needs a letter"),
        (["create", " "], "give a name of 1 to 100"),
        (["revoke", "nobody"], "no token is named or numbered 'nobody'"),
        (["revoke", "9" * 30], "no token is named or numbered"),
    ],
)
def test_the_commands_refuse_in_one_line(
    app: Flask, db_session: scoped_session, arguments: list[str], error: str
) -> None:
    make_token(app, "twice")
    result = app.test_cli_runner().invoke(args=["tokens", *arguments])
    assert result.exit_code != 0
    assert error in result.output
    assert "Traceback" not in result.output
