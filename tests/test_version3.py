"""The models language's version 3 on every database, as a user meets it.

One bake per database (SQLite, PostgreSQL, MariaDB) of an answer that uses
every addition together: column names of one's own, link-table column names
and their ON DELETE CASCADE, a foreign key to a unique field that is not the
key, time-zone-aware datetimes, one enum type shared by two tables, a unique
text, the generated id in a composite. Then the initial migration, `flask db
check`, the baked suite and the API; a later change that drops one user of
the shared enum type and adds another, upgraded, checked, downgraded; and
the way down to an empty database and up again (the shared type dropped
once, then made again).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.baking import flask, run, run_baked_tests
from tests.servers import SERVERS, require, throwaway_databases

pytestmark = pytest.mark.slow

PACKAGE = "my_flask_app"  # the default answers'

VERSION_3 = (
    "User username:string{64}!:unique slug:text!:unique"
    " joined:datetime{tz}!:default=now:column=joinedAt"
    " role:enum{admin,member}!:default=member:type=role_kind"
    " following:many{User.followers}:table=follows(follower_id,followed_id):cascade"
    " unique(id,username);"
    " Profile user:references{User.profile}:unique:column=owner"
    " kind:enum{admin,member}:type=role_kind seen:datetime{tz};"
    " Note about:references{Profile.notes}:to=user"
    " zapped_by:references{User.zapped}?:column=zapped_by:nullify body:string{80}!;"
    " Tag name:string{40}!:unique notes:many{Note.tags}:cascade;"
    # CTFd's solve: keyed by a column named id that is a reference.
    " Solve note:references{Note.solves}:primary:cascade:column=id score:integer"
)
# Later: Profile.kind goes (role_kind stays: users.role has it), Solve.level
# comes (a new column on the shared type), and Badge (a new table on it).
LATER = VERSION_3.replace(" kind:enum{admin,member}:type=role_kind", "") + (
    " level:enum{admin,member}:type=role_kind;"
    " Badge label:string{20}! level:enum{admin,member}!:type=role_kind"
)


@pytest.fixture(params=["sqlite", *SERVERS])
def database_urls(request) -> Iterator[tuple[str | None, str | None]]:
    """The app's database and the baked suite's (None, None: SQLite files)."""
    if request.param == "sqlite":
        yield None, None
        return
    server = require(SERVERS[request.param])
    with throwaway_databases(server) as databases:
        app_database, test_database = databases.create(), databases.create()
        if server.name == "postgresql":
            # An aware datetime must not move with the session's time zone.
            server.execute(
                f"ALTER DATABASE {test_database} SET timezone TO 'Asia/Tokyo'"
            )
        # A MariaDB URL: MySQL cannot enforce a unique text (refused for mysql://).
        scheme = "mariadb+pymysql" if server.name == "mariadb" else None
        yield (
            server.database_url(app_database, scheme),
            server.database_url(test_database, scheme),
        )


def revisions(project: Path) -> list[Path]:
    return sorted((project / "migrations" / "versions").glob("*.py"))


def models_module(bake, models: str) -> str:
    project = bake(models=models, create_venv=False)
    source = (project / PACKAGE / "models.py").read_text()
    shutil.rmtree(project)
    return source


def schema_facts(url: str) -> dict:
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        facts = {
            "columns": {
                table: [column["name"] for column in inspector.get_columns(table)]
                for table in ("users", "profiles", "notes", "follows", "tags")
            },
            "keys": {
                table: {
                    (
                        tuple(key["constrained_columns"]),
                        key["referred_table"],
                        tuple(key["referred_columns"]),
                        key["options"].get("ondelete"),
                    )
                    for key in inspector.get_foreign_keys(table)
                }
                for table in ("notes", "follows", "tag_notes", "profiles", "solves")
            },
            "uniques": {
                tuple(unique["column_names"])
                for unique in inspector.get_unique_constraints("users")
            }
            | {
                tuple(index["column_names"])
                for index in inspector.get_indexes("users")
                if index["unique"]
            },
        }
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                facts["joinedAt"] = connection.execute(
                    text(
                        "SELECT data_type FROM information_schema.columns"
                        " WHERE table_name = 'users' AND column_name = 'joinedAt'"
                    )
                ).scalar_one()
                facts["enum_types"] = enum_types(connection)
        return facts
    finally:
        engine.dispose()


def enum_types(connection) -> list[str]:
    return list(
        connection.execute(text("SELECT typname FROM pg_type WHERE typtype = 'e'"))
        .scalars()
        .all()
    )


def postgresql_enum_types(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return enum_types(connection)
    finally:
        engine.dispose()


# Run inside the baked project: rows through the models, deletes in SQL, the
# aware datetime and the API. Prints nothing on success.
SCRIPT = """\
import datetime
from dotenv import load_dotenv
from sqlalchemy import text
from my_flask_app import create_app
from my_flask_app.extensions import db
from my_flask_app.models import Note, Profile, Tag, User

