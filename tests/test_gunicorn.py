"""The baked app served the way its README says to serve it: gunicorn, with
several workers, in production (the default), behind one trusted proxy."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shlex
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.baking import clean_environment, flask
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


def exchange(port: int, head: bytes, body: list[bytes] = ()) -> tuple[int, dict, bytes]:
    """One request sent as given (a chunked body: `body`'s pieces, each a
    chunk), and gunicorn's answer as (status, headers, body). The body is
    sent meanwhile: gunicorn may answer before it has all of it."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:

        def send() -> None:
            try:
                connection.sendall(head)
                for piece in body:
                    connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                if body:
                    connection.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # answered and closed before the whole body came

        sender = threading.Thread(target=send)
        sender.start()
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while piece := connection.recv(65536):
                received += piece
        sender.join()
    header, _, content = received.partition(b"\r\n\r\n")
    status, *lines = header.decode("latin-1").split("\r\n")
    fields = (line.partition(":") for line in lines)
    headers = {name.lower(): value.strip() for name, _, value in fields}
    return int(status.split()[1]), headers, content


def request_head(method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


@contextlib.contextmanager
def gunicorn(project: Path, *, api: bool) -> Iterator[int]:
    """gunicorn serving the project with two workers, from its directory (so
    with its gunicorn.conf.py), in production, no proxy trusted; its port."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
        + ["my_flask_app:create_app()"],
        cwd=project,
        env=clean_environment(
            SECRET_KEY=secrets.token_hex(32), DATABASE_URL="sqlite:///my_flask_app.db"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    reader = threading.Thread(target=collect, args=(server.stderr, log))
    reader.start()
    try:
        if api:
            workers_ready(server, log, 2)
        wait_until_serving(server, f"http://127.0.0.1:{port}/health")
        yield port
    finally:
        stop(server)
        reader.join()


def test_gunicorn_answers_in_json_refuses_before_reading_and_trusts_no_proxy(bake):
    """gunicorn's own refusals are JSON; an anonymous write is refused before
    its body is read; a chunked body over MAX_CONTENT_LENGTH gets 413; an
    expired token gets 401; with TRUSTED_PROXIES unset, X-Forwarded-Proto
    from 127.0.0.1 is not believed (issue 21)."""
    project = bake()
    token = flask(project, "tokens", "create", "gunicorn").stdout.strip()
    expired = flask(project, "tokens", "create", "old", "--expires", "1m")
    with sqlite3.connect(project / "instance" / "my_flask_app.db") as database:
        database.execute(
            "UPDATE api_tokens SET expires_at = '2020-01-02 03:04:00.000000'"
            " WHERE name = 'old'"
        )
    database.close()
    bearer = f"Authorization: Bearer {token}"
    with gunicorn(project, api=True) as port:
        # gunicorn's own refusals, in the app's JSON.
        for head, status, reason in [
            (request_head("GET", "/api/users?q=" + "a" * 5000), 414, "URI Too Long"),
            (request_head("GET", "/health", "X-Test: a\0b"), 400, "Bad Request"),
            (
                request_head("GET", "/health", *(f"X-{n}: 1" for n in range(101))),
                431,
                "Request Header Fields Too Large",
            ),
        ]:
            answer = exchange(port, head)
            assert answer[0] == status, answer
            assert answer[1]["content-type"] == "application/json", answer
            error = json.loads(answer[2])
            assert (error["code"], error["status"]) == (status, reason), error
            assert error["message"]

        # An anonymous write is refused before its body is read or parsed.
        for body in ("[" * 40 + "]" * 40, '{"username": ' + "9" * 200 + "}"):
            head = request_head(
                "POST",
                "/api/users",
                "Content-Type: application/json",
                f"Content-Length: {len(body)}",
            )
            answer = exchange(port, head + body.encode())
            assert answer[0] == 401, answer
            assert json.loads(answer[2])["code"] == 401

        # A chunked body: read, and refused past MAX_CONTENT_LENGTH (1 MiB).
        chunked = request_head(
            "POST",
            "/api/users",
            bearer,
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
        )
        user = b'{"username": "chunked", "email": "c@example.com"}'
        status, _, content = exchange(port, chunked, [user[:10], user[10:]])
        assert status == 201, content
        for pieces in (
            [b'{"username": "' + b"a" * 65536] * 80 + [b'"}'],  # 5 MiB
            [user, *[b" " * 65536] * 32],  # then 2 MiB of spaces
        ):
            status, headers, content = exchange(port, chunked, pieces)
            assert status == 413, content[:300]
            assert json.loads(content)["message"] == (
                "The request body is larger than 1048576 bytes (MAX_CONTENT_LENGTH)."
            )

        # A token past its expiry.
        status, _, content = exchange(
            port,
            request_head(
                "GET", "/api/users", f"Authorization: Bearer {expired.stdout.strip()}"
            ),
        )
        assert status == 401
        assert json.loads(content)["message"].startswith(
            "This API token expired on 2020-01-02 03:04 UTC"
        )

        # No proxy is trusted (TRUSTED_PROXIES unset): a client on 127.0.0.1
        # saying it came over HTTPS is not believed, by gunicorn or the app.
        status, headers, _ = exchange(
            port, request_head("GET", "/health", "X-Forwarded-Proto: https")
        )
        assert status == 200
        assert "strict-transport-security" not in headers


def test_without_the_api_gunicorn_trusts_no_proxy_either(bake):
    project = bake(api=False)
    assert (project / "gunicorn.conf.py").is_file()
    with gunicorn(project, api=False) as port:
        status, headers, _ = exchange(
            port, request_head("GET", "/health", "X-Forwarded-Proto: https")
        )
        assert status == 200
        assert "strict-transport-security" not in headers
