"""The first weeks of a project: edits to models.py, each followed by what a
developer runs, `flask db migrate`, `flask db upgrade`, the project's own
tests and `flask db check`, with everything green and the change covered by
the tests (named in their ids) and served by the API.

On SQLite, and on PostgreSQL and MariaDB (the app's database and the tests'
TEST_DATABASE_URL both on the server).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.baking import flask, run_baked_tests
from tests.servers import SERVERS, require, throwaway_databases

PACKAGE = "my_flask_app"
START = (
    "User username:string{80}!:unique email:string{120}!:unique;"
    " Post title:string{200}! author:references{User.posts}"
)


def insert_after(source: str, anchor: str, lines: str) -> str:
    assert anchor in source, f"{anchor!r} is not in models.py"
    return source.replace(anchor, anchor + lines, 1)


def imported(source: str, names: str) -> str:
    """`source` with `from sqlalchemy import <names>` before its first import."""
    first_import = re.compile(r"^(?=from |import )", re.MULTILINE)
    return first_import.sub(f"from sqlalchemy import {names}\n", source, count=1)


def add_nullable_column(source: str) -> str:
    source = imported(source, "Text")
    return insert_after(
        source,
        "    email: Mapped[str] = mapped_column(String(120), unique=True)\n",
        "    bio: Mapped[str | None] = mapped_column(Text)\n",
    )


def add_not_null_column_with_server_default(source: str) -> str:
    source = imported(source, "Integer")
    return insert_after(
        source,
        "    bio: Mapped[str | None] = mapped_column(Text)\n",
        '    karma: Mapped[int] = mapped_column(Integer, server_default="0")\n',
    )


def add_enum_column(source: str) -> str:
    source = imported(source, "Enum")
    return insert_after(
        source,
        "    title: Mapped[str] = mapped_column(String(200))\n",
        "    status: Mapped[str] = mapped_column(\n"
        '        Enum("draft", "live", name="posts_status", validate_strings=True),\n'
        '        default="draft",\n'
        '        server_default="draft",\n'
        "    )\n",
    )


def add_model_with_a_reference(source: str) -> str:
    source = insert_after(
        source,
        '    author: Mapped["User"] = relationship(back_populates="posts")\n',
        '    comments: Mapped[list["Comment"]] = relationship(back_populates="post")\n',
    )
    return source + (
        "\n\nclass Comment(TimestampMixin, db.Model):\n"
        '    __tablename__ = "comments"\n\n'
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    body: Mapped[str] = mapped_column(Text)\n"
        '    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)\n\n'
        '    post: Mapped["Post"] = relationship(back_populates="comments")\n'
    )


def add_many_to_many(source: str) -> str:
    source = insert_after(
        source,
        '    comments: Mapped[list["Comment"]] = relationship(back_populates="post")\n',
        '    tags: Mapped[list["Tag"]] = relationship(\n'
        '        secondary="post_tags", back_populates="posts"\n'
        "    )\n",
    )
    return source + (
        "\n\nclass Tag(db.Model):\n"
        '    __tablename__ = "tags"\n\n'
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    name: Mapped[str] = mapped_column(String(50), unique=True)\n\n"
        '    posts: Mapped[list["Post"]] = relationship(\n'
        '        secondary="post_tags", back_populates="tags"\n'
        "    )\n\n\n"
        "post_tags = db.Table(\n"
        '    "post_tags",\n'
        '    db.Column("post_id", ForeignKey("posts.id"), primary_key=True),\n'
        '    db.Column("tag_id", ForeignKey("tags.id"), primary_key=True),\n'
        ")\n"
    )


def add_unique_constraint(source: str) -> str:
    source = imported(source, "UniqueConstraint")
    return insert_after(
        source,
        '    __tablename__ = "posts"\n',
        '    __table_args__ = (UniqueConstraint("author_id", "title"),)\n',
    )


def drop_column(source: str) -> str:
    line = "    bio: Mapped[str | None] = mapped_column(Text)\n"
    assert line in source
    return source.replace(line, "")


def drop_model(source: str) -> str:
    start = source.index("\n\nclass Comment(")
    end = source.index("\n\nclass Tag(")
    source = source[:start] + source[end:]
    line = (
        '    comments: Mapped[list["Comment"]] = relationship(back_populates="post")\n'
    )
    return source.replace(line, "")


# Where the baked suite's model-following checks come from: flask-db-kit's
# pytest plugin, which adds them to the collection of tests/conftest.py.
MODELS = "conftest.py::flask_db_kit:models::"
API = "conftest.py::flask_db_kit:api::"


@dataclass(frozen=True)
class Edit:
    message: str
    change: Callable[[str], str]
    # Test ids that must pass after the edit, and that must be gone.
    covered: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    # Tables the API must serve, and must not, after the edit.
    served: tuple[str, ...] = ()
    not_served: tuple[str, ...] = ()


EDITS = [
    Edit(
        "add bio to users",
        add_nullable_column,
        covered=(
            f"{MODELS}test_round_trip[User]",
            f"{API}test_patch_changes_only_the_field_given[User] field='bio'",
        ),
    ),
    Edit(
        "add karma to users",
        add_not_null_column_with_server_default,
        covered=(
            f"{MODELS}test_database_refuses_null_in_not_null_columns[User.karma]",
            f"{MODELS}test_database_applies_default_without_the_orm[User.karma]",
            f"{API}test_patch_changes_only_the_field_given[User] field='karma'",
        ),
    ),
    Edit(
        "add status to posts",
        add_enum_column,
        covered=(
            f"{MODELS}test_enum_refuses_values_outside_it[Post.status]",
            f"{MODELS}test_default_applies_when_field_is_not_given[Post.status]",
            f"{API}test_a_value_of_the_wrong_type_is_422_naming_the_field[Post]"
            " field='status'",
        ),
    ),
    Edit(
        "add comments",
        add_model_with_a_reference,
        covered=(
            f"{MODELS}test_round_trip[Comment]",
            f"{MODELS}test_reference_reads_back_from_both_sides[Comment.post]",
            f"{API}test_create_answers_the_row_and_where_it_is[Comment]",
            f"{API}test_deleting_a_referred_row[Comment.post]",
        ),
        served=("comments",),
    ),
    Edit(
        "add tags",
        add_many_to_many,
        covered=(
            f"{MODELS}test_many_link_reads_back_from_both_sides[Post.tags]",
            f"{API}test_links_read_and_change_as_ids[Post] field='tag_ids'",
            f"{API}test_links_read_and_change_as_ids[Tag] field='post_ids'",
            f"{API}test_a_taken_unique_value_is_409_naming_the_field[Tag.name]",
        ),
        served=("tags",),
    ),
    Edit(
        "one title per author",
        add_unique_constraint,
        covered=(
            f"{MODELS}test_database_refuses_duplicates_in_unique_columns"
            "[Post.author_id+title]",
        ),
    ),
    Edit(
        "drop bio from users",
        drop_column,
        gone=(f"{API}test_patch_changes_only_the_field_given[User] field='bio'",),
    ),
    Edit(
        "drop comments",
        drop_model,
        gone=(f"{MODELS}test_round_trip[Comment]",),
        not_served=("comments",),
    ),
]


@dataclass(frozen=True)
class Databases:
    """The app's DATABASE_URL and the tests' TEST_DATABASE_URL; None on SQLite,
    where the project makes its own files."""

    app: str | None
    tests: str | None


@pytest.fixture(params=["sqlite", *SERVERS])
def databases(request) -> Iterator[Databases]:
    if request.param == "sqlite":
        yield Databases(None, None)
        return
    with throwaway_databases(require(SERVERS[request.param])) as throwaway:
        server = throwaway.server
        yield Databases(
            server.database_url(throwaway.create()),
            server.database_url(throwaway.create()),
        )


def passed_test_ids(output: str) -> set[str]:
    """`test_x.py::test_y[id]` of each test a verbose run reports passed, and
    `test_x.py::test_y[id] field='bio'` of each subtest."""
    passed = set()
    pattern = r"^tests/(\S+) (?:SUB)?PASSED(?:\((.*?)\))?"
    for match in re.finditer(pattern, output, re.MULTILINE):
        test, subtest = match.groups()
        passed.add(f"{test} {subtest}" if subtest else test)
    return passed


def ids_naming(output: str, model: str) -> set[str]:
    """The tests (not subtests) a verbose run reports passed whose parameters
    name `model`: `...[Post]`, `...[Post.author]`, `...[Post.author_id+title]`."""
    named = set()
    for test in re.findall(r"^tests/(\S+) PASSED", output, re.MULTILINE):
        parameters = test.partition("[")[2]
        if model in re.split(r"\W+", parameters):
            named.add(test)
    return named


def model_checks(output: str, model: str) -> set[str]:
    """The checks run once per model (`...::test_round_trip[Post]`), by name."""
    suffix = f"[{model}]"
    return {
        test.removesuffix(suffix)
        for test in ids_naming(output, model)
        if test.endswith(suffix)
    }


def served_tables(project: Path, **environment: str) -> set[str]:
    document = flask(project, "openapi", "print", **environment).stdout
    paths = json.loads(document)["paths"]
    return {path.split("/")[2] for path in paths if path.count("/") == 2}


@pytest.mark.slow
def test_the_first_weeks_of_schema_changes_stay_green(bake, databases):
    answers = {"database_url": databases.app} if databases.app else {}
    project = bake(models=START, **answers)
    models_py = project / PACKAGE / "models.py"
    tests_environment = (
        {"TEST_DATABASE_URL": databases.tests} if databases.tests else {}
    )
    # The bake of two models: its suite checks each of them, by name.
    result = run_baked_tests(project, "-vv", **tests_environment)
    users, posts = (
        ids_naming(result.stdout, "User"),
        ids_naming(result.stdout, "Post"),
    )
    assert len(users) >= 20 and len(posts) >= 20, (users, posts)
    assert len(users | posts) >= 40, users | posts
    for number, edit in enumerate(EDITS, start=1):
        models_py.write_text(edit.change(models_py.read_text()))
        flask(project, "db", "migrate", "-m", edit.message)
        revisions = list((project / "migrations" / "versions").glob("*.py"))
        assert len(revisions) == 1 + number, f"{edit.message}: no new revision"
        flask(project, "db", "upgrade")
        flask(project, "db", "check")
        result = run_baked_tests(project, "-vv", **tests_environment)
        passed = passed_test_ids(result.stdout)
        missing = [test for test in edit.covered if test not in passed]
        assert not missing, f"after {edit.message!r}, not run: {missing}"
        stale = [test for test in edit.gone if test in passed]
        assert not stale, f"after {edit.message!r}, still run: {stale}"
        if edit.change is add_model_with_a_reference:
            # A model added by hand gets every check a model the template
            # wrote gets.
            comments = ids_naming(result.stdout, "Comment")
            assert len(comments) >= 20, comments
            missing = model_checks(result.stdout, "Post") - model_checks(
                result.stdout, "Comment"
            )
            assert not missing, f"not run for the model added by hand: {missing}"
        tables = served_tables(project)
        assert set(edit.served) <= tables, f"after {edit.message!r}: {tables}"
        assert not set(edit.not_served) & tables, f"after {edit.message!r}: {tables}"
