"""The REST API over HTTP on the tiny app (kit_app.py): each operation, each
kind of field and each error. Those whose outcome depends on the database
run on SQLite, PostgreSQL and MariaDB (`db_client`); the rest on SQLite."""

import collections
import json

import pytest
import sqlalchemy as sa
from flask_db_kit.api import MAX_PER_PAGE
from kit_app import Author, db

UNKNOWN_ID = 2147483647


def error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["code"] == status
    return response.json


def author(client, name="ann", **values):
    response = client.post(
        "/api/authors", json={"name": name, "password": "pw1"} | values
    )
    assert response.status_code == 201, response.json
    return response.json


def post(client, author_id, **values):
    response = client.post(
        "/api/posts", json={"title": "t", "author_id": author_id} | values
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_row_of_every_kind_of_field_goes_round(db_client):
    writer = author(db_client)
    tags = [db_client.post("/api/tags", json={"name": n}).json["id"] for n in "ab"]
    values = {
        "title": "Hello",
        "status": "published",
        "price": "12.50",
        "published_at": "2024-01-01T12:00:00.123456+02:00",
        "cover": "aGVsbG8=",
        "due": "13:45:30",
        "author_id": writer["id"],
        "tag_ids": list(reversed(tags)),
    }
    created = db_client.post("/api/posts", json=values)
    assert created.status_code == 201, created.json
    row = created.json
    assert created.headers["Location"] == f"/api/posts/{row['id']}"
    assert row | {"published_at": None} == row | values | {
        "published_at": None,
        "tag_ids": sorted(tags),
    }
    assert row["published_at"] == "2024-01-01T10:00:00.123456+00:00"
    assert row["rating"] == 5 and row["parent_id"] is None
    assert db_client.get(created.headers["Location"]).json == row
    changed = db_client.patch(
        created.headers["Location"], json={"title": "Bye", "tag_ids": []}
    )
    assert changed.json == row | {"title": "Bye", "tag_ids": []}
    assert db_client.delete(created.headers["Location"]).status_code == 204
    error(db_client.get(created.headers["Location"]), 404)


def test_a_null_given_is_kept_over_the_default(db_client):
    row = post(db_client, author(db_client)["id"], rating=None)
    assert row["rating"] is None
    assert db_client.get(f"/api/posts/{row['id']}").json["rating"] is None


def test_secrets_are_taken_but_never_answered(db_client, caplog):
    created = db_client.post(
        "/api/authors",
        json={"name": "ann", "password": "hunter22", "api_key": "k3y-s3cret"},
    )
    assert created.status_code == 201
    url = f"/api/authors/{created.json['id']}"
    patched = db_client.patch(
        url, json={"password": "n3w-passw0rd", "api_key": "n3w-k3y-s3cret"}
    )
    again = db_client.post(
        "/api/authors",
        json={"name": "ann", "password": "hunter22", "api_key": "k3y-s3cret"},
    )
    error(again, 409)
    row = db.session.get(Author, created.json["id"])
    db.session.refresh(row)
    assert row.check_password("n3w-passw0rd") and row.api_key == "n3w-k3y-s3cret"
    answers = [
        created,
        patched,
        again,
        db_client.get(url),
        db_client.get("/api/authors"),
    ]
    hidden = ["hunter22", "k3y-s3cret", "n3w-passw0rd", row.password_hash]
    for response in answers:
        text = response.get_data(as_text=True)
        assert not [secret for secret in hidden if secret in text]
        assert "password" not in text and "api_key" not in text
    assert not [r for r in caplog.records for s in hidden if s in r.getMessage()]


def test_taken_unique_values_and_missing_rows_are_409_naming_the_field(db_client):
    writer = author(db_client)
    message = error(
        db_client.post("/api/authors", json={"name": "ann", "password": "x"}), 409
    )
    assert "name" in message["message"]
    other = author(db_client, "bob")
    response = db_client.patch(f"/api/authors/{other['id']}", json={"name": "ann"})
    assert "name" in error(response, 409)["message"]
    for field, value in [("author_id", UNKNOWN_ID), ("tag_ids", [UNKNOWN_ID])]:
        payload = {"title": "t", "author_id": writer["id"], field: value}
        assert (
            field
            in error(db_client.post("/api/posts", json=payload), 409)["errors"]["json"]
        )


def test_deleting_a_referred_row(db_client):
    """ON DELETE CASCADE takes the rows that refer to it; a reference without
    it keeps its target (409); a row that refers to itself can go."""
    writer = author(db_client)
    parent = post(db_client, writer["id"])
    child = post(db_client, writer["id"], parent_id=parent["id"])
    response = db_client.delete(f"/api/posts/{parent['id']}")
    assert "still referred to" in error(response, 409)["message"]
    url = f"/api/posts/{child['id']}"
    assert db_client.patch(url, json={"parent_id": child["id"]}).status_code == 200
    assert db_client.delete(url).status_code == 204
    assert db_client.delete(f"/api/authors/{writer['id']}").status_code == 204
    error(db_client.get(f"/api/posts/{parent['id']}"), 404)


def test_list_pages_through_every_row_in_id_order(db_client):
    made = [
        db_client.post("/api/tags", json={"name": f"t{n}"}).json["id"] for n in range(5)
    ]
    pages, url = [], "/api/tags?per_page=2"
    while url:
        response = db_client.get(url)
        pages.append([row["id"] for row in response.json])
        assert json.loads(response.headers["X-Pagination"])["total"] == 5
        links = dict(
            reversed(link.split("; ")) for link in response.headers["Link"].split(", ")
        )
        url = links.get('rel="next"', "").strip("<>")
    assert pages == [made[0:2], made[2:4], made[4:]]
    past = db_client.get("/api/tags?page=4&per_page=2")
    assert past.status_code == 200 and past.json == []
    assert json.loads(past.headers["X-Pagination"])["total"] == 5
    assert len(db_client.get("/api/tags").json) == 5  # 20 a page unless asked


def test_listing_takes_the_same_queries_for_any_page_size(db_client):
    writer = author(db_client)
    tag = db_client.post("/api/tags", json={"name": "t"}).json["id"]
    for _ in range(5):
        post(db_client, writer["id"], tag_ids=[tag])
    statements = collections.Counter()

    def note(connection, cursor, statement, *args):
        statements[per_page] += 1

    for per_page in (1, 5):
        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            response = db_client.get(f"/api/posts?per_page={per_page}")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        assert [row["tag_ids"] for row in response.json] == [[tag]] * per_page
    assert statements[1] == statements[5], statements


@pytest.mark.parametrize(
    "query", ["per_page=0", f"per_page={MAX_PER_PAGE + 1}", "page=0", "page=first"]
)
def test_page_parameters_are_checked(client, query):
    response = error(client.get(f"/api/tags?{query}"), 422)
    assert list(response["errors"]["query"]) == [query.split("=")[0]]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("per_page=2&per_page=abc", "per_page"),
        ("per_page=2&per_page=3", "per_page"),
        ("page=1&page=2", "page"),
        ("perpage=5", "perpage"),
    ],
)
def test_a_parameter_twice_or_unknown_is_refused(client, query, named):
    client.post("/api/tags", json={"name": "t"})
    response = error(client.get(f"/api/tags?{query}"), 422)
    assert list(response["errors"]["query"]) == [named]


