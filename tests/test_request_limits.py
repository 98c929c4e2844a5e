"""The baked REST API never answers 500 to a client's input (issue 12).

tests/request_limits_probe.py sends each hostile request to a bake with every
type and kind of link, on SQLite and on the real servers: deep JSON, huge
integers, bodies over the size limit, lists of ids beyond the cap (on
PostgreSQL, past psycopg's 65,535 parameters), and checks that no log line
carries a request body.
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

PROBE = Path(__file__).parent / "request_limits_probe.py"
DEEP = "The JSON body is nested more than 32 levels deep."
CAP = '{"json": {"tag_ids": ["At most 1000 ids."]}}'

# case -> (status, the start of its message); None: any message.
EXPECTED = {
    "JSON nested 1,000 deep": (400, DEEP),
    "JSON nested 100,000 deep": (400, DEEP),
    "a json column nested 40 deep": (400, DEEP),
    "a json column nested 30 deep": (201, None),
    "an integer of 5,000 digits": (
        422,
        "The body holds an integer of 5000 digits; at most 100 are read.",
    ),
    "an integer of 101 digits": (422, "The body holds an integer of 101 digits"),
    "an integer of 100 digits (out of range)": (422, '{"json": {"views"'),
    "a float of 1e999999": (422, '{"json": {"score"'),
    "a body of 2 MiB (limit 1 MiB)": (413, ""),
    "a body of 2 MiB that is not JSON": (415, None),
    "1,000 tag ids (the cap)": (201, None),
    "1,001 tag ids": (422, CAP),
    "70,000 tag ids": (422, CAP),
    "70,000 tag ids in a PATCH": (422, CAP),
    "100,000 characters in a string{80}": (422, '{"json": {"username"'),
}
# MariaDB's TEXT holds 64 KiB: the database refuses, the API says so.
TEXT_OF_70000 = {
    "sqlite": (201, None),
    "postgresql": (201, None),
    "mariadb": (422, "The database refused a value: Data too long for column 'body'"),
}


@pytest.fixture(params=["sqlite", *SERVERS])
def database(request, tmp_path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'probe.db'}"
        return
    with throwaway_databases(require(SERVERS[request.param])) as databases:
        yield request.param, databases.server.database_url(databases.create())


def test_hostile_requests_get_a_4xx_and_no_body_is_logged(
    bake, database, tmp_path, capsys
):
    name, url = database
    project = bake(models=EVERY_TYPE)
    report = tmp_path / "report.json"
    probed = run(
        [sys.executable, str(PROBE), str(project), "my_flask_app", url, str(report)],
        project,
        check=False,
    )
    assert report.is_file(), probed.stdout + probed.stderr
    result = json.loads(report.read_text())
    answers = result["answers"]
    with capsys.disabled():
        print(f"\n{len(answers)} hostile requests on {name}:")
        for case, (status, message) in answers.items():
            print(f"  {status} {case}: {message[:90]}")

    expected = {
        **EXPECTED,
        "text of 70,000 characters": TEXT_OF_70000[name],
        # Read, with the larger limit: then stored, or refused by MariaDB's TEXT.
        "a body of 2 MiB with MAX_CONTENT_LENGTH=4194304": TEXT_OF_70000[name],
    }
    assert set(answers) == set(expected)
    for case, (status, message) in answers.items():
        wanted_status, wanted_message = expected[case]
        assert status == wanted_status, f"{case}: {status} {message}"
        if wanted_message is not None:
            assert message.startswith(wanted_message), f"{case}: {message}"
    assert result["configuration_error"] == (
        "MAX_CONTENT_LENGTH must be a positive number of bytes, not 'a lot'"
    )
    assert result["logged_bodies"] == []
