"""The baked app served the way its README says to serve it: gunicorn, with
several workers, answering on a free port of 127.0.0.1."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.baking import clean_environment

pytestmark = pytest.mark.slow

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def readme_command(readme: str) -> list[str]:
    """The README's gunicorn command, as the arguments it runs with."""
    [line] = [line for line in readme.splitlines() if line.startswith("gunicorn -")]
    return shlex.split(line)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_gunicorn_serves_the_app_and_its_api(bake):
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
            SECRET_KEY="gunicorn-test", DATABASE_URL="sqlite:///my_flask_app.db"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, server.communicate()[1]
            try:
                status, body = get(f"http://127.0.0.1:{port}/health")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        assert status == 200 and b'"database":"ok"' in body.replace(b" ", b"")
        status, body = get(f"http://127.0.0.1:{port}/api/openapi.json")
        assert status == 200 and b'"openapi"' in body
    finally:
        server.terminate()
        server.wait(timeout=30)