def test_an_empty_list_has_no_link_header(client):
    response = client.get("/api/tags")
    assert response.status_code == 200 and response.json == []
    assert "Link" not in response.headers
    client.post("/api/tags", json={"name": "t"})
    assert 'rel="first"' in client.get("/api/tags").headers["Link"]


@pytest.mark.parametrize(
    ("field", "wrong"),
    [
        ("title", 12345),
        ("title", "nul\u0000"),
        ("title", "x" * 201),
        ("status", "lost"),
        ("price", 12.5),
        ("price", "1234567.00"),
        ("price", "1.234"),
        ("published_at", "yesterday"),
        ("due", "25:00"),
        ("due", "9:5"),
        ("due", "13:45+01:00"),
        ("cover", "not base64!"),
        ("cover", "eHh4eHh4eHh4eHh4eHh4eHg="),  # 17 bytes in a binary(16)
        ("rating", 2**31),
        # A JSON number for a number, a JSON boolean for a boolean: no value
        # is coerced, nor loses a part.
        ("rating", 2.9),
        ("rating", 2.589e-42),
        ("rating", "7"),
        ("rating", True),
        ("score", "4.5"),
        ("score", False),
        ("featured", "yes"),
        ("featured", "on"),
        ("featured", 0),
        ("featured", 1),
        ("author_id", 0),
        ("author_id", 1.5),
        ("tag_ids", "not a list"),
        ("tag_ids", [1] * 1001),
        ("tag_ids", ["1"]),
        ("no_such_field", 1),
    ],
)
def test_a_wrong_value_is_422_naming_the_field(client, field, wrong):
    writer = author(client)
    payload = {"title": "t", "author_id": writer["id"], field: wrong}
    assert list(
        error(client.post("/api/posts", json=payload), 422)["errors"]["json"]
    ) == [field]
    row = post(client, writer["id"])
    response = client.patch(f"/api/posts/{row['id']}", json={field: wrong})
    assert list(error(response, 422)["errors"]["json"]) == [field]


