"""The REST API over HTTP: every operation and every error, for every model
it serves.

The cases come from what the app serves (flask_db_kit.api.served_models and
each model's schema), and the payloads from the factories, so a model or a column
added to models.py is tested here too. A test makes the rows it is about
through the API itself; the rows they refer or link to, and the many rows a
listing needs, are made in the database (the API's own creation of every
model is tested by the tests of create).
"""

import base64
import collections
import functools
import json

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from marshmallow import fields

from flask_db_kit.api import MAX_PER_PAGE, JsonBoolean, JsonFloat, JsonInteger, RowIds
from flask_db_kit.factories import ROWS_MADE, RowMaker, capacity, factory_for
from flask_db_kit.testing import model_facts
from flask_db_kit.testing.project import current

PROJECT = current()
db = PROJECT.db
MODELS = PROJECT.served_models()
UNKNOWN_ID = 2147483647
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def table(model):
    return model.__tablename__


# What each model's schema holds, read once a run.
@functools.cache
def schema_instance(model):
    return PROJECT.schema_of(model)()


def schema_fields(model):
    return schema_instance(model).fields


@functools.cache
def writable(model):
    """The fields a request may give."""
    return {name: f for name, f in schema_fields(model).items() if not f.dump_only}


@functools.cache
def write_only(model):
    """The fields a request may give and no response shows: secrets, passwords."""
    return tuple(name for name, field in writable(model).items() if field.load_only)


def readable(values, model):
    """`values` without the write-only fields, as a response would show them."""
    hidden = write_only(model)
    return {name: value for name, value in values.items() if name not in hidden}


@functools.cache
def required(model):
    return tuple(name for name, field in writable(model).items() if field.required)


@functools.cache
def scalar_fields(model):
    """Writable fields but references and links (write-only ones included)."""
    keys = {reference.key for reference in model_facts.references(model)}
    return tuple(
        name
        for name, field in writable(model).items()
        if name not in keys and not isinstance(field, RowIds)
    )


@functools.cache
def links(model):
    """name -> target model, for each many-to-many link the schema shows."""
    mapper = sa.inspect(model)
    return {
        name: mapper.relationships[field.attribute].mapper.class_
        for name, field in schema_fields(model).items()
        if isinstance(field, RowIds)
    }


@functools.cache
def unique_fields(model):
    return tuple(
        attributes[0]
        for attributes in model_facts.unique_attributes(model)
        if len(attributes) == 1
        and attributes[0] in writable(model)
        and attributes[0] not in write_only(model)
    )


def readable_scalar_fields(model):
    return [name for name in scalar_fields(model) if name not in write_only(model)]


@functools.cache
def nullable_with_default(model):
    """Fields a response shows and a request may set to null, whose column a
    new row left without gets a default for."""
    defaulted = model_facts.defaulted_attributes(model)
    fields_of = writable(model)
    return tuple(
        name
        for name in readable_scalar_fields(model)
        if fields_of[name].allow_none
        and (fields_of[name].attribute or name) in defaulted
    )


def wrong_types(field):
    """JSON values `field` refuses: of another JSON type, or (for the kit's
    numbers and booleans) one that a lenient reader would coerce."""
    if isinstance(field, JsonBoolean):
        return ["yes", 1]
    if isinstance(field, JsonInteger):
        return ["7", 2.5, True]
    if isinstance(field, JsonFloat):
        return ["4.5", True]
    if isinstance(field, fields.String | fields.Decimal):
        return [12345]  # text, and a decimal, come as JSON strings
    if isinstance(field, fields.List):
        return ["not a list"]
    if isinstance(field, fields.Dict):
        return [["not", "an", "object"]]
    return ["not-a-value"]


def cases(names_of):
    return [
        pytest.param(model, name, id=f"{model.__name__}.{name}")
        for model in MODELS
        for name in names_of(model)
    ]


def reference_cases():
    return [
        pytest.param(model, reference, id=str(reference))
        for model in MODELS
        for reference in model_facts.references(model)
        if reference.key in writable(model)
    ]


served = pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)


