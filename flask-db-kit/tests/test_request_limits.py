"""flask_db_kit.api.request_limits, and its order with the token check: an
anonymous request is refused before its body is read; a body over
MAX_CONTENT_LENGTH is refused whether its length was announced or not."""

import io
import json

import pytest

LIMIT = 1000


@pytest.fixture
def limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", LIMIT)


def chunked(client, body: bytes, headers=None):
    """A POST whose body comes without Content-Length, ended by the server
    (as gunicorn and Werkzeug's server do with a chunked body)."""
    return client.post(
        "/api/tags",
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", **(headers or {})},
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.parametrize(
    "body",
    [
        "[" * 40 + "]" * 40,
        '{"name": ' + "9" * 200 + "}",
        '{"name": "' + "x" * 2 * LIMIT + '"}',
        "not JSON",
    ],
    ids=["nested 40 deep", "200 digits", "over the limit", "not JSON"],
)
def test_an_anonymous_write_gets_401_before_its_body_is_read(app, limited, body):
    anonymous = app.test_client()
    response = anonymous.post("/api/tags", data=body, content_type="application/json")
    assert response.status_code == 401, response.json
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = chunked(anonymous, body.encode())
    assert response.status_code == 401, response.json


def test_a_body_over_the_limit_gets_413_with_or_without_its_length(client, limited):
    name = "x" * 30
    fits = json.dumps({"name": name}).encode()
    # A valid object, then spaces past the limit: Werkzeug alone cut it at the
    # limit and the view read the object.
    padded = fits + b" " * (2 * LIMIT)
    for response in (
        client.post("/api/tags", data=padded, content_type="application/json"),
        chunked(client, padded),
        chunked(client, b"x" * (LIMIT + 1)),
    ):
        assert response.status_code == 413, response.json
        assert response.json["message"] == (
            f"The request body is larger than {LIMIT} bytes (MAX_CONTENT_LENGTH)."
        )
    assert client.get("/api/tags").json == []
    exactly = fits + b" " * (LIMIT - len(fits))
    made = chunked(client, exactly)
    assert made.status_code == 201, made.json
    assert made.json["name"] == name
