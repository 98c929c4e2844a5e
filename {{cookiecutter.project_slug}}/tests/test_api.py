{%- set plan = cookiecutter.__models | api_plan(cookiecutter.timestamps) -%}
"""The REST API over HTTP: every operation and every error, for every model.

Payloads come from RESOURCES below; a test that needs rows makes them through
the API itself, with the rows their required references name.
"""

import base64
import collections
import datetime
import decimal
import json
import uuid
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import models
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.resources import MAX_PER_PAGE


class Reference(NamedTuple):
    """A many-to-one link, read and written as the id of its row."""

    field: str
    target: str  # the table of the row it names
    required: bool
    unique: bool


class Link(NamedTuple):
    """A many-to-many link, read and written as the ids of its rows."""

    field: str
    target: str


class Resource(NamedTuple):
    model: type
    # A value for every column, as JSON, but the references.
    sample: dict
    # A value of the wrong type for every column.
    wrong_types: dict
    # What a create must hold.
    required: list
    # What the database keeps unique.
    unique: list
    references: list
    links: list


RESOURCES = {
{%- for entry in plan.test_resources %}
    {{ entry }}
{%- endfor %}
}


def cases(attribute):
    """One pytest case per (table, item) of the resources' `attribute` lists."""
    return [
        pytest.param(table, item, id=f"{table}.{getattr(item, 'field', item)}")
        for table, resource in RESOURCES.items()
        for item in getattr(resource, attribute)
    ]


def columns(table):
    return RESOURCES[table].model.__table__.columns


def other_value(value, n, column):
    """`value` (as JSON) changed for row `n` of a test, within the column's type."""
    column_type = column.type
    if isinstance(column_type, sa.Enum):
        values = column_type.enums
        return values[(values.index(value) + n) % len(values)]
    if isinstance(column_type, sa.Boolean):
        return value if n % 2 == 0 else not value
    if isinstance(column_type, sa.String):
        numbered = f"{value}-{n}"
        return numbered[len(numbered) - (column_type.length or len(numbered)) :]
    if isinstance(column_type, sa.Float):
        return value + n
    if isinstance(column_type, sa.Numeric):
        step = decimal.Decimal(n).scaleb(-column_type.scale)
        return str(decimal.Decimal(value) + step)
    if isinstance(column_type, sa.DateTime):
        moment = datetime.datetime.fromisoformat(value)
        return (moment + datetime.timedelta(minutes=n)).isoformat()
    if isinstance(column_type, sa.Date):
        return (datetime.date.fromisoformat(value) + datetime.timedelta(n)).isoformat()
    if isinstance(column_type, sa.Time):
        time = datetime.time.fromisoformat(value)
        return time.replace(minute=(time.minute + n) % 60).isoformat()
    if isinstance(column_type, sa.Uuid):
        return str(uuid.UUID(int=uuid.UUID(value).int + n))
    if isinstance(column_type, sa.LargeBinary):
        return base64.b64encode(base64.b64decode(value) + bytes([n % 256])).decode()
    if isinstance(column_type, sa.JSON):
        return {**value, "n": n}
    return value + n


def capacity(table, wanted):
    """How many rows of `table`, up to `wanted`, `Api` can make: no more than
    `other_value` has values for its unique columns, nor than it can make of
    each table a required reference names (every row gets a new one)."""
    limits = [wanted]
    for reference in RESOURCES[table].references:
        if reference.required:
            limits.append(capacity(reference.target, wanted))
    for name in RESOURCES[table].unique:
        column_type = columns(table)[name].type
        if isinstance(column_type, sa.Enum):
            limits.append(len(column_type.enums))
        elif isinstance(column_type, sa.String) and column_type.length:
            # The last digits of the row's number, in a very short string.
            limits.append(10 ** min(column_type.length, 3))
    return min(limits)


