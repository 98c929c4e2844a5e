"""The API as an app gets it: made at first use (or by build_api), one Api
and one OpenAPI document per app, the overrides, and the start-up cost."""

import threading
import types

import pytest
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_db_kit.api import (
    Api,
    App,
    ModelSchemas,
    api_of,
    build_api,
    schema_for,
    schema_of,
    served_models,
)
from flask_db_kit.api.components import ModelComponents, component_name
from flask_smorest import Blueprint
from flask_sqlalchemy import SQLAlchemy
from kit_app import Author, Post, Serial, Tag, db, make_app, tokens
from marshmallow import fields
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


def test_the_routes_are_made_at_first_use(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'a.db'}")
    assert "Post.Collection" not in app.view_functions
    assert app.url_map.pending
    rules = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {
        "Post.Collection",
        "Post.Item",
        "docs.page",
        "api-docs.openapi_json",
    } <= rules
    assert not app.url_map.pending


def test_build_api_makes_routes_and_document_once(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'a.db'}")
    build_api(app)
    assert "Tag.Collection" in app.view_functions
    document = api_of(app)._spec.to_dict()
    assert "/api/tags/{row_id}" in document["paths"]
    build_api(app)  # once made, not made again
    assert api_of(app).spec.to_dict() == document


def test_threads_arriving_together_wait_for_one_to_make_the_routes(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'a.db'}")
    found = []

    def read():
        found.append(sum(1 for _ in app.url_map.iter_rules()))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1 and found[0] > 10


def test_each_app_has_its_own_api_and_document(tmp_path):
    first = make_app(f"sqlite:///{tmp_path / 'a.db'}")
    second = make_app(f"sqlite:///{tmp_path / 'b.db'}", API_TITLE="Second")
    build_api(second)
    assert api_of(first) is not api_of(second)
    with first.app_context():
        db.create_all()
        token = tokens.create_token("first")
    client = first.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.post("/api/tags", json={"name": "x"}, headers=headers).status_code == 201
    )
    one = client.get("/api/openapi.json").json
    two = second.test_client().get("/api/openapi.json").json
    assert one["paths"] == two["paths"]
    assert (one["info"]["title"], two["info"]["title"]) == ("Kit Test", "Second")
    printed = first.test_cli_runner().invoke(args=["openapi", "print"])
    assert '"/api/tags/{row_id}"' in printed.output


