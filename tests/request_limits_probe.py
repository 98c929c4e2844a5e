"""Send a baked REST API the hostile requests of issue 12, and report the answers.

    python tests/request_limits_probe.py PROJECT PACKAGE DATABASE_URL REPORT_FILE

Run by tests/test_request_limits.py, in a process of its own (the baked
package is imported here). The project is baked with tests/baking.py's
EVERY_TYPE schema; the app is built on DATABASE_URL (an empty database,
migrated here). REPORT_FILE receives, as JSON: each case's status code and
message, and every log line written meanwhile.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from pathlib import Path

# In every body: no log line may carry it.
MARKER = "BODY-MARKER-7f3a"
TWO_MIB = 2 * 1024 * 1024


def nested(depth: int) -> object:
    value: object = MARKER
    for _ in range(depth - 1):
        value = {"a": value}
    return value


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def main(project: str, package_name: str, database_url: str, report: str) -> int:
    sys.path.insert(0, project)
    import flask_migrate
    from flask_db_kit.settings import ConfigurationError
    from sqlalchemy import insert

    package = importlib.import_module(package_name)
    config = importlib.import_module(f"{package_name}.config")
    extensions = importlib.import_module(f"{package_name}.extensions")
    db = extensions.db
    models = importlib.import_module(f"{package_name}.models")

    lines = Lines()
    logging.getLogger().addHandler(lines)
    logging.getLogger().setLevel(logging.DEBUG)

    app = package.create_app(
        config.Config(SECRET_KEY="probe", SQLALCHEMY_DATABASE_URI=database_url)
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path(project) / "migrations"))
        db.session.execute(insert(models.User), [{"username": "u", "email": "e"}])
        db.session.execute(insert(models.Tag), [{"name": f"t{i}"} for i in range(1000)])
        db.session.commit()
        # The API's own token, when it wants one: the limits are what is probed.
        headers = {}
        tokens = getattr(extensions, "tokens", None)
        if tokens is not None:
            headers["Authorization"] = f"Bearer {tokens.create_token('probe')}"
    client = app.test_client()
    post = {"title": MARKER, "author_id": 1}
    answers: dict[str, list] = {}

    def send(case: str, path: str, body: str | bytes, method: str = "POST", **options):
        options.setdefault("content_type", "application/json")
        response = client.open(
            path, method=method, data=body, headers=headers, **options
        )
        answer = response.get_json(silent=True) or {}
        message = answer.get("message") or json.dumps(answer.get("errors", ""))
        answers[case] = [response.status_code, message[:200]]

    send("JSON nested 1,000 deep", "/api/posts", "[" * 1000 + "]" * 1000)
    send("JSON nested 100,000 deep", "/api/posts", "[" * 100_000)
    send(
        "a json column nested 40 deep",
        "/api/posts",
        json.dumps({**post, "extra": nested(40)}),
    )
    send(
        "a json column nested 30 deep",
        "/api/posts",
        json.dumps({**post, "extra": nested(30)}),
    )
    send(
        "an integer of 5,000 digits",
        "/api/posts",
        json.dumps(post)[:-1] + ', "views": ' + "9" * 5000 + "}",
    )
    send(
        "an integer of 101 digits",
        "/api/posts",
        json.dumps(post)[:-1] + ', "views": -' + "9" * 101 + "}",
    )
    send(
        "an integer of 100 digits (out of range)",
        "/api/posts",
        json.dumps(post)[:-1] + ', "views": ' + "9" * 100 + "}",
    )
    send(
        "a float of 1e999999",
        "/api/posts",
        json.dumps(post)[:-1] + ', "score": 1e999999}',
    )
    send(
        "a body of 2 MiB (limit 1 MiB)",
        "/api/posts",
        json.dumps({**post, "body": MARKER + "a" * TWO_MIB}),
    )
    send(
        "a body of 2 MiB that is not JSON",
        "/api/posts",
        MARKER + "a" * TWO_MIB,
        content_type="text/plain",
    )
    send(
        "text of 70,000 characters",
        "/api/posts",
        json.dumps({**post, "body": MARKER + "a" * 70_000}),
    )
    send(
        "1,000 tag ids (the cap)",
        "/api/posts",
        json.dumps({**post, "tag_ids": list(range(1, 1001))}),
    )
    send(
        "1,001 tag ids",
        "/api/posts",
        json.dumps({**post, "tag_ids": list(range(1, 1002))}),
    )
    send(
        "70,000 tag ids",
        "/api/posts",
        json.dumps({**post, "tag_ids": list(range(1, 70_001))}),
    )
    send(
        "70,000 tag ids in a PATCH",
        "/api/posts/1",
        json.dumps({"tag_ids": list(range(1, 70_001))}),
        method="PATCH",
    )
    send(
        "100,000 characters in a string{80}",
        "/api/users",
        json.dumps({"username": MARKER * 10_000, "email": "x"}),
    )

    os.environ.update(
        APP_ENV="development",
        SECRET_KEY="probe",
        DATABASE_URL=database_url,
        MAX_CONTENT_LENGTH="4194304",
    )
    larger = package.create_app(config.Config.from_environment())
    client = larger.test_client()
    send(
        "a body of 2 MiB with MAX_CONTENT_LENGTH=4194304",
        "/api/posts",
        json.dumps({**post, "body": MARKER + "a" * TWO_MIB}),
    )
    os.environ["MAX_CONTENT_LENGTH"] = "a lot"
    try:
        config.Config.from_environment()
        configuration_error = ""
    except ConfigurationError as error:
        configuration_error = error.format_message()

    Path(report).write_text(
        json.dumps(
            {
                "answers": answers,
                "configuration_error": configuration_error,
                "logged_bodies": [line[:300] for line in lines.lines if MARKER in line],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