class Api:
    """Makes rows through the API: each with values of its own in its unique
    fields, and with a row of its own for each required reference.

    A payload holds the values of the next row `create` makes, so a payload
    the API refuses uses up none of the few values some columns have.
    """

    def __init__(self, client):
        self.client = client
        self.made = collections.Counter()

    def payload(self, table, **overrides):
        resource = RESOURCES[table]
        values = {
            reference.field: self.create(reference.target)["id"]
            for reference in resource.references
            if reference.required and reference.field not in overrides
        }
        values |= resource.sample
        for name in resource.unique:
            if name in resource.sample:
                column = columns(table)[name]
                values[name] = other_value(values[name], self.made[table], column)
        return values | overrides

    def complete_payload(self, table):
        """A payload with every field set, the optional links included."""
        resource = RESOURCES[table]
        links = {
            reference.field: self.create(reference.target)["id"]
            for reference in resource.references
            if not reference.required
        }
        for link in resource.links:
            links[link.field] = [self.create(link.target)["id"]]
        return self.payload(table, **links)

    def create(self, table, **overrides):
        payload = self.payload(table, **overrides)
        response = self.client.post(f"/api/{table}", json=payload)
        assert response.status_code == 201, response.json
        self.made[table] += 1
        return response.json


@pytest.fixture
def api(client: FlaskClient, db_session):
    return Api(client)


def assert_error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    assert response.json["code"] == status
    return response.json


tables = pytest.mark.parametrize("table", list(RESOURCES))


@tables
def test_create_answers_the_row_and_where_it_is(api, client, table):
    payload = api.complete_payload(table)
    response = client.post(f"/api/{table}", json=payload)
    assert response.status_code == 201, response.json
    row = response.json
    assert row == {**row, **payload}
    assert response.headers["Location"] == f"/api/{table}/{row['id']}"
    assert client.get(response.headers["Location"]).json == row


@tables
def test_create_needs_only_the_required_fields(api, client, table):
    payload = api.payload(table)
    minimal = {name: payload[name] for name in RESOURCES[table].required}
    response = client.post(f"/api/{table}", json=minimal)
    assert response.status_code == 201, response.json


@tables
def test_list_pages_through_every_row_in_id_order(api, client, table):
    made = [api.create(table)["id"] for _ in range(capacity(table, 3))]
    pages, url = [], f"/api/{table}?per_page=2"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append([row["id"] for row in response.json])
        metadata = json.loads(response.headers["X-Pagination"])
        assert metadata["total"] == len(made)
        links = response.headers["Link"].split(", ")
        url = next(
            (link[1 : link.index(">")] for link in links if 'rel="next"' in link), None
        )
    assert [row_id for page in pages for row_id in page] == sorted(made)
    assert all(len(page) == 2 for page in pages[:-1])


@tables
def test_a_page_past_the_last_is_empty(api, client, table):
    api.create(table)
    response = client.get(f"/api/{table}?page=3&per_page=1")
    assert response.status_code == 200
    assert response.json == []
    assert json.loads(response.headers["X-Pagination"])["total"] == 1


@tables
@pytest.mark.parametrize(
    "query", ["per_page=0", f"per_page={MAX_PER_PAGE + 1}", "page=0", "page=first"]
)
def test_page_parameters_are_checked(client, table, query):
    error = assert_error(client.get(f"/api/{table}?{query}"), 422)
    assert query.split("=")[0] in error["errors"]["query"]


@tables
def test_listing_takes_the_same_queries_for_any_page_size(api, client, table):
    """The links of a page's rows come in one query each (no N+1)."""
    resource = RESOURCES[table]
    linked = {link.field: [api.create(link.target)["id"]] for link in resource.links}
    rows = capacity(table, 21)
    if rows < 2:
        pytest.skip(f"only one row of {table} can exist")
    for _ in range(rows):
        api.create(table, **linked)
    counts = {}
    for per_page in (1, rows):
        statements = []

        def count(conn, cursor, statement, *args, statements=statements):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/api/{table}?per_page={per_page}")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        assert len(response.json) == per_page
        counts[per_page] = len(statements)
    assert counts[1] == counts[rows], counts


@tables
def test_read_an_unknown_row_is_404(client, table):
    error = assert_error(client.get(f"/api/{table}/2147483647"), 404)
    assert "2147483647" in error["message"]


