"""schemathesis against the REST API of a bake with every type and every kind
of link, through WSGI, on SQLite and on the real servers.

Every schemathesis check runs (see tests/api_fuzzer.py, and the one failure
it documents and leaves out): no request may get a 5xx, nor a status code,
content type, header or body that the OpenAPI document does not declare for
its operation; data that fits the document is accepted, data that does not
is refused. FUZZ_EXAMPLES sets the cases per operation and kind
of data (default 50); the number of requests made is printed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.baking import EVERY_TYPE, run
from tests.servers import SERVERS, require, throwaway_databases

pytestmark = pytest.mark.slow

FUZZER = Path(__file__).parent / "api_fuzzer.py"
# Generous for the default examples; FUZZ_EXAMPLES in the thousands may need more.
TIMEOUT_SECONDS = 1800


@pytest.fixture(params=["sqlite", *SERVERS])
def database(request, tmp_path) -> Iterator[tuple[str, str]]:
    """(name, URL) of an empty database for the fuzzed app."""
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'fuzz.db'}"
        return
    with throwaway_databases(require(SERVERS[request.param])) as databases:
        yield request.param, databases.server.database_url(databases.create())


def test_the_api_answers_every_request_as_documented(
    bake, database, tmp_path, capsys, record_property
):
    name, url = database
    project = bake(models=EVERY_TYPE)
    report = tmp_path / "fuzz-report.json"
    fuzzed = run(
        [sys.executable, str(FUZZER), str(project), "my_flask_app", url, str(report)],
        project,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )
    assert report.is_file(), fuzzed.stdout + fuzzed.stderr
    result = json.loads(report.read_text())
    with capsys.disabled():
        print(f"\nschemathesis on {name}: {result['requests']} requests")
    record_property(f"schemathesis_requests_{name}", result["requests"])

    assert not result["failures"], "\n\n".join(result["failures"])
    assert fuzzed.returncode == 0, fuzzed.stderr
    # Every operation was fuzzed, and got past its errors at times.
    operations = {label.rsplit(" ", 1)[0] for label in result["statuses"]}
    tables = ("users", "posts", "tags")
    assert operations == {
        f"{method} /api/{table}{path}"
        for table in tables
        for method, path in [
            ("GET", ""),
            ("POST", ""),
            ("GET", "/{row_id}"),
            ("PATCH", "/{row_id}"),
            ("DELETE", "/{row_id}"),
        ]
    }
    # Every case with fitting data carried the fuzzer's token, and it was
    # taken. (Negative cases may leave it out: their 401 is declared.)
    assert result["refused"] == [], result["refused"]
    for table in tables:
        assert result["statuses"].get(f"POST /api/{table} 201"), result["statuses"]
        assert result["statuses"].get(f"PATCH /api/{table}/{{row_id}} 200")

    # The deep, huge and long bodies (tests/api_fuzzer.py's hostile_bodies):
    # refused, each with the status that names its problem.
    expected = {
        "nested 1000 deep": 400,
        "nested 100000 deep": 400,
        "over the size limit": 413,
        "5000 digits in": 422,
        "(limited)": 422,
        "70000 ids in": 422,
    }
    hostile = result["hostile"]
    with capsys.disabled():
        print(
            f"{len(hostile)} deep, huge and long bodies: {sorted(set(hostile.values()))}"
        )
    assert len(hostile) >= 6 * 6
    for case, status in hostile.items():
        kind = next((kind for kind in expected if kind in case), None)
        # Text of any length is the database's to store or refuse (as documented).
        assert status == expected.get(kind, status) < 500, f"{case}: {status}"