def served_with(names_of):
    """The served models that have some of `names_of(model)`, one test each,
    whose subtests take them one by one: a check of what no model has is left
    out (plugin.py)."""
    return pytest.mark.parametrize(
        "model",
        [model for model in MODELS if names_of(model)],
        ids=lambda model: model.__name__,
    )


def api_capacity(model, wanted):
    """How many rows of `model`, up to `wanted`, `Api` can make: no more than
    the factory has unique values for, nor than it can make of each table a
    required reference names (every row gets a new one)."""
    limits = [capacity(model, wanted)]
    for reference in model_facts.references(model):
        if reference.required and reference.target is not model:
            limits.append(api_capacity(reference.target, wanted))
    return min(limits)


class Api:
    """Makes rows through the API: values from the factories, and a row of
    its own for each required reference (made in the database: see `target`).

    A payload holds the values of the next row `create` makes, so a payload
    the API refuses uses up none of the few values some columns have.
    """

    def __init__(self, client, session):
        self.client = client
        self.rows = RowMaker(session)

    def payload(self, model, **overrides):
        """A JSON body for a new row of `model`, required references set."""
        number = ROWS_MADE[model]
        values = factory_for(model).process_kwargs()
        ROWS_MADE[model] = number  # taken when `create` makes the row
        body = schema_instance(model).dump(values)
        body = {name: body[name] for name in scalar_fields(model) if name in body}
        fields_of = writable(model)
        for name in write_only(model):
            # dump leaves write-only fields out: their values, as a client sends them.
            field = fields_of[name]
            value = values.get(field.attribute or name)
            if value is None:  # a password: the row keeps only its hash
                value = f"pw-{model.__name__}-{number}"
            body[name] = field._serialize(value, name, values)
        for reference in model_facts.references(model):
            if reference.required and reference.key not in overrides:
                body[reference.key] = self.target(reference.target)[referred(reference)]
        return body | overrides

    def complete_payload(self, model):
        """A payload with every field set, the optional links included."""
        optional = {
            reference.key: self.target(reference.target)[referred(reference)]
            for reference in model_facts.references(model)
            if not reference.required and reference.key in writable(model)
        }
        for name, target in links(model).items():
            optional[name] = [self.target(target)["id"]]
        return self.payload(model, **optional)

    def target(self, model):
        """A row for a reference or a link to point at, made in the database
        and committed, as {"id": its key}: a test is about the row that
        points at it, and a POST (whose answer, for a model many others
        link to, loads every link) would cost several times as much."""
        row = self.rows.make(model)
        db.session.commit()
        # Its key as JSON, as a reference to it reads and is written (the key
        # alone: dumping the row would load every link of it).
        [key] = sa.inspect(model).primary_key
        attribute = model_facts.attribute_of(model, key)
        found = {"id": schema_fields(model)[attribute].serialize(attribute, row)}
        # The fields that references point at instead of the key (`:to=`).
        for name in referred_attributes(model):
            found[name] = schema_fields(model)[name].serialize(name, row)
        return found

    def create(self, model, **overrides):
        if model not in MODELS:  # not served: made in the database
            return self.target(model)
        payload = self.payload(model, **overrides)
        response = self.client.post(f"/api/{table(model)}", json=payload)
        assert response.status_code == 201, response.json
        ROWS_MADE[model] += 1
        return response.json


@pytest.fixture
def api(client: FlaskClient, db_session):
    return Api(client, db_session)


def assert_error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    assert response.json["code"] == status
    return response.json


@served
def test_create_answers_the_row_and_where_it_is(api, client, model):
    payload = api.complete_payload(model)
    response = client.post(f"/api/{table(model)}", json=payload)
    assert response.status_code == 201, response.json
    row = response.json
    assert row == {**row, **readable(payload, model)}
    assert not set(write_only(model)) & set(row)
    assert response.headers["Location"] == f"/api/{table(model)}/{row['id']}"
    assert client.get(response.headers["Location"]).json == row


@served
def test_create_needs_only_the_required_fields(api, client, model):
    payload = api.payload(model)
    minimal = {name: payload[name] for name in required(model)}
    response = client.post(f"/api/{table(model)}", json=minimal)
    assert response.status_code == 201, response.json


