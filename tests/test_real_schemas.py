"""Two well-known Flask applications' schemas, written in the models language.

The Mega-Tutorial's microblog and the book's flasky (their public
app/models.py, github.com/miguelgrinberg): the baked database has their
tables, columns, primary keys, unique sets and foreign keys (with ON DELETE),
but for the index every reference gets; and the API never answers a password
hash or a token. microblog's `followers` is a plain association table with
columns of its own names, as in the original (version 3's
`:table=followers(follower_id,followed_id)`; version 2 needed a model of two
`:primary` references, with an API of its own that the original lacks).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from tests.baking import run, run_baked_tests

pytestmark = pytest.mark.slow

PACKAGE = "my_flask_app"

MICROBLOG = """
User(user) username:string{64}!:unique email:string{120}!:unique password:password
  about_me:string{140} last_seen:datetime:default=now last_message_read_time:datetime
  token:string{32}:unique:secret token_expiration:datetime
  following:many{User.followers}:table=followers(follower_id,followed_id)
Post(post) body:string{140}! timestamp:datetime!:index:default=now
  user:references{User.posts} language:string{5}
Message(message) sender:references{User.messages_sent}
  recipient:references{User.messages_received} body:string{140}!
  timestamp:datetime!:index:default=now
Notification(notification) name:string{128}!:index user:references{User.notifications}
  timestamp:float!:index payload_json:text!
Task(task) id:string{36}!:primary name:string{128}!:index description:string{128}
  user:references{User.tasks} complete:boolean!:default=false
"""

# microblog's app/models.py: table -> (columns, primary key, unique sets,
# foreign keys as (columns, referred table, referred columns, ON DELETE)).
MICROBLOG_TABLES = {
    "user": (
        {"id", "username", "email", "password_hash", "about_me", "last_seen"}
        | {"last_message_read_time", "token", "token_expiration"},
        ("id",),
        {("username",), ("email",), ("token",)},
        set(),
    ),
    "followers": (
        {"follower_id", "followed_id"},
        ("follower_id", "followed_id"),
        set(),
        {
            (("follower_id",), "user", ("id",), None),
            (("followed_id",), "user", ("id",), None),
        },
    ),
    "post": (
        {"id", "body", "timestamp", "user_id", "language"},
        ("id",),
        set(),
        {(("user_id",), "user", ("id",), None)},
    ),
    "message": (
        {"id", "sender_id", "recipient_id", "body", "timestamp"},
        ("id",),
        set(),
        {
            (("sender_id",), "user", ("id",), None),
            (("recipient_id",), "user", ("id",), None),
        },
    ),
    "notification": (
        {"id", "name", "user_id", "timestamp", "payload_json"},
        ("id",),
        set(),
        {(("user_id",), "user", ("id",), None)},
    ),
    "task": (
        {"id", "name", "description", "user_id", "complete"},
        ("id",),
        set(),
        {(("user_id",), "user", ("id",), None)},
    ),
}

FLASKY = """
Role name:string{64}:unique default:boolean:default=false:index permissions:integer
Follow follower:references{User.followed}:primary followed:references{User.followers}:primary
  timestamp:datetime:default=now
User email:string{64}:unique username:string{64}:unique role:references{Role.users}?
  password:password confirmed:boolean:default=false name:string{64}
  location:string{64} about_me:text member_since:datetime:default=now
  last_seen:datetime:default=now avatar_hash:string{32}
Post body:text body_html:text timestamp:datetime:index:default=now
  author:references{User.posts}?
Comment body:text body_html:text timestamp:datetime:index:default=now
  disabled:boolean author:references{User.comments}? post:references{Post.comments}?
