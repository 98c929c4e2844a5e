"""Helpers for the tests that serve a baked app over real HTTP."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(
    url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET; an HTTP error status is an answer too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_serving(server: subprocess.Popen, url: str) -> None:
    """Until `url` answers; fails with the server's output if it exits first."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.poll() is not None:
            output = server.communicate()
            raise AssertionError(f"the server exited {server.returncode}: {output}")
        try:
            get(url)
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing answered at {url}"
            time.sleep(0.2)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