@served
def test_list_pages_through_every_row_in_id_order(api, client, model):
    made = [api.target(model)["id"] for _ in range(api_capacity(model, 3))]
    pages, url = [], f"/api/{table(model)}?per_page=2"
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


@served
def test_a_page_past_the_last_is_empty(api, client, model):
    api.target(model)
    response = client.get(f"/api/{table(model)}?page=3&per_page=1")
    assert response.status_code == 200
    assert response.json == []
    assert json.loads(response.headers["X-Pagination"])["total"] == 1


BAD_PAGES = ["per_page=0", f"per_page={MAX_PER_PAGE + 1}", "page=0", "page=first"]


@served
def test_page_parameters_are_checked(client, model, subtests):
    for query in BAD_PAGES:
        with subtests.test(query=query):
            error = assert_error(client.get(f"/api/{table(model)}?{query}"), 422)
            assert query.split("=")[0] in error["errors"]["query"]


@served
def test_listing_takes_the_same_queries_for_any_page_size(api, client, model):
    """The links of a page's rows come in one query each (no N+1): a page of
    one row and a page of five take as many. The rows are made in the
    database: the listing is what is measured."""
    linked = {
        schema_fields(model)[name].attribute or name: [api.rows.make(target)]
        for name, target in links(model).items()
    }
    # A link of the model to itself made rows of it already, out of its capacity.
    made = sum(target is model for target in links(model).values())
    count = api_capacity(model, 5 + made) - made
    for _ in range(count):
        api.rows.make(model, **linked)
    db.session.commit()
    statements = collections.Counter()

    def note(conn, cursor, statement, *args):
        # Not the savepoints the test's transaction is made of (fixtures.py).
        if not statement.lstrip().upper().startswith(SAVEPOINTS):
            statements[per_page] += 1

    for per_page in sorted({1, count}):
        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            response = client.get(f"/api/{table(model)}?per_page={per_page}")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        assert response.status_code == 200
        assert len(response.json) == per_page
    assert statements[1] == statements[count], statements


@served_with(nullable_with_default)
def test_a_null_given_is_kept_over_the_default(api, client, model, subtests):
    for name in nullable_with_default(model):
        with subtests.test(field=name):
            row = api.create(model, **{name: None})
            assert row[name] is None
            assert client.get(f"/api/{table(model)}/{row['id']}").json[name] is None


@served
def test_read_an_unknown_row_is_404(client, model):
    error = assert_error(client.get(f"/api/{table(model)}/{UNKNOWN_ID}"), 404)
    assert str(UNKNOWN_ID) in error["message"]


@served_with(readable_scalar_fields)
def test_patch_changes_only_the_field_given(api, client, model, subtests):
    """One row, each field changed in turn; the row read back at the end
    holds every change."""
    row = api.create(model)
    url = f"/api/{table(model)}/{row['id']}"
    dump_only = {name for name, f in schema_fields(model).items() if f.dump_only}
    for field in readable_scalar_fields(model):
        with subtests.test(field=field):
            # The value of the model's next row: of the column's type, and unique.
            value = api.payload(model)[field]
            response = client.patch(url, json={field: value})
            assert response.status_code == 200, response.json
            changed = response.json
            assert changed[field] == value
            unchanged = {name for name in row if name != field} - dump_only
            assert {name: changed[name] for name in unchanged} == {
                name: row[name] for name in unchanged
            }
            row = changed
    assert client.get(url).json == row


@served
def test_patch_of_an_unknown_row_is_404(client, model):
    assert_error(client.patch(f"/api/{table(model)}/{UNKNOWN_ID}", json={}), 404)


