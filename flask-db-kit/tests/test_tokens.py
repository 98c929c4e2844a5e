"""flask_db_kit.tokens: nothing under /api/ but its docs answers a request
without a valid token, and the `flask tokens` commands."""

import datetime
import hashlib
import re

import pytest
from flask_db_kit.tokens import OPEN_BLUEPRINTS
from kit_app import db, tokens
from sqlalchemy import event, select, text

BAD_AUTHORIZATIONS = [None, "Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz"]


@pytest.fixture
def anonymous(app, client):
    """A client without a token (the tables emptied after the test)."""
    return app.test_client()


def make_token(app, *arguments):
    result = app.test_cli_runner().invoke(args=["tokens", "create", *arguments])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATIONS)
def test_every_operation_refuses_a_request_without_a_valid_token(
    app, anonymous, authorization
):
    headers = {"Authorization": authorization} if authorization else {}
    writes = []

    def note(connection, cursor, statement, *args):
        if not statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement)

    operations = [
        (method, re.sub(r"<[^>]+>", "1", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and rule.endpoint.rpartition(".")[0] not in OPEN_BLUEPRINTS
        for method in sorted(rule.methods - {"OPTIONS"})
    ]
    assert {"GET", "POST", "PATCH", "DELETE"} <= {method for method, _ in operations}
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for method, url in operations + [("GET", "/api/no-such-table")]:
            response = anonymous.open(
                url, method=method, headers=headers, json={"id": 1}
            )
            assert response.status_code == 401, (method, url)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            if method != "HEAD":
                assert response.json["code"] == 401
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert writes == []


def test_the_docs_page_and_the_document_are_open(anonymous):
    assert anonymous.get("/api/").status_code == 200
    assert anonymous.get("/api/openapi.json").status_code == 200
    assert anonymous.get("/api").status_code == 308
    assert anonymous.get("/swagger-ui/start.js").status_code == 200


def test_the_document_declares_the_scheme_on_every_operation(anonymous):
    document = anonymous.get("/api/openapi.json").json
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearerAuth": []}]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                assert "401" in operation["responses"], (method, path)
                assert ("403" in operation["responses"]) is (method != "get")


def test_a_token_from_the_command_works_until_revoked(app, anonymous):
    token = make_token(app, "ci-deploy")
    assert anonymous.get("/api/tags", headers=bearer(token)).status_code == 200
    lower_case = {"Authorization": f"bearer {token}"}
    assert anonymous.get("/api/tags", headers=lower_case).status_code == 200
    listed = app.test_cli_runner().invoke(args=["tokens", "list"]).output
    assert "ci-deploy" in listed and token not in listed
    [line] = [line for line in listed.splitlines() if "ci-deploy" in line]
    stamp = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", line)
    created = datetime.datetime.strptime(stamp.group(), "%Y-%m-%d %H:%M UTC")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert abs(now - created) < datetime.timedelta(hours=1), line
    revoked = app.test_cli_runner().invoke(args=["tokens", "revoke", "ci-deploy"])
    assert revoked.exit_code == 0, revoked.output
    assert anonymous.get("/api/tags", headers=bearer(token)).status_code == 401


def test_the_list_after_every_token_is_revoked_says_there_are_none(app, anonymous):
    make_token(app, "short-lived")
    runner = app.test_cli_runner()
    for token_id in db.session.scalars(select(tokens.model.id)).all():
        revoked = runner.invoke(args=["tokens", "revoke", str(token_id)])
        assert revoked.exit_code == 0, revoked.output
    listed = runner.invoke(args=["tokens", "list"])
    assert listed.exit_code == 0, listed.output
    # Not "No tokens yet": there were some.
    assert listed.output == (
        "No tokens (none made, or all revoked): "
        "make one with `flask tokens create NAME`.\n"
    )


def test_a_token_is_revoked_by_its_id_and_only_its_hash_is_stored(app, anonymous):
    token = make_token(app, "by-id")
    row = db.session.scalar(select(tokens.model).where(tokens.model.name == "by-id"))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    revoked = app.test_cli_runner().invoke(args=["tokens", "revoke", str(row.id)])
    assert revoked.exit_code == 0, revoked.output
    assert anonymous.get("/api/tags", headers=bearer(token)).status_code == 401


def test_a_read_only_token_reads_and_may_not_write(app, anonymous):
    token = make_token(app, "reader", "--read-only")
    assert anonymous.get("/api/tags", headers=bearer(token)).status_code == 200
    refused = anonymous.post("/api/tags", headers=bearer(token), json={"name": "x"})
    assert refused.status_code == 403
    assert refused.json["code"] == 403 and "read-only" in refused.json["message"]
    assert anonymous.get("/api/tags", headers=bearer(token)).json == []


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
def test_the_commands_refuse_in_one_line(app, anonymous, arguments, error):
    make_token(app, "twice")
    result = app.test_cli_runner().invoke(args=["tokens", *arguments])
    assert result.exit_code != 0
    assert error in result.output and "Traceback" not in result.output


def test_the_token_table_is_not_served(app):
    assert tokens.model.__tablename__ == "api_tokens"
    assert tokens.model.__table__.info == {"served": False}
    assert app.extensions["flask-db-kit"]["tokens"] is tokens


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("server", ["postgresql+psycopg", "mysql+pymysql", "sqlite"])
def test_an_unreachable_database_is_named_not_blamed_on_migrations(tmp_path, server):
    """The database down: the line says where it was looked for (host and
    port, or SQLite's file), not "is it migrated?", and never the password."""
    from kit_app import make_app

    port = closed_port()
    if server == "sqlite":
        url, where = f"sqlite:///{tmp_path}/no-folder/kit.db", "the SQLite file"
    else:
        url, where = f"{server}://kit:Zq9pw@127.0.0.1:{port}/kit", f"127.0.0.1:{port}"
    app = make_app(url)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["tokens", "list"])
        db.engine.dispose()
    assert result.exit_code == 1, result.output
    assert f"Error: cannot connect to the database at {where}" in result.output
    assert "migrated" not in result.output and "Zq9pw" not in result.output
    assert result.output.count("\n") == 1


def expiry_of(name):
    row = db.session.scalar(select(tokens.model).where(tokens.model.name == name))
    return row


@pytest.mark.parametrize(
    ("span", "length"),
    [
        ("90m", datetime.timedelta(minutes=90)),
        ("12h", datetime.timedelta(hours=12)),
        ("30d", datetime.timedelta(days=30)),
        ("8W", datetime.timedelta(weeks=8)),
        ("1y", datetime.timedelta(days=365)),
    ],
)
def test_a_token_made_to_expire_stops_working_then_and_says_why(
    app, anonymous, span, length
):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["tokens", "create", "temp", "--expires", span])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    row = expiry_of("temp")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert abs(row.expires_at - (now + length)) < datetime.timedelta(minutes=1)
    stamp = f"{row.expires_at:%Y-%m-%d %H:%M} UTC"
    assert f"(read and write, expires {stamp})" in made.stderr
    assert anonymous.get("/api/tags", headers=bearer(token)).status_code == 200
    [line] = [
        line
        for line in runner.invoke(args=["tokens", "list"]).output.splitlines()
        if "temp" in line
    ]
    assert f"expires {stamp}" in line

    # Once the time has come.
    row.expires_at = now - datetime.timedelta(minutes=1)
    db.session.commit()
    refused = anonymous.get("/api/tags", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.json["message"] == (
        f"This API token expired on {row.expires_at:%Y-%m-%d %H:%M} UTC: "
        "make a new one with `flask tokens create`."
    )
    write = anonymous.post("/api/tags", headers=bearer(token), json={"name": "x"})
    assert write.status_code == 401 and "expired" in write.json["message"]
    # The next request, with another token, is told what it is told.
    unknown = anonymous.get("/api/tags", headers=bearer("not-a-token"))
    assert unknown.json["message"].startswith("A valid API token is required")
    [line] = [
        line
        for line in runner.invoke(args=["tokens", "list"]).output.splitlines()
        if "temp" in line
    ]
    assert f"expired {row.expires_at:%Y-%m-%d %H:%M} UTC" in line


def test_a_token_without_expiry_never_expires(app, anonymous):
    token = make_token(app, "forever")
    assert expiry_of("forever").expires_at is None
    assert anonymous.get("/api/tags", headers=bearer(token)).status_code == 200
    listed = app.test_cli_runner().invoke(args=["tokens", "list"]).output
    [line] = [line for line in listed.splitlines() if "forever" in line]
    assert "never expires" in line


@pytest.mark.parametrize(
    "span", ["30", "30x", "0d", "101y", "-1d", "d", "1.5d", "\u0663d"]
)
def test_an_expiry_that_is_no_time_span_is_refused_in_one_line(app, anonymous, span):
    result = app.test_cli_runner().invoke(
        args=["tokens", "create", "temp", "--expires", span]
    )
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--expires'" in result.output
    assert "Traceback" not in result.output
    assert expiry_of("temp") is None


def test_a_token_made_to_expire_at_once_is_expired(app, anonymous):
    token = tokens.create_token("at-once", expires_in=datetime.timedelta(0))
    refused = anonymous.get("/api/tags", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json["message"].startswith("This API token expired on")


def test_tokens_keep_working_before_the_expiry_column_is_migrated_in(
    app, anonymous, caplog
):
    """A project updated from 0.1.0 has api_tokens without expires_at until
    it migrates: its API answers meanwhile,
    and the log says what to run."""
    token = make_token(app, "before-expiry")
    with app.app_context():
        db.session.execute(text("ALTER TABLE api_tokens DROP COLUMN expires_at"))
        db.session.commit()
    try:
        answered = anonymous.get("/api/tags", headers=bearer(token))
        assert answered.status_code == 200, answered.json
        assert 'flask db migrate -m "API token expiry"' in caplog.text
    finally:
        with app.app_context():
            db.session.rollback()
            db.session.execute(
                text("ALTER TABLE api_tokens ADD COLUMN expires_at DATETIME")
            )
            db.session.commit()
