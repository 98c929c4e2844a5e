"""gunicorn's own error answers, as JSON like the app's.

gunicorn refuses some requests itself, before the app sees them: a request
line over `limit_request_line` (4,094 bytes: 414), more headers than
`limit_request_fields` (100) or one over `limit_request_field_size` (8,190
bytes: 431), a malformed request line or header (a NUL in a header: 400),
and it answers them in HTML. Called in gunicorn.conf.py (gunicorn reads it
in its master process, whose workers inherit what it did),
`json_server_errors()` makes those answers the JSON that the app's API
answers with, `{"code": 414, "status": "URI Too Long", "message": ...}`.

gunicorn has no setting for the body of these answers; every worker type
writes them through one function, `gunicorn.util.write_error(sock,
status_int, reason, mesg)` (so since gunicorn 19), which this replaces.
gunicorn is imported when called: the kit itself does not need it.
"""

import json


def json_server_errors() -> None:
    """gunicorn's own error answers in JSON, in this process and its children."""
    from gunicorn import util

    util.write_error = write_json_error


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """What gunicorn.util.write_error writes, with a JSON body."""
    from gunicorn import util

    body = json.dumps(
        {"code": status_int, "status": reason, "message": mesg or reason}
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)