@served
def test_delete_removes_the_row(api, client, model):
    row = api.target(model)
    response = client.delete(f"/api/{table(model)}/{row['id']}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_error(client.get(f"/api/{table(model)}/{row['id']}"), 404)
    assert_error(client.delete(f"/api/{table(model)}/{row['id']}"), 404)


@pytest.mark.parametrize(("model", "field"), cases(required))
def test_a_required_field_cannot_be_left_out_or_emptied(api, client, model, field):
    payload = api.payload(model)
    del payload[field]
    error = assert_error(client.post(f"/api/{table(model)}", json=payload), 422)
    assert field in error["errors"]["json"]
    row = api.target(model)
    response = client.patch(f"/api/{table(model)}/{row['id']}", json={field: None})
    assert field in assert_error(response, 422)["errors"]["json"]


@served_with(writable)
def test_a_value_of_the_wrong_type_is_422_naming_the_field(
    api, client, model, subtests
):
    row = api.target(model)
    for field, schema_field in writable(model).items():
        with subtests.test(field=field):
            for wrong in wrong_types(schema_field):
                payload = api.payload(model, **{field: wrong})
                response = client.post(f"/api/{table(model)}", json=payload)
                assert list(assert_error(response, 422)["errors"]["json"]) == [field]
                url = f"/api/{table(model)}/{row['id']}"
                response = client.patch(url, json={field: wrong})
                assert list(assert_error(response, 422)["errors"]["json"]) == [field]


@served
def test_fields_outside_the_schema_are_refused(api, client, model):
    payload = api.payload(model, no_such_field=1)
    error = assert_error(client.post(f"/api/{table(model)}", json=payload), 422)
    assert list(error["errors"]["json"]) == ["no_such_field"]


@served
def test_a_row_read_can_be_sent_back(api, client, model):
    """Its read-only fields (`id`, `created_at`) are ignored, not refused."""
    row = api.create(model)
    url = f"/api/{table(model)}/{row['id']}"
    read = client.get(url).json
    response = client.patch(url, json=read | {"id": UNKNOWN_ID})
    assert response.status_code == 200, response.json
    assert response.json["id"] == row["id"]
    dump_only = {name for name, f in schema_fields(model).items() if f.dump_only}
    kept = set(read) - dump_only
    assert {name: response.json[name] for name in kept} == {
        name: read[name] for name in kept
    }


@served
def test_malformed_json_or_no_body_is_400_another_type_415(api, client, model):
    url = f"/api/{table(model)}"
    row_url = f"{url}/{api.target(model)['id']}"
    malformed = {"data": "{", "content_type": "application/json"}
    as_text = {"data": json.dumps(api.payload(model)), "content_type": "text/plain"}
    for send, to in [(client.post, url), (client.patch, row_url)]:
        assert_error(send(to, **malformed), 400)
        assert_error(send(to), 400)
        assert_error(send(to, **as_text), 415)


@pytest.mark.parametrize(("model", "field"), cases(unique_fields))
def test_a_taken_unique_value_is_409_naming_the_field(api, client, model, field):
    # An optional reference is empty unless given, and NULLs are never taken.
    reference = {r.key: r for r in model_facts.references(model)}.get(field)
    taken = (
        {field: api.target(reference.target)[referred(reference)]} if reference else {}
    )
    first = api.create(model, **taken)
    payload = api.payload(model, **{field: first[field]})
    error = assert_error(client.post(f"/api/{table(model)}", json=payload), 409)
    assert field in error["message"]
    if api_capacity(model, 2) < 2:
        return  # the first row took the only value: no second row to change
    second = api.target(model)
    url = f"/api/{table(model)}/{second['id']}"
    response = client.patch(url, json={field: first[field]})
    assert field in assert_error(response, 409)["message"]


@pytest.mark.parametrize(("model", "reference"), reference_cases())
def test_a_reference_reads_and_changes_as_an_id(api, client, model, reference):
    target, other = api.target(reference.target), api.target(reference.target)
    key = referred(reference)
    row = api.create(model, **{reference.key: target[key]})
    assert row[reference.key] == target[key]
    url = f"/api/{table(model)}/{row['id']}"
    changed = client.patch(url, json={reference.key: other[key]})
    assert changed.json[reference.key] == other[key]
    if not reference.required:
        emptied = client.patch(url, json={reference.key: None})
        assert emptied.json[reference.key] is None


def referred(reference) -> str:
    """Where `Api.target` keeps what a reference holds: "id", or the field its
    foreign key points at."""
    return reference.referred or "id"


def referred_attributes(model) -> set[str]:
    return {
        reference.referred
        for source in PROJECT.mapped_models()
        for reference in model_facts.references(source)
        if reference.target is model and reference.referred is not None
    }


def unknown_key(model, reference):
    """A key of the reference's type that names no row."""
    column_type = sa.inspect(model).columns[reference.key].type
    if isinstance(column_type, sa.Uuid):
        return "00000000-0000-0000-0000-000000000000"
    if isinstance(column_type, sa.String):
        return "z" * min(column_type.length or 10, 10)
    # Before the factories' first moment (see factories.distinct).
    if isinstance(column_type, sa.DateTime):
        return "1999-12-31T00:00:00+00:00"
    if isinstance(column_type, sa.Date):
        return "1999-12-31"
    if isinstance(column_type, sa.Time):
        return "23:59:59"
    return UNKNOWN_ID


@pytest.mark.parametrize(("model", "reference"), reference_cases())
def test_a_reference_to_no_row_is_409(api, client, model, reference):
    payload = api.payload(model, **{reference.key: unknown_key(model, reference)})
    error = assert_error(client.post(f"/api/{table(model)}", json=payload), 409)
    assert reference.key in error["errors"]["json"]


@pytest.mark.parametrize(
    ("model", "reference"),
    [case for case in reference_cases() if case.values[1].target in MODELS],
)
def test_deleting_a_referred_row(api, client, model, reference):
    """As the foreign key says: ON DELETE CASCADE deletes the row that refers
    to it, SET NULL lets go of it, and a reference without either (optional
    or not) keeps its target: the database refuses the delete (409)."""
    # A target made last, that no other row refers to (the row's other
    # references may get targets that refer to an earlier one, and a cascade
    # from there would take the row along).
    row = api.create(model)
    target = api.target(reference.target)
    row_url = f"/api/{table(model)}/{row['id']}"
    changed = client.patch(row_url, json={reference.key: target[referred(reference)]})
    assert changed.status_code == 200, changed.json
    response = client.delete(f"/api/{table(reference.target)}/{target['id']}")
    if reference.on_delete == "CASCADE":
        assert response.status_code == 204, response.json
        assert_error(client.get(row_url), 404)
    elif reference.on_delete == "SET NULL":
        assert response.status_code == 204, response.json
        assert client.get(row_url).json[reference.key] is None
    else:
        assert "still referred to" in assert_error(response, 409)["message"]
        assert client.get(row_url).status_code == 200


@pytest.mark.parametrize(
    ("model", "reference"),
    [case for case in reference_cases() if case.values[1].target is case.values[0]],
)
def test_a_row_that_refers_to_itself_can_be_deleted(api, client, model, reference):
    row = api.target(model)
    url = f"/api/{table(model)}/{row['id']}"
    assert client.patch(url, json={reference.key: row["id"]}).status_code == 200
    assert client.delete(url).status_code == 204


@served_with(links)
def test_links_read_and_change_as_ids(api, client, model, subtests):
    """Every link of a row at once: set to one row, to two, to none."""
    # Two rows of each model linked to, shared by the links to it.
    targets = {
        target: (api.target(target), api.target(target))
        for target in dict.fromkeys(links(model).values())
    }
    pairs = {field: targets[target] for field, target in links(model).items()}
    row = api.create(
        model, **{field: [first["id"]] for field, (first, _) in pairs.items()}
    )
    url = f"/api/{table(model)}/{row['id']}"
    both = client.patch(
        url,
        json={
            field: [second["id"], first["id"]]
            for field, (first, second) in pairs.items()
        },
    )
    assert both.status_code == 200, both.json
    emptied = client.patch(url, json={field: [] for field in pairs})
    assert emptied.status_code == 200, emptied.json
    for field, (first, second) in pairs.items():
        with subtests.test(field=field):
            assert row[field] == [first["id"]]
            assert both.json[field] == sorted([first["id"], second["id"]])
            assert emptied.json[field] == []


@pytest.mark.parametrize(("model", "field"), cases(links))
def test_a_link_to_no_row_is_409(api, client, model, field):
    payload = api.payload(model, **{field: [UNKNOWN_ID]})
    error = assert_error(client.post(f"/api/{table(model)}", json=payload), 409)
    assert field in error["errors"]["json"]


OTHER_METHODS = [
    ("put", "", "GET, HEAD, OPTIONS, POST"),
    ("delete", "", "GET, HEAD, OPTIONS, POST"),
    ("post", "/1", "DELETE, GET, HEAD, OPTIONS, PATCH"),
]


@served
def test_other_methods_are_405_naming_the_allowed(client, model, subtests):
    for method, path, allowed in OTHER_METHODS:
        with subtests.test(method=method, path=path):
            response = getattr(client, method)(f"/api/{table(model)}{path}")
            assert_error(response, 405)
            assert response.headers["Allow"] == allowed


@pytest.mark.parametrize("path", ["no_such_table", "1", "no_such_table/1/x"])
def test_unknown_urls_under_api_are_404_json(client, path):
    assert_error(client.get(f"/api/{path}"), 404)


@pytest.fixture(scope="module")
def openapi_document(app):
    """The OpenAPI document, fetched once: it describes every model."""
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")
    return response.json


@served
def test_the_openapi_document_describes_every_operation(openapi_document, model):
    document = openapi_document
    path = f"/api/{table(model)}"
    assert set(document["paths"][path]) == {"get", "post"}
    item = document["paths"][path + "/{row_id}"]
    assert set(item) == {"get", "patch", "delete", "parameters"}
    with_tokens = {"401", "403"} if PROJECT.tokens else set()
    assert (
        set(item["patch"]["responses"])
        == {
            "200",
            "400",
            "404",
            "409",
            "413",
            "415",
            "422",
        }
        | with_tokens
    )
    # Responses read by a schema of their own, that requires every field
    # they hold; requests write by theirs.
    components = document["components"]["schemas"]
    response = components[model.__name__]
    shown = set(schema_fields(model)) - set(write_only(model))
    assert set(response["properties"]) == set(response["required"]) == shown
    create = components[f"{model.__name__}Create"]
    assert set(create["properties"]) == set(writable(model))
    assert set(required(model)) <= set(create.get("required", []))
    for field in links(model):
        assert response["properties"][field]["type"] == "array"
        assert create["properties"][field]["type"] == "array"


def test_the_interactive_docs_are_served(client):
    response = client.get("/api/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "/api/openapi.json" in response.get_data(as_text=True)


def hidden_values(model, row_id):
    """The values the database keeps in `model`'s secret columns of a row."""
    row = db.session.get(model, row_id)
    db.session.refresh(row)
    return [getattr(row, name) for name in model_facts.secret_attributes(model)]


def field_names(response):
    """The fields of the rows a response shows (none in an error's body)."""
    if response.status_code >= 400:
        return set()
    rows = response.json if isinstance(response.json, list) else [response.json]
    return {name for row in rows for name in row}


# Shorter values could be in a response by chance (an id, a digit of a date).
MIN_SECRET_LENGTH = 6


@functools.cache
def plain_column_fields(model):
    """The fields a response shows that each show a column of their own, not
    a secret one: their values are those columns', and may equal a secret by
    chance (a plain date and a secret date, both 2000-01-01)."""
    columns = set(sa.inspect(model).column_attrs.keys())
    columns -= set(model_facts.secret_attributes(model))
    return {
        name
        for name, field in schema_fields(model).items()
        if not field.load_only and (field.attribute or name) in columns
    }


def could_carry_a_secret(response, model):
    """The texts of a response a secret of `model` could show in: an error's
    whole body; in each row, the fields but those of plain columns."""
    if response.status_code >= 400:
        return [response.get_data(as_text=True)]
    rows = response.json if isinstance(response.json, list) else [response.json]
    plain = plain_column_fields(model)
    return [
        json.dumps(value)
        for row in rows
        for name, value in row.items()
        if name not in plain
    ]


@pytest.mark.parametrize(("model", "field"), cases(write_only))
def test_a_secret_is_taken_but_never_answered(api, client, model, field, caplog):
    """Accepted on create and change; in no response, no log line; writeOnly
    in the OpenAPI document."""
    payload = api.payload(model)
    created = client.post(f"/api/{table(model)}", json=payload)
    assert created.status_code == 201, created.json
    row = created.json
    url = f"/api/{table(model)}/{row['id']}"
    changed = api.payload(model)[field]
    patched = client.patch(url, json={field: changed})
    assert patched.status_code == 200, patched.json
    # Another row with those values: refused where a value is unique, and the
    # refusal shows no value either.
    again = client.post(f"/api/{table(model)}", json=payload | {field: changed})
    kept = db.session.get(model, row["id"])
    db.session.refresh(kept)
    if field in {password.name for password in model_facts.passwords(model)}:
        assert getattr(kept, f"check_{field}")(changed)
    else:
        schema_field = writable(model)[field]
        value = getattr(kept, schema_field.attribute or field)
        assert schema_field._serialize(value, field, kept) == changed
    secrets = {str(payload[field]), str(changed)}
    secrets |= {str(value) for value in hidden_values(model, row["id"]) if value}
    secrets = {secret for secret in secrets if len(secret) >= MIN_SECRET_LENGTH}
    answers = [created, patched, again, client.get(url)]
    answers.append(client.get(f"/api/{table(model)}"))
    for response in answers:
        assert field not in field_names(response)
        for text in could_carry_a_secret(response, model):
            for secret in secrets:
                assert secret not in text
    for record in caplog.records:
        for secret in secrets:
            assert secret not in record.getMessage()
    # writeOnly in the schemas of requests; not in that of responses.
    components = client.get("/api/openapi.json").json["components"]["schemas"]
    for name in (f"{model.__name__}Create", f"{model.__name__}Update"):
        assert components[name]["properties"][field]["writeOnly"] is True
    assert field not in components[model.__name__]["properties"]


def unique_sets(model):
    """Fields unique together (a composite unique constraint) a request gives."""
    shown = set(writable(model)) - set(write_only(model))
    return [
        attributes
        for attributes in model_facts.unique_attributes(model)
        if len(attributes) > 1 and set(attributes) <= shown
    ]


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        pytest.param(model, fields, id=f"{model.__name__}.{'+'.join(fields)}")
        for model in MODELS
        for fields in unique_sets(model)
    ],
)
def test_taken_values_of_a_unique_set_are_409_naming_the_fields(
    api, client, model, fields
):
    # Optional references are empty unless given, and NULLs are never taken.
    taken = {
        reference.key: api.target(reference.target)[referred(reference)]
        for reference in model_facts.references(model)
        if reference.key in fields and not reference.required
    }
    first = api.create(model, **taken)
    same = {field: first[field] for field in fields}
    payload = api.payload(model, **same)
    error = assert_error(client.post(f"/api/{table(model)}", json=payload), 409)
    assert all(field in error["message"] for field in fields), error
    second = api.target(model)
    response = client.patch(f"/api/{table(model)}/{second['id']}", json=same)
    message = assert_error(response, 409)["message"]
    assert all(field in message for field in fields), message


def sized_binaries(model):
    """Writable binary{n} fields: n bytes at most."""
    mapper = sa.inspect(model)
    return [
        name
        for name, field in writable(model).items()
        if name in mapper.columns
        and isinstance(mapper.columns[name].type, sa.LargeBinary)
        and mapper.columns[name].type.length
    ]


@pytest.mark.parametrize(("model", "field"), cases(sized_binaries))
def test_more_bytes_than_a_binary_holds_are_422(api, client, model, field):
    length = sa.inspect(model).columns[field].type.length
    fits = base64.b64encode(b"x" * length).decode()
    too_long = base64.b64encode(b"x" * (length + 1)).decode()
    url = f"/api/{table(model)}"
    response = client.post(url, json=api.payload(model, **{field: too_long}))
    assert list(assert_error(response, 422)["errors"]["json"]) == [field]
    response = client.post(url, json=api.payload(model, **{field: fits}))
    assert response.status_code == 201, response.json
    assert response.json.get(field, fits) == fits