def test_numbers_and_booleans_are_taken_as_json_types_them(client):
    writer = author(client)
    row = post(client, writer["id"], rating=7, score=4, featured=True)
    assert (row["rating"], row["score"], row["featured"]) == (7, 4.0, True)
    # A whole number written with a point is that integer.
    changed = client.patch(f"/api/posts/{row['id']}", json={"rating": 8.0})
    assert changed.status_code == 200 and changed.json["rating"] == 8


def test_a_row_read_can_be_sent_back(client):
    """Its read-only fields (`id`, `created_at`) are ignored, not refused:
    a client may change a row it read and send the whole of it back."""
    first = author(client, "ann")
    second = author(client, "bob")
    row = post(client, first["id"])
    url = f"/api/posts/{row['id']}"
    sent = client.get(url).json | {"title": "changed", "id": UNKNOWN_ID}
    changed = client.patch(url, json=sent)
    assert changed.status_code == 200, changed.json
    assert changed.json == row | {"title": "changed"}
    read = client.get(f"/api/authors/{second['id']}").json
    assert "created_at" in read
    patched = client.patch(f"/api/authors/{second['id']}", json=read)
    assert patched.status_code == 200 and patched.json == read
    copy = client.post("/api/posts", json=changed.json)
    assert copy.status_code == 201, copy.json
    assert copy.json["id"] not in (row["id"], UNKNOWN_ID)


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_body_must_be_json(client, method):
    """No body is a 400, a body of another type a 415; neither changes a row."""
    writer = author(client)
    row = post(client, writer["id"])
    url = "/api/posts" if method == "post" else f"/api/posts/{row['id']}"
    send = getattr(client, method)
    body = json.dumps({"title": "changed", "author_id": writer["id"]})
    assert "no body" in error(send(url), 400)["message"]
    empty = send(url, data="", content_type="application/json")
    assert "no body" in error(empty, 400)["message"]
    for content_type in ["text/plain", "application/x-www-form-urlencoded"]:
        response = send(url, data=body, content_type=content_type)
        assert "application/json" in error(response, 415)["message"]
    assert client.get(f"/api/posts/{row['id']}").json == row
    assert len(client.get("/api/posts").json) == 1


def test_required_fields_and_passwords(client):
    response = error(client.post("/api/posts", json={"author_id": 1}), 422)
    assert list(response["errors"]["json"]) == ["title"]
    response = error(client.post("/api/authors", json={"name": "ann"}), 422)
    assert list(response["errors"]["json"]) == ["password"]
    row = author(client)
    response = client.patch(f"/api/authors/{row['id']}", json={"name": None})
    assert "name" in error(response, 422)["errors"]["json"]


def test_malformed_json_unknown_rows_and_urls(client):
    malformed = {"data": "{", "content_type": "application/json"}
    error(client.post("/api/tags", **malformed), 400)
    tag = client.post("/api/tags", json={"name": "t"}).json
    error(client.patch(f"/api/tags/{tag['id']}", **malformed), 400)
    assert (
        str(UNKNOWN_ID) in error(client.get(f"/api/tags/{UNKNOWN_ID}"), 404)["message"]
    )
    error(client.patch(f"/api/tags/{UNKNOWN_ID}", json={}), 404)
    error(client.delete(f"/api/tags/{UNKNOWN_ID}"), 404)
    for path in [
        "no_such_table",
        "1",
        "tags/1/x",
        "tags/0",
        f"tags/{2**31}",
        "serials",
    ]:
        error(client.get(f"/api/{path}"), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "", "GET, HEAD, OPTIONS, POST"),
        ("delete", "", "GET, HEAD, OPTIONS, POST"),
        ("post", "/1", "DELETE, GET, HEAD, OPTIONS, PATCH"),
    ],
)
def test_other_methods_are_405_naming_the_allowed(client, method, path, allowed):
    response = getattr(client, method)(f"/api/tags{path}")
    error(response, 405)
    assert response.headers["Allow"] == allowed


def test_request_limits(client, app, monkeypatch):
    deep = "[" * 40 + "]" * 40
    error(client.post("/api/tags", data=deep, content_type="application/json"), 400)
    long_integer = '{"name": "t", "x": ' + "9" * 101 + "}"
    error(
        client.post("/api/tags", data=long_integer, content_type="application/json"),
        422,
    )
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    body = json.dumps({"name": "x" * 2000})
    error(client.post("/api/tags", data=body, content_type="application/json"), 413)