"""

FLASKY_TABLES = {
    "roles": (
        {"id", "name", "default", "permissions"},
        ("id",),
        {("name",)},
        set(),
    ),
    "follows": (
        {"follower_id", "followed_id", "timestamp"},
        ("follower_id", "followed_id"),
        set(),
        {
            (("follower_id",), "users", ("id",), None),
            (("followed_id",), "users", ("id",), None),
        },
    ),
    "users": (
        {"id", "email", "username", "role_id", "password_hash", "confirmed", "name"}
        | {"location", "about_me", "member_since", "last_seen", "avatar_hash"},
        ("id",),
        {("email",), ("username",)},
        {(("role_id",), "roles", ("id",), None)},
    ),
    "posts": (
        {"id", "body", "body_html", "timestamp", "author_id"},
        ("id",),
        set(),
        {(("author_id",), "users", ("id",), None)},
    ),
    "comments": (
        {"id", "body", "body_html", "timestamp", "disabled", "author_id", "post_id"},
        ("id",),
        set(),
        {
            (("author_id",), "users", ("id",), None),
            (("post_id",), "posts", ("id",), None),
        },
    ),
}


def database_tables(database: Path) -> dict:
    engine = create_engine(f"sqlite:///{database}")
    try:
        inspector = inspect(engine)
        tables = {}
        for name in inspector.get_table_names():
            if name == "alembic_version":
                continue
            columns = {column["name"] for column in inspector.get_columns(name)}
            key = tuple(inspector.get_pk_constraint(name)["constrained_columns"])
            unique = {
                tuple(constraint["column_names"])
                for constraint in inspector.get_unique_constraints(name)
            }
            unique |= {
                tuple(index["column_names"])
                for index in inspector.get_indexes(name)
                if index["unique"]
            }
            unique.discard(key)  # a key is unique anyway
            foreign_keys = {
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    fk["options"].get("ondelete"),
                )
                for fk in inspector.get_foreign_keys(name)
            }
            tables[name] = (columns, key, unique, foreign_keys)
        return tables
    finally:
        engine.dispose()


# Creates a user with a password and a token through the API, then prints
# every response the API gives about users.
API_PROBE = """
import json
from {package} import create_app
from {package}.config import Config

app = create_app(Config(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite:///{db}"))
client = app.test_client()
body = {{"username": "ada", "email": "ada@example.com", "password": "correct horse"}}
if {with_token}:
    body["token"] = "t0ken-t0ken-t0ken-t0ken-t0ken-12"
created = client.post("/api/{table}", json=body)
assert created.status_code == 201, created.json
url = created.headers["Location"]
answers = [created.get_data(as_text=True), client.get(url).get_data(as_text=True)]
answers.append(client.get("/api/{table}").get_data(as_text=True))
answers.append(client.patch(url, json={{"password": "other"}}).get_data(as_text=True))
print(json.dumps(answers))
"""


@pytest.mark.parametrize(
    ("models", "expected", "user_table", "with_token"),
    [
        pytest.param(MICROBLOG, MICROBLOG_TABLES, "user", True, id="microblog"),
        pytest.param(FLASKY, FLASKY_TABLES, "users", False, id="flasky"),
    ],
)
def test_a_real_schema_bakes_as_designed(
    bake, tmp_path, models, expected, user_table, with_token
):
    # Without the API's own token table, which the original apps do not have.
    project = bake(models=models, timestamps=False, api_auth=False)
    database = project / "instance" / f"{PACKAGE}.db"
    assert database_tables(database) == expected
    if models is MICROBLOG:
        # followers is an association table, as in microblog, not a model.
        source = (project / PACKAGE / "models.py").read_text()
        assert "followers = db.Table(" in source
        assert "class Follower" not in source
    run_baked_tests(project)
    probe = API_PROBE.format(
        package=PACKAGE,
        db=tmp_path / "probe.db",
        table=user_table,
        with_token=with_token,
    )
    run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        project,
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}",
    )
    answers = json.loads(run([sys.executable, "-c", probe], project).stdout)
    for answer in answers:
        for secret in ("correct horse", "t0ken-", "scrypt:", "pbkdf2:"):
            assert secret not in answer, answer
        rows = json.loads(answer)
        for row in rows if isinstance(rows, list) else [rows]:
            assert not {"password", "password_hash", "token"} & set(row), row