load_dotenv(".env")
app = create_app()
tokyo = datetime.timezone(datetime.timedelta(hours=9))
with app.app_context():
    ann = User(username="ann", slug="a" * 300, joined=datetime.datetime(2024, 1, 2, 9, 0, tzinfo=tokyo))
    bob = User(username="bob", slug="b" * 300)
    ann.following.append(bob)
    profile = Profile(user=ann, kind="admin")
    note = Note(about=profile, body="hi", zapped_by=bob)
    note.tags.append(Tag(name="t"))
    db.session.add_all([ann, bob, profile, note])
    db.session.commit()
    db.session.expire_all()
    ann = db.session.get(User, ann.id)
    assert ann.joined == datetime.datetime(2024, 1, 2, 0, 0, tzinfo=datetime.UTC), ann.joined
    assert db.session.get(User, bob.id).joined.tzinfo is not None
    assert db.session.get(Note, note.id).about.user.username == "ann"
    # The foreign key holds the profile's owner, the user's id.
    assert db.session.get(Note, note.id).about_id == ann.id
    # ON DELETE CASCADE on the link tables, in the database itself.
    db.session.execute(text("DELETE FROM tags"))
    assert db.session.execute(text("SELECT count(*) FROM tag_notes")).scalar() == 0
    db.session.execute(text("DELETE FROM notes"))
    db.session.execute(text("DELETE FROM profiles"))
    db.session.execute(text("DELETE FROM users WHERE username = 'bob'"))
    assert db.session.execute(text("SELECT count(*) FROM follows")).scalar() == 0
    db.session.commit()
    client = app.test_client()
    created = client.post(
        "/api/users",
        json={"username": "cy", "slug": "c", "joined": "2024-05-01T12:00:00+02:00"},
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["joined"].startswith("2024-05-01T10:00:00"), created.get_json()
    assert created.get_json()["joined"].endswith("+00:00"), created.get_json()
    again = client.post("/api/users", json={"username": "cz", "slug": "c"})
    assert again.status_code == 409, again.get_json()
"""


def test_version_3_bakes_migrates_and_passes_its_suite(bake, database_urls):
    url, test_url = database_urls
    later_models = models_module(bake, LATER)
    answers = {"database_url": url} if url else {}
    project = bake(models=VERSION_3, api_auth="no", **answers)
    url = url or f"sqlite:///{project / 'instance' / f'{PACKAGE}.db'}"
    [initial] = revisions(project)
    facts = schema_facts(url)
    assert "joinedAt" in facts["columns"]["users"]
    assert "owner" in facts["columns"]["profiles"]
    assert "zapped_by" in facts["columns"]["notes"]
    assert facts["columns"]["follows"] == ["follower_id", "followed_id"]
    assert facts["keys"]["follows"] == {
        (("follower_id",), "users", ("id",), "CASCADE"),
        (("followed_id",), "users", ("id",), "CASCADE"),
    }
    assert {key[3] for key in facts["keys"]["tag_notes"]} == {"CASCADE"}
    assert (("about_id",), "profiles", ("owner",), None) in facts["keys"]["notes"]
    assert (("zapped_by",), "users", ("id",), "SET NULL") in facts["keys"]["notes"]
    assert {("slug",), ("id", "username")} <= facts["uniques"]
    assert facts["keys"]["solves"] == {(("id",), "notes", ("id",), "CASCADE")}
    if url.startswith("postgresql"):
        assert facts["joinedAt"] == "timestamp with time zone"
        assert facts["enum_types"] == ["role_kind"]
    flask(project, "db", "check")
    suite_database = {"TEST_DATABASE_URL": test_url} if test_url else {}
    run_baked_tests(project, **suite_database)
    run([sys.executable, "-c", SCRIPT], project)

    # A later change, autogenerated: one user of role_kind goes, one comes.
    (project / PACKAGE / "models.py").write_text(later_models)
    flask(project, "db", "migrate", "-m", "levels")
    [added] = [path for path in revisions(project) if path != initial]
    assert "create_type=False" in added.read_text()  # role_kind is there already
    flask(project, "db", "upgrade")
    flask(project, "db", "check")
    flask(project, "db", "downgrade")
    # Down to an empty database: the shared type goes once, with its last column.
    flask(project, "db", "downgrade", "base")
    if url.startswith("postgresql"):
        assert postgresql_enum_types(url) == []
    flask(project, "db", "upgrade")
    flask(project, "db", "check")
    run_baked_tests(project, "-q", "-k", "Solve or Badge or Profile", **suite_database)