def test_the_document_describes_every_served_model(app):
    assert served_models(db) == [Author, Tag, Post]  # not Serial, nor the tokens
    document = app.test_client().get("/api/openapi.json").json
    assert document["openapi"] == "3.1.0"
    for model in (Author, Tag, Post):
        path = f"/api/{model.__tablename__}"
        assert set(document["paths"][path]) == {"get", "post"}
        item = document["paths"][path + "/{row_id}"]
        assert set(item) == {"get", "patch", "delete", "parameters"}
        assert set(item["patch"]["responses"]) == {
            *("200", "400", "401", "403", "404", "409", "413", "415", "422")
        }
        # Responses have a schema of their own, requests theirs.
        fields_of = schema_of(model)().fields
        components = document["components"]["schemas"]
        name = model.__name__
        response = components[name]
        shown = {field for field in fields_of if not fields_of[field].load_only}
        assert set(response["properties"]) == shown
        assert set(response["required"]) == shown
        written = {field for field in fields_of if not fields_of[field].dump_only}
        for request in (f"{name}Create", f"{name}Update"):
            assert set(components[request]["properties"]) == written
            assert "id" in components[request]["description"]
        assert item["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ] == {"$ref": f"#/components/schemas/{name}"}
        assert item["patch"]["requestBody"]["content"]["application/json"][
            "schema"
        ] == {"$ref": f"#/components/schemas/{name}Update"}
    listing = document["paths"]["/api/posts"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert parameters["per_page"]["schema"]["maximum"] == 100
    assert parameters["per_page"]["schema"]["default"] == 20
    page_headers = listing["responses"]["200"]["headers"]
    assert {"X-Pagination", "Link"} <= set(page_headers)
    # Headers are text: X-Pagination holds JSON, not an object.
    assert page_headers["X-Pagination"]["schema"] == {"type": "string"}
    assert "PAGINATION" not in document["components"].get("headers", {})
    components = document["components"]["schemas"]
    author = components["AuthorCreate"]["properties"]
    assert author["password"]["writeOnly"] is True
    assert author["api_key"]["writeOnly"] is True
    assert set(components["AuthorCreate"]["required"]) == {"name", "password"}
    assert {"password", "api_key"} & set(components["Author"]["properties"]) == set()
    assert components["Author"]["properties"]["created_at"]["readOnly"] is True
    # One component for an enum, that the three schemas refer to.
    assert components["PostStatus"] == {
        "type": "string",
        "enum": ["draft", "published"],
    }
    for name in ("Post", "PostCreate", "PostUpdate"):
        status = components[name]["properties"]["status"]
        assert status == {"$ref": "#/components/schemas/PostStatus"}
    post = components["Post"]["properties"]
    assert post["tag_ids"]["type"] == "array"
    assert "string" in post["price"]["type"] and "pattern" in post["price"]
    assert post["cover"]["format"] == "byte"
    assert set(document["paths"]) & {"/api/serials", "/api/api_tokens"} == set()


def test_an_enum_named_as_a_model_is_named_apart():
    spec = APISpec(
        "t",
        "1",
        "3.1.0",
        plugins=[
            MarshmallowPlugin(schema_name_resolver=component_name),
            ModelComponents(),
        ],
    )
    spec.components.schema("PostStatus", {"type": "object"})  # a model's
    spec.components.schema("Post", schema=ModelSchemas(schema_of(Post)).response)
    components = spec.to_dict()["components"]["schemas"]
    status = components["Post"]["properties"]["status"]
    assert status == {"$ref": "#/components/schemas/PostStatusEnum"}
    assert components["PostStatusEnum"]["enum"] == ["draft", "published"]


def test_the_overrides_change_one_model(tmp_path):
    class TagSchema(schema_for(Tag)):
        shout = fields.Function(lambda tag: tag.name.upper(), dump_only=True)

    own = Blueprint("Own", __name__, url_prefix="/api/own")
    own.route("")(lambda: {"own": True})
    overrides = types.SimpleNamespace(
        EXCLUDED_MODELS={Author}, SCHEMAS={Tag: TagSchema}, BLUEPRINTS={Serial: own}
    )
    app = App(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'o.db'}")
    db.init_app(app)
    Api(app, overrides=overrides)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    assert client.get("/api/authors").status_code == 404
    assert client.post("/api/tags", json={"name": "a"}).json["shout"] == "A"
    assert client.get("/api/own").json == {"own": True}
    assert schema_of(Tag, overrides) is TagSchema
    assert schema_of(Post, overrides) is schema_of(Post)
    assert app.config["API_TITLE"] == app.name


def test_a_plain_flask_app_gets_its_routes_at_once(tmp_path):
    from flask import Flask

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://")
    db.init_app(app)
    Api(app)
    assert "Post.Collection" in app.view_functions


def test_a_plugin_must_come_before_the_blueprints(app):
    build_api(app)
    with pytest.raises(RuntimeError, match="before the API's blueprints"):
        tokens.init_app(app, api_of(app))


def test_the_api_adds_little_to_create_app_for_many_models():
    """Nothing of a model is made before first use: starting with 100
    models costs what starting with none does."""

    def models(count: int) -> SQLAlchemy:
        many = SQLAlchemy()
        many.kept = [
            type(
                f"M{n}",
                (many.Model,),
                {
                    "__tablename__": f"m{n}",
                    "__annotations__": {"id": Mapped[int], "name": Mapped[str]},
                    "id": mapped_column(primary_key=True),
                    "name": mapped_column(String(20)),
                },
            )
            for n in range(count)
        ]
        return many

    def start(database: SQLAlchemy) -> App:
        app = App(__name__)
        app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://")
        database.init_app(app)
        Api(app)
        return app

    # Counted, not timed (the timing is benchmarks/bake_speed.py's): with
    # 100 models, starting makes no model's view, as starting with none.
    app = start(models(100))
    assert not [name for name in app.view_functions if name.startswith("M")]
    assert app.url_map.pending
    rules = [rule.endpoint for rule in app.url_map.iter_rules()]
    assert {f"M{n}.Collection" for n in range(100)} <= set(rules)
