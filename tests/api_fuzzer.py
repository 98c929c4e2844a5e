"""Fuzz a baked project's REST API with schemathesis, through WSGI (no network).

    python tests/api_fuzzer.py PROJECT PACKAGE DATABASE_URL REPORT_FILE

Run by tests/test_api_fuzzing.py: the baked package is imported here, in a
process of its own, so bakes of the same package name never meet. The app
is built on DATABASE_URL (an empty database, migrated here to head), its
OpenAPI document is read from /api/openapi.json, and every operation gets
`FUZZ_EXAMPLES` cases (default 50) of data that fits its schema and as many
that does not, each checked by every schemathesis check: no 5xx; a status
code, content type, headers and body that the document declares for the
operation; data that fits accepted, data that does not refused; and the
rest. One failure is documented and left out (see
positive_data_acceptance_but_unstorable_text).

Every request carries a token made by the project's own tokens
(`<package>.extensions.tokens.create_token`, when it was baked with
api_auth), as a client of the API would.

Operations on one row get cases for rows that exist too, not only for the
random ids that hit none; creates run first so that there are such rows,
and deletes last. REPORT_FILE receives, as JSON, the number of requests,
how many of each status code each operation answered with, the cases with
fitting data that were refused a 401 or 403, and the failures.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections import Counter
from pathlib import Path

import hypothesis
from hypothesis import strategies as st

ORDER = {"POST": 0, "GET": 1, "PATCH": 2, "DELETE": 3}
# Which of the rows there are a case aims at.
POSITIONS = st.integers(min_value=0, max_value=19)
DEFAULT_EXAMPLES = 50


def main(project: str, package_name: str, database_url: str, report: str) -> int:
    sys.path.insert(0, project)
    import flask_migrate
    import schemathesis
    from flask_db_kit.api import api_of, schema_of, served_models
    from flask_db_kit.api.resources import Rows
    from schemathesis.checks import CHECKS, load_all_checks, positive_data_acceptance
    from sqlalchemy import select

    package = importlib.import_module(package_name)
    config = importlib.import_module(f"{package_name}.config")
    extensions = importlib.import_module(f"{package_name}.extensions")
    db = extensions.db

    def positive_data_acceptance_but_unstorable_text(ctx, response, case):
        """schemathesis's positive_data_acceptance, but for the documented
        failure: text refused for holding a NUL or a lone surrogate. The
        schema's pattern excludes them, but schemathesis drops a pattern it
        cannot translate (`^[^\\u0000\\ud800-\\udfff]*$`) and then sends
        them as valid data; the API's 422 is right."""
        if response.status_code == 422 and only_unstorable_text(response.json()):
            return None
        return positive_data_acceptance(ctx, response, case)

    # Every check schemathesis has (one with its documented failure left out).
    load_all_checks()
    checks = [
        positive_data_acceptance_but_unstorable_text
        if check is positive_data_acceptance
        else check
        for check in CHECKS.get_all()
    ]
    examples = int(os.environ.get("FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
    app = package.create_app(
        config.Config(SECRET_KEY="fuzz", SQLALCHEMY_DATABASE_URI=database_url)
    )
    # Each table's references and links, as the API's views see them.
    overrides = api_of(app).overrides
    rows_of = {
        model.__tablename__: Rows(schema_of(model, overrides))
        for model in served_models(db, overrides)
    }

    def existing_ids(model) -> list[int]:
        query = select(model.id).order_by(model.id).limit(20)
        try:
            return list(db.session.scalars(query))
        finally:
            db.session.remove()

    def aim_at_existing_rows(case, data) -> None:
        """Point some of the case's ids at rows that exist: random ids name
        none, and the operations would hardly get past their 404 or 409.

        What is drawn never depends on the rows there are (Hypothesis needs
        the same draws to replay a case): positions, mapped onto the ids.
        """

        def existing(model, position: int) -> int | None:
            ids = existing_ids(model)
            return ids[position % len(ids)] if ids else None

        rows = rows_of[case.operation.path.split("/")[2]]
        if "row_id" in (case.path_parameters or {}):
            position, aim = data.draw(POSITIONS), data.draw(st.booleans())
            aimed = existing(rows.model, position)
            if aimed is not None and aim:
                case.path_parameters["row_id"] = aimed
        if not isinstance(case.body, dict):
            return
        for column, target in rows.references.items():
            if column in case.body and data.draw(st.booleans()):
                aimed = existing(target, data.draw(POSITIONS))
                if aimed is not None:
                    case.body[column] = aimed
        for name, link in rows.links.values():
            if name in case.body and data.draw(st.booleans()):
                positions = data.draw(st.lists(POSITIONS, max_size=3))
                aimed = [existing(link.mapper.class_, p) for p in positions]
                case.body[name] = [row_id for row_id in aimed if row_id is not None]

    requests = 0
    statuses: Counter[str] = Counter()
    # The status each deep, huge or long body got: "<operation> <kind>" -> status.
    hostile: dict[str, int] = {}
    refused: list[str] = []

    def fuzz(operation, mode) -> None:
        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            database=None,
            # The same cases every run in CI, as the template's other
            # property tests (tests/conftest.py).
            derandomize=os.environ.get("CI") == "true",
            suppress_health_check=list(hypothesis.HealthCheck),
            # No shrinking: the rows change from case to case, so a smaller
            # case would not fail the same way; a failure is reported as found.
            phases=[hypothesis.Phase.generate],
        )
        @hypothesis.given(
            case=operation.as_strategy(generation_mode=mode), data=st.data()
        )
        def run_case(case, data) -> None:
            nonlocal requests
            if mode.is_positive:
                aim_at_existing_rows(case, data)
            requests += 1
            response = case.call_and_validate(headers=headers, checks=checks)
            statuses[f"{operation.label} {response.status_code}"] += 1
            # Negative cases may leave the token out on purpose (a 401 is
            # then right); a case with data that fits must get past it.
            if mode.is_positive and response.status_code in (401, 403):
                refused.append(f"{operation.label} {response.status_code}")

        run_case()

    failures: list[str] = []
    headers: dict[str, str] = {}
    with app.app_context():
        flask_migrate.upgrade()
        tokens = getattr(extensions, "tokens", None)
        if tokens is not None:
            headers["Authorization"] = f"Bearer {tokens.create_token('fuzzer')}"
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
        # Creates first, the rows they refer to before them; deletes last.
        tables = [table.name for table in db.metadata.sorted_tables]
        operations = sorted(
            (result.ok() for result in schema.get_all_operations()),
            key=lambda operation: (
                ORDER[operation.method.upper()],
                tables.index(operation.path.split("/")[2]),
                operation.path,
            ),
        )
        for operation in operations:
            for mode in schemathesis.GenerationMode:
                try:
                    fuzz(operation, mode)
                # schemathesis raises its failures as a BaseExceptionGroup.
                except (Exception, BaseExceptionGroup) as error:
                    failures.append(f"{operation.label} ({mode}): {error}")
        # Deep, huge and long bodies, beyond what the generators make.
        client = app.test_client()
        limit = app.config["MAX_CONTENT_LENGTH"]
        for operation in operations:
            if operation.method.upper() not in ("POST", "PATCH"):
                continue
            rows = rows_of[operation.path.split("/")[2]]
            ids = existing_ids(rows.model)
            row_id = ids[0] if ids else 1
            path = operation.path.replace("{row_id}", str(row_id))
            for kind, body in hostile_bodies(operation, rows, limit):
                case = operation.Case(
                    path_parameters={"row_id": row_id}
                    if "{row_id}" in operation.path
                    else None,
                    body={},
                    media_type="application/json",
                    # As sent: the auth checks replay it without its token.
                    headers=dict(headers),
                )
                response = client.open(
                    path,
                    method=operation.method.upper(),
                    data=body,
                    content_type="application/json",
                    headers=headers,
                )
                requests += 1
                statuses[f"{operation.label} {response.status_code}"] += 1
                hostile[f"{operation.label} {kind}"] = response.status_code
                try:
                    if response.status_code >= 500:
                        raise AssertionError(f"answered {response.status_code}")
                    case.validate_response(response, checks=checks)
                except (Exception, BaseExceptionGroup) as error:
                    failures.append(f"{operation.label} ({kind} body): {error}")

    Path(report).write_text(
        json.dumps(
            {
                "requests": requests,
                "statuses": statuses,
                "hostile": hostile,
                "refused": refused,
                "failures": failures,
            }
        )
    )
    return 1 if failures else 0


UNSTORABLE_TEXT = "Holds a NUL or a lone surrogate."


def only_unstorable_text(body) -> bool:
    """Whether an error's body refuses only text holding a NUL or a lone
    surrogate (flask_db_kit.api.schemas.StorableText)."""
    fields = (body.get("errors") or {}).get("json") if isinstance(body, dict) else None
    return bool(fields) and all(
        messages == [UNSTORABLE_TEXT] for messages in fields.values()
    )


def hostile_bodies(operation, rows, limit: int) -> list[tuple[str, str]]:
    """(kind, raw JSON text) of bodies beyond the generators: nested 1,000 and
    100,000 deep, an integer of 5,000 digits in every integer field, a body
    over the size limit, strings of 100,000 characters, 70,000 ids a link."""
    properties = (
        operation.definition.raw.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema", {})
    )
    schema = resolve(operation, properties)
    fields = schema.get("properties", {})
    integers = [n for n, f in fields.items() if "integer" in str(f.get("type"))]
    strings = [n for n, f in fields.items() if "string" in str(f.get("type"))]
    bodies = [
        ("nested 1000 deep", "[" * 1000 + "]" * 1000),
        ("nested 100000 deep", "[" * 100_000),
        ("over the size limit", json.dumps({"x": "a" * limit})),
    ]
    huge = "9" * 5000
    bodies += [(f"5000 digits in {n}", f'{{"{n}": {huge}}}') for n in integers]
    # A string with a maxLength is refused (422); text has none, and is stored
    # or refused by the database (MariaDB's TEXT holds 64 KiB), never a 5xx.
    bodies += [
        (
            f"100000 characters in {n} ({'limited' if 'maxLength' in fields[n] else 'text'})",
            json.dumps({n: "a" * 100_000}),
        )
        for n in strings
    ]
    bodies += [
        (f"70000 ids in {name}", json.dumps({name: list(range(1, 70_001))}))
        for name, _ in rows.links.values()
    ]
    return bodies


def resolve(operation, schema: dict) -> dict:
    """A $ref of the document, followed."""
    while "$ref" in schema:
        node = operation.schema.raw_schema
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
