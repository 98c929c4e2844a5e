"""The baked app served the way its README says to serve it: gunicorn, with
several workers, in production (the default), behind one trusted proxy."""

from __future__ import annotations

import json
import re
import secrets
import shlex
import subprocess
import sys
import threading
import time

import pytest

from tests.baking import clean_environment
from tests.serving import STARTUP_SECONDS, free_port, get, stop, wait_until_serving

pytestmark = pytest.mark.slow


def readme_command(readme: str) -> list[str]:
    """The README's gunicorn command, as the arguments it runs with."""
    [line] = [line for line in readme.splitlines() if line.startswith("gunicorn -")]
    return shlex.split(line)


def collect(stream, lines: list[str]) -> None:
    """Each line of `stream`, into `lines` as it comes (read in a thread)."""
    for line in stream:
        lines.append(line)


def workers_ready(server: subprocess.Popen, log: list[str], count: int) -> list[str]:
    """The pids of the workers whose log (gunicorn's, `log` being filled from
    its standard error) says "API ready", once `count` of them have."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        ready = [
            match[1]
            for line in list(log)
            if (match := re.search(r"\[(\d+)\] \[INFO\] API ready$", line))
        ]
        if len(ready) >= count:
            return ready
        assert server.poll() is None, f"gunicorn exited: {''.join(log)}"
        assert time.monotonic() < deadline, f"workers not ready: {''.join(log)}"
        time.sleep(0.2)


def test_gunicorn_serves_the_app_and_its_api_behind_a_proxy(bake):
    project = bake()
    command = readme_command((project / "README.md").read_text())
    assert command[:3] == ["gunicorn", "-w", "4"]
    assert command[-1] == "my_flask_app:create_app()"
    port = free_port()
    bind = command.index("-b") + 1
    command[bind] = re.sub(r".*:\d+$", f"127.0.0.1:{port}", command[bind])
    server = subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=project,
        # gunicorn reads no .env: the environment sets what the app needs.
        env=clean_environment(
            SECRET_KEY=secrets.token_hex(32),
            DATABASE_URL="sqlite:///my_flask_app.db",
            TRUSTED_PROXIES="1",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    log: list[str] = []
    reader = threading.Thread(target=collect, args=(server.stderr, log))
    reader.start()
    try:
        # gunicorn read the project's gunicorn.conf.py (from its working
        # directory): each of the 4 workers made the API once it had loaded
        # the app, before any request was sent.
        ready = workers_ready(server, log, 4)
        wait_until_serving(server, f"{base}/health")
        status, headers, body = get(f"{base}/health")
        assert status == 200 and b'"database":"ok"' in body.replace(b" ", b"")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers
        # The proxy says the client came over HTTPS, and it is believed.
        status, headers, _ = get(
            f"{base}/health",
            {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
        )
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=")

        # The start page tells an anonymous caller no table name.
        status, _, body = get(f"{base}/")
        assert status == 200 and json.loads(body) == {"app": "My Flask App"}

        status, _, body = get(f"{base}/api/openapi.json")
        assert status == 200 and b'"openapi"' in body
        status, headers, body = get(f"{base}/api/users")
        assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    finally:
        stop(server)
        reader.join()
    booted = re.findall(r"\] Booting worker with pid: (\d+)$", "".join(log), re.M)
    assert sorted(ready) == sorted(booted), log
    # Production logs: gunicorn's access log on standard output, a line a request.
    output = server.stdout.read()
    assert '"GET /health HTTP/1.1" 200' in output


GOOD_KEY = secrets.token_hex(32)
# A setting the app refuses, and what the one line says.
REFUSED = [
    ({"SECRET_KEY": "change-me"}, "SECRET_KEY is a placeholder"),
    ({"SECRET_KEY": "change-me" * 4}, "SECRET_KEY repeats itself"),
    ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
    ({"SECRET_KEY_FALLBACKS": "a" * 32}, "SECRET_KEY_FALLBACKS has only 1"),
    ({"FLASK_DEBUG": "1"}, "debug is on (FLASK_DEBUG)"),
    ({"APP_ENV": "staging"}, "APP_ENV is 'staging'"),
    ({"MAX_CONTENT_LENGTH": "1MB"}, "MAX_CONTENT_LENGTH must be a positive number"),
    (
        {"DATABASE_URL": "postgresql://app:Zq9@x@127.0.0.1/app"},
        "DATABASE_URL: the password holds a raw '@'",
    ),
    (
        {"DATABASE_URL": "postgresql://app:Zq9@127.0.0.1/app?connect_timeout=abc"},
        "connect_timeout='abc'; it must be a whole number",
    ),
]


def refused_start(project, settings: dict[str, str]) -> subprocess.CompletedProcess:
    """The README's gunicorn command, with 3 workers, in an environment holding
    `settings`: it must stop by itself."""
    command = readme_command((project / "README.md").read_text())
    command[command.index("-w") + 1] = "3"
    command[command.index("-b") + 1] = f"127.0.0.1:{free_port()}"
    environment = {"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "sqlite:///app.db"}
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=project,
        env=clean_environment(**{**environment, **settings}),
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
    )


def assert_one_line(started: subprocess.CompletedProcess, expected: str) -> None:
    errors = [line for line in started.stderr.splitlines() if "error" in line.lower()]
    assert started.returncode == 1, started.stderr
    assert errors == [errors[0]] and errors[0].startswith("error: "), started.stderr
    assert expected in errors[0], started.stderr
    assert "Traceback" not in started.stderr and "Booting worker" not in started.stderr
    assert "Zq9" not in started.stderr + started.stdout


def test_a_refused_setting_stops_gunicorn_in_one_line_before_any_worker(bake):
    """Each setting the app refuses: one line, once (not a traceback from each
    of 3 workers), and gunicorn exits 1 without starting a worker."""
    project = bake()
    for settings, expected in REFUSED:
        assert_one_line(refused_start(project, settings), expected)
    # A project without the API has gunicorn.conf.py's hook too.
    without_api = bake(api=False, project_name="No API")
    assert_one_line(
        refused_start(without_api, {"FLASK_DEBUG": "1"}), "debug is on (FLASK_DEBUG)"
    )