@pytest.mark.parametrize(
    ("table", "field"),
    [
        pytest.param(table, field, id=f"{table}.{field}")
        for table, resource in RESOURCES.items()
        for field in resource.sample
    ],
)
def test_patch_changes_only_the_field_given(api, client, table, field):
    row = api.create(table)
    value = other_value(row[field], 1, columns(table)[field])
    response = client.patch(f"/api/{table}/{row['id']}", json={field: value})
    assert response.status_code == 200, response.json
    changed = response.json
    assert changed[field] == value
    unchanged = {name for name in row if name not in (field, "updated_at")}
    assert {name: changed[name] for name in unchanged} == {
        name: row[name] for name in unchanged
    }
    assert client.get(f"/api/{table}/{row['id']}").json == changed


@tables
def test_patch_of_an_unknown_row_is_404(client, table):
    assert_error(client.patch(f"/api/{table}/2147483647", json={}), 404)


@tables
def test_delete_removes_the_row(api, client, table):
    row = api.create(table)
    response = client.delete(f"/api/{table}/{row['id']}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_error(client.get(f"/api/{table}/{row['id']}"), 404)
    assert_error(client.delete(f"/api/{table}/{row['id']}"), 404)


{%- if "required" in plan.test_kinds %}


@pytest.mark.parametrize(("table", "field"), cases("required"))
def test_a_required_field_cannot_be_left_out_or_emptied(api, client, table, field):
    payload = api.payload(table)
    del payload[field]
    error = assert_error(client.post(f"/api/{table}", json=payload), 422)
    assert field in error["errors"]["json"]
    row = api.create(table)
    response = client.patch(f"/api/{table}/{row['id']}", json={field: None})
    assert field in assert_error(response, 422)["errors"]["json"]
{%- endif %}


@pytest.mark.parametrize(
    ("table", "field"),
    [
        pytest.param(table, field, id=f"{table}.{field}")
        for table, resource in RESOURCES.items()
        for field in resource.wrong_types
    ],
)
def test_a_value_of_the_wrong_type_is_422_naming_the_field(api, client, table, field):
    wrong = RESOURCES[table].wrong_types[field]
    payload = api.payload(table, **{field: wrong})
    error = assert_error(client.post(f"/api/{table}", json=payload), 422)
    assert list(error["errors"]["json"]) == [field]
    row = api.create(table)
    response = client.patch(f"/api/{table}/{row['id']}", json={field: wrong})
    assert list(assert_error(response, 422)["errors"]["json"]) == [field]


@tables
@pytest.mark.parametrize("field", ["id", "no_such_field"])
def test_fields_outside_the_schema_are_refused(api, client, table, field):
    payload = api.payload(table, **{field: 1})
    error = assert_error(client.post(f"/api/{table}", json=payload), 422)
    assert field in error["errors"]["json"]


@tables
@pytest.mark.parametrize("method", ["post", "patch"])
def test_malformed_json_is_400(api, client, table, method):
    url = f"/api/{table}"
    if method == "patch":
        url += f"/{api.create(table)['id']}"
    response = getattr(client, method)(url, data="{", content_type="application/json")
    assert_error(response, 400)
{%- if "unique" in plan.test_kinds %}


@pytest.mark.parametrize(("table", "field"), cases("unique"))
def test_a_taken_unique_value_is_409_naming_the_field(api, client, table, field):
    # An optional reference is empty unless given, and NULLs are never taken.
    reference = {r.field: r for r in RESOURCES[table].references}.get(field)
    taken = {field: api.create(reference.target)["id"]} if reference else {}
    first = api.create(table, **taken)
    payload = api.payload(table, **{field: first[field]})
    error = assert_error(client.post(f"/api/{table}", json=payload), 409)
    assert field in error["message"]
    second = api.create(table)
    response = client.patch(f"/api/{table}/{second['id']}", json={field: first[field]})
    assert field in assert_error(response, 409)["message"]
{%- endif %}
{%- if "references" in plan.test_kinds %}


@pytest.mark.parametrize(("table", "reference"), cases("references"))
def test_a_reference_reads_and_changes_as_an_id(api, client, table, reference):
    target, other = api.create(reference.target), api.create(reference.target)
    row = api.create(table, **{reference.field: target["id"]})
    assert row[reference.field] == target["id"]
    url = f"/api/{table}/{row['id']}"
    changed = client.patch(url, json={reference.field: other["id"]})
    assert changed.json[reference.field] == other["id"]
    if not reference.required:
        emptied = client.patch(url, json={reference.field: None})
        assert emptied.json[reference.field] is None


@pytest.mark.parametrize(("table", "reference"), cases("references"))
def test_a_reference_to_no_row_is_409(api, client, table, reference):
    payload = api.payload(table, **{reference.field: 2147483647})
    error = assert_error(client.post(f"/api/{table}", json=payload), 409)
    assert reference.field in error["errors"]["json"]


@pytest.mark.parametrize(("table", "reference"), cases("references"))
def test_deleting_a_referred_row(api, client, table, reference):
    """A required reference keeps its row; an optional one lets go of it."""
    target = api.create(reference.target)
    row = api.create(table, **{reference.field: target["id"]})
    response = client.delete(f"/api/{reference.target}/{target['id']}")
    if reference.required:
        assert "still referred to" in assert_error(response, 409)["message"]
        assert client.get(f"/api/{table}/{row['id']}").status_code == 200
    else:
        assert response.status_code == 204
        remaining = client.get(f"/api/{table}/{row['id']}").json
        assert remaining[reference.field] is None
{%- endif %}
{%- if "self_references" in plan.test_kinds %}


@pytest.mark.parametrize(
    ("table", "reference"),
    [case for case in cases("references") if case.values[0] == case.values[1].target],
)
def test_a_row_that_refers_to_itself_can_be_deleted(api, client, table, reference):
    row = api.create(table)
    url = f"/api/{table}/{row['id']}"
    assert client.patch(url, json={reference.field: row["id"]}).status_code == 200
    assert client.delete(url).status_code == 204
{%- endif %}
{%- if "links" in plan.test_kinds %}


@pytest.mark.parametrize(("table", "link"), cases("links"))
def test_a_link_reads_and_changes_as_ids(api, client, table, link):
    first, second = api.create(link.target), api.create(link.target)
    row = api.create(table, **{link.field: [first["id"]]})
    assert row[link.field] == [first["id"]]
    url = f"/api/{table}/{row['id']}"
    both = client.patch(url, json={link.field: [second["id"], first["id"]]})
    assert both.json[link.field] == sorted([first["id"], second["id"]])
    assert client.patch(url, json={link.field: []}).json[link.field] == []


@pytest.mark.parametrize(("table", "link"), cases("links"))
def test_a_link_to_no_row_is_409(api, client, table, link):
    payload = api.payload(table, **{link.field: [2147483647]})
    error = assert_error(client.post(f"/api/{table}", json=payload), 409)
    assert link.field in error["errors"]["json"]
{%- endif %}


@tables
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "", "GET, HEAD, OPTIONS, POST"),
        ("delete", "", "GET, HEAD, OPTIONS, POST"),
        ("post", "/1", "DELETE, GET, HEAD, OPTIONS, PATCH"),
    ],
)
def test_other_methods_are_405_naming_the_allowed(client, table, method, path, allowed):
    response = getattr(client, method)(f"/api/{table}{path}")
    assert_error(response, 405)
    assert response.headers["Allow"] == allowed


@pytest.mark.parametrize("path", ["no_such_table", "1", f"{next(iter(RESOURCES))}/1/x"])
def test_unknown_urls_under_api_are_404_json(client, path):
    assert_error(client.get(f"/api/{path}"), 404)


def test_the_openapi_document_describes_every_operation(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    for table, resource in RESOURCES.items():
        name = resource.model.__name__
        path = f"/api/{table}"
        assert set(document["paths"][path]) == {"get", "post"}
        item = document["paths"][path + "/{row_id}"]
        assert set(item) == {"get", "patch", "delete", "parameters"}
        assert set(item["patch"]["responses"]) == {
            "200",
            "400",
{%- if cookiecutter.api_auth %}
            "401",
            "403",
{%- endif %}
            "404",
            "409",
            "422",
        }
        schema = document["components"]["schemas"][name]
        assert set(resource.required) <= set(schema.get("required", []))
        for link in resource.links:
            assert schema["properties"][link.field]["type"] == "array"


def test_the_interactive_docs_are_served(client):
    response = client.get("/api/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "/api/openapi.json" in response.get_data(as_text=True)
