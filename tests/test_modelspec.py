"""The models answer of model-spec.md: what each token means, what is refused."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flask_db_template import modelspec
from flask_db_template.modelspec import Field, ManyToMany, Reference, SpecError
from flask_db_template.modelspec.errors import _show as show

SPEC_EXAMPLE = """\
User username:string{80}!:unique email:string{120}!:unique;
Post title:string{200}! body:text published:boolean!:default=false
  status:enum{draft,live}!:default=draft author:references{User.posts} tags:many{Tag};
Tag name:string{50}!:unique
"""


def parse(text, *, timestamps=True):
    return modelspec.parse(text, timestamps=timestamps)


def only_field(text, **options):
    """The single member of the last model of `text`."""
    (member,) = parse(text, **options).models[-1].members
    return member


def refusal(text, *, timestamps=True):
    with pytest.raises(SpecError) as caught:
        parse(text, timestamps=timestamps)
    message = str(caught.value)
    assert "\n" not in message
    return caught.value


# --- The spec's example --------------------------------------------------------


def test_spec_example():
    schema = parse(SPEC_EXAMPLE)
    user, post, tag = schema.models
    assert [(m.name, m.table) for m in schema.models] == [
        ("User", "users"),
        ("Post", "posts"),
        ("Tag", "tags"),
    ]
    assert user.fields == (
        Field("User", "username", "string", nullable=False, unique=True, length=80),
        Field("User", "email", "string", nullable=False, unique=True, length=120),
    )
    title, body, published, status, author, tags = post.members
    assert title == Field("Post", "title", "string", nullable=False, length=200)
    assert body == Field("Post", "body", "text", nullable=True)
    assert published.kind == "boolean" and not published.nullable
    assert published.default.value is False
    assert status.enum_values == ("draft", "live")
    assert status.enum_name == "posts_status"
    assert status.default.value == "draft"
    assert author == Reference(
        "Post", "author", "User", "posts", "author_id", nullable=False
    )
    assert tags == ManyToMany(
        "Post", "tags", "Tag", "posts", "post_tags", "post_id", "tag_id"
    )
    assert schema.references_to("User") == (author,)
    assert schema.many_to("Tag") == (tags,)
    assert tag.fields[0].length == 50


# --- Each token ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("string", "string"),
        ("text", "text"),
        ("integer", "integer"),
        ("bigint", "bigint"),
        ("float", "float"),
        ("decimal", "decimal"),
        ("boolean", "boolean"),
        ("date", "date"),
        ("datetime", "datetime"),
        ("time", "time"),
        ("uuid", "uuid"),
        ("json", "json"),
        ("binary", "binary"),
    ],
)
def test_scalar_types_allow_null_unless_marked(token, kind):
    field = only_field(f"Thing value:{token}")
    assert (field.kind, field.nullable) == (kind, True)
    assert only_field(f"Thing value:{token}!").nullable is False
    assert only_field(f"Thing value:{token}?").nullable is True


def test_a_field_without_type_is_a_string_of_255():
    field = only_field("Thing name")
    assert (field.kind, field.length, field.nullable) == ("string", 255, True)
    assert only_field("Thing name!").nullable is False


def test_string_length():
    assert only_field("Thing name:string{80}").length == 80
    assert only_field("Thing name:string").length == 255


def test_decimal_precision_and_scale():
    field = only_field("Thing price:decimal{12,3}")
    assert (field.precision, field.scale) == (12, 3)
    assert (only_field("Thing n:decimal{5}").scale) == 0
    # A bare decimal would be DECIMAL(10, 0) on MariaDB: fractions lost.
    field = only_field("Thing price:decimal")
    assert (field.precision, field.scale) == (10, 2)


def test_enum_values_and_type_name():
    field = only_field("Post(articles) state:enum{draft,in_review,live}")
    assert field.enum_values == ("draft", "in_review", "live")
    assert field.enum_name == "articles_state"


def test_modifiers():
    field = only_field("Thing code:string{20}!:unique:index")
    assert (field.unique, field.index) == (True, True)
    assert only_field("Thing code:uniq").unique is True
    field = only_field("Thing code:unique")
    assert (field.kind, field.unique) == ("string", True)
    assert only_field("Thing code!:index").index is True


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("flag:boolean:default=true", True),
        ("flag:boolean:default=False", False),
        ("count:integer:default=-5", -5),
        ("count:bigint:default=9000000000", 9_000_000_000),
        ("ratio:float:default=0.25", 0.25),
        ("ratio:float:default=1e3", 1000.0),
        ("price:decimal{6,2}:default=12.5", Decimal("12.50")),
        ("name:string:default=anonymous", "anonymous"),
        ('name:string:default="two words"', "two words"),
        ("name:string:default='it\\'s'", "it's"),
        ('name:text:default="say \\"hi\\""', 'say "hi"'),
        ('name:string:default=""', ""),
        ("state:enum{draft,live}:default=live", "live"),
        ("day:date:default=2024-02-29", datetime.date(2024, 2, 29)),
        (
            'at:datetime:default="2024-01-31 09:30"',
            datetime.datetime(2024, 1, 31, 9, 30),
        ),
        (
            'at:datetime:default="2024-01-31T09:30:15"',
            datetime.datetime(2024, 1, 31, 9, 30, 15),
        ),
        ('opens:time:default="08:15"', datetime.time(8, 15)),
        # Fractions of a second are kept: the columns keep microseconds everywhere.
        (
            'at:datetime:default="2024-01-01 10:00:00.5"',
            datetime.datetime(2024, 1, 1, 10, 0, 0, 500000),
        ),
        ('opens:time:default="08:15:00.000001"', datetime.time(8, 15, 0, 1)),
        # A double holds 1.25 exactly, at any scale; SQLite keeps decimals so.
        ("price:decimal{30,20}:default=1.25", Decimal("1.25")),
    ],
)
def test_defaults_have_the_type_of_their_field(token, value):
    default = only_field(f"Thing {token}").default
    assert default.value == value
    assert type(default.value) is type(value)


def test_references():
    schema = parse("User name; Post author:references{User}; Note user:references")
    post, note = schema.models[1:]
    assert post.references[0] == Reference(
        "Post", "author", "User", "posts", "author_id", nullable=False
    )
    assert note.references[0].target == "User"
    assert note.references[0].inverse == "notes"
    assert (
        parse("User name; Post author:references{User}?")
        .models[1]
        .references[0]
        .nullable
    )
    assert (
        parse("User name; Post author:belongs_to{User.articles}")
        .models[1]
        .references[0]
        .inverse
        == "articles"
    )


def test_a_unique_reference_is_one_to_one():
    reference = (
        parse("User name; Profile user:references:unique").models[1].references[0]
    )
    assert (reference.unique, reference.inverse) == (True, "profile")


def test_default_inverse_is_the_plural_of_the_declaring_model():
    schema = parse(
        "Person name; Category owner:references{Person}; Box p:references{Person}"
    )
    assert [r.inverse for r in schema.references_to("Person")] == [
        "categories",
        "boxes",
    ]


def test_self_reference_and_two_references_to_one_model():
    schema = parse(
        "Account name; Node parent:references{Node.children}?;"
        " Message sender:references{Account.sent}"
        " recipient:references{Account.received}"
    )
    assert schema.model("Node").references[0].is_self_reference
    assert [r.inverse for r in schema.references_to("Account")] == ["sent", "received"]


def test_many():
    schema = parse(
        "Tag name; Post(articles) tags:many{Tag.articles}; User friends:many{User.fans}"
    )
    tags = schema.model("Post").many[0]
    assert (tags.table, tags.column, tags.target_column, tags.inverse) == (
        "post_tags",
        "post_id",
        "tag_id",
        "articles",
    )
    friends = schema.model("User").many[0]
    assert (friends.column, friends.target_column) == ("user_id", "friend_id")
    assert friends.is_self_reference


def test_table_names():
    schema = parse(
        "Category name; Person name; BlogPost name; Address name; Box name;"
        " Post(articles) t"
    )
    assert [m.table for m in schema.models] == [
        "categories",
        "people",
        "blog_posts",
        "addresses",
        "boxes",
        "articles",
    ]
    assert parse("Post (articles) title").models[0].table == "articles"


def test_separators():
    expected = [("User", 1), ("Post", 2), ("Tag", 1)]
    for text in (
        "User name; Post title body; Tag name;",
        "User name\nPost title\n  body\n\nTag name\n",
        "User name;\nPost title\n\tbody\n;Tag name",
        "  User name\r\nPost title\r\n   body\r\nTag name",
    ):
        schema = parse(text)
        assert [(m.name, len(m.members)) for m in schema.models] == expected, text


def test_spaces_inside_braces_are_allowed():
    field = only_field("Thing state:enum{ draft , live }:default=live")
    assert field.enum_values == ("draft", "live")
    assert only_field("Thing price:decimal{10, 2}").scale == 2


def test_timestamps_flag_decides_whether_timestamp_names_are_reserved():
    assert parse("Event created_at:datetime", timestamps=False).timestamps is False
    refusal("Event created_at:datetime", timestamps=True)
    refusal("Event updated_at:datetime", timestamps=True)


# --- The JSON form ---------------------------------------------------------------


def test_json_form_means_the_same_as_the_line_form():
    answer = {
        "User": {"username": "string{80}!:unique", "email": "string{120}!:unique"},
        "Post": {
            "title": "string{200}!",
            "body": "text",
            "published": "boolean!:default=false",
            "status": "enum{draft,live}!:default=draft",
            "author": "references{User.posts}",
            "tags": "many{Tag}",
        },
        "Tag": {"name": "string{50}!:unique"},
    }
    assert parse(json.dumps(answer)) == parse(SPEC_EXAMPLE)


def test_json_form_shorthands():
    schema = parse(
        json.dumps(
            {"Post(articles)": {"title": "", "slug": "!:unique", "code": ":index"}}
        )
    )
    title, slug, code = schema.models[0].fields
    assert schema.models[0].table == "articles"
    assert (title.kind, title.nullable) == ("string", True)
    assert (slug.nullable, slug.unique) == (False, True)
    assert code.index


@pytest.mark.parametrize(
    ("answer", "token", "words"),
    [
        ("[1, 2]", "", "not a list"),
        ('"User name"', "", "not a string"),
        ("42", "", "not a number"),
        ("{}", "{}", "no model"),
        ('{"User": "name:string"}', "User", "not a string"),
        ('{"User": {}}', "User", "no fields"),
        ('{"User": {"age": 5}}', "age", "not a number"),
        ('{"User": {"a": "string"}, "User": {"b": "string"}}', "User", "twice"),
        ('{"User": {"name": "string",}}', "}}", "not valid JSON"),
        ('{"User": {"Name": "string"}}', "Name", "lowercase"),
    ],
)
def test_json_refusals(answer, token, words):
    error = refusal(answer)
    assert error.token == token
    assert words in str(error)


# --- Answers that must be refused --------------------------------------------------

REFUSALS = [
    # Version 2: `default=now` only where there is a now.
    ("User at:time:default=now", "default=now", "time of day"),
    ("User n:integer:default=now", "default=now", "only a date or a datetime"),
    ("User b:boolean!:default=now", "default=now", "only a date or a datetime"),
    # Version 2: secrets and passwords.
    ("User p:password:unique", "p:password:unique", "salted hash"),
    ("User p:password:index", "p:password:index", "salted hash"),
    ("User p:password:default=x", "x", "no default"),
    ("User a:references{User}?:secret", "a:references{User}?:secret", "no secret"),
    ("User p:password p_hash", "p_hash", "generated for the password"),
    ("User set_p p:password", "set_p", "generated for the password"),
    # Version 2: loops of references between tables need an optional one.
    (
        "Aa b:references{Bb.aas}; Bb a:references{Aa.bbs}",
        "Bb.a",
        "required references loop",
    ),
    # Version 2: keys of their own.
    ("S k:string?:primary", "k:string?:primary", "never empty"),
    ("S k:json:primary", "k:json:primary", "a key is"),
    ("S k:float!:primary", "k:float!:primary", "a key is"),
    ("S k:string:primary:default=x", "k:string:primary:default=x", "same key"),
    ("A b:references{B}?:primary; B n", "b:references{B}?:primary", "never empty"),
    (
        "U n; F a:references{U}:primary b:references{U.bs}:primary; G f:references{F}",
        "f",
        "one column",
    ),
    ("A tags:many{B}; B k:string!:primary", "tags", "many link"),
    ("A id:string", "id", "reserved"),
    # Version 2: binary{n}.
    ("F d:binary{0}", "binary{0}", "1 to 65532"),
    ("F d:binary{70000}", "binary{70000}", "VARBINARY"),
    # Version 2: naming a many link's table.
    ("Post tags:many{Tag}:table=tags; Tag name", "tags", "clashes"),
    ("Post n:string:table=x", "n:string:table=x", "not one"),
    ("Post tags:many{Tag}:table; Tag n", "table", "table=name"),
    ("Post tags:many{Tag}:table=db; Tag n", "db", "models.py"),
    ("Post tags:many{Tag}:index; Tag n", "index", "no modifiers but ':table='"),
    # Version 2: unique(a,b) and index(a,b).
    ("User a b unique(a)", "unique(a)", "names one field"),
    ("User a b unique(a,c)", "unique(a,c)", "not a field"),
    ("User a b index(a,a)", "index(a,a)", "twice"),
    ("User a t:text unique(a,t)", "unique(a,t)", "cannot index"),
    ("User a tags:many{User} index(a,tags)", "index(a,tags)", "many link"),
    ("User a b unique(a,b) unique(b,a) unique(a,b)", "unique(a,b)", "twice"),
    ("User a b UNIQUE(a,b)", "UNIQUE(a,b)", "lower case"),
    # Version 2: what deleting a referenced row does.
    ("User n:string:cascade", "n:string:cascade", "is for a reference"),
    ("User a:references{User}:nullify", "a:references{User}:nullify", "optional"),
    (
        "User a:references{User}?:cascade:nullify",
        "a:references{User}?:cascade:nullify",
        "both",
    ),
    # 1. Not parseable; an empty spec or model.
    ("", "", "empty"),
    ("   \n ", "", "empty"),
    ("User name;;Post title", ";", "empty model"),
    ("User", "User", "no fields"),
    ("User name:enum{a,b", "name:enum{a,b", "unclosed"),
    ("User name:string}", "name:string}", "unmatched"),
    ('User name:string:default="abc', 'name:string:default="abc', "unterminated"),
    ('User name:string:default="ab\ncd"', 'name:string:default="ab', "unterminated"),
    ("User name:string{80}x", "string{80}x", "cannot read the type"),
    ("User name, email", "name,", "separated by spaces"),
    ("User name\nbody:text", "body:text", "indent"),
    # 2. Names of the wrong form, Python keywords.
    ("user name", "user", "capital"),
    ("User _secret", "_secret", "'_'"),
    ("User naïve", "naïve", "ASCII"),
    ("User " + "x" * 64, "x" * 64, "63"),
    ("U" + "x" * 63 + " name", "U" + "x" * 63, "63"),
    ("User firstName", "firstName", "lowercase"),
    ("User class", "class", "keyword"),
    ("User from:string", "from", "keyword"),
    ("None name", "None", "keyword"),
    ("User status:enum{Draft}", "Draft", "lowercase"),
    ("User(Users) name", "Users", "lowercase"),
    ("Post author:references{User.Posts}; User name", "Posts", "lowercase"),
    # 3. (Reserved SQL words are table names since version 2.)
    ("Thing(alembic_version) name", "alembic_version", "Alembic"),
    # 4. Names that clash with the ORM or the generated code.
    ("User query", "query", "reserved"),
    ("User query_class", "query_class", "reserved"),
    ("User metadata:json", "metadata", "reserved"),
    ("User registry", "registry", "reserved"),
    ("User id:integer", "id", "primary key"),
    ("User created_at:datetime", "created_at", "timestamps"),
    ("User updated_at:datetime", "updated_at", "timestamps"),
    ("User relationship", "relationship", "reserved"),
    ("User list:json", "list", "reserved"),
    ("Base name", "Base", "clashes"),
    ("Model name", "Model", "clashes"),
    ("Mapped name", "Mapped", "clashes"),
    ("db name", "db", "capital"),
    ("String name", "String", "clashes"),
    ("User name; Post author:references{User.query}", "query", "reserved"),
    # 5. Duplicates.
    ("User name; User email", "User", "declared twice"),
    ("User(people) name; Person email", "people", "both use the table"),
    ("User name name:text", "name", "declared twice"),
    (
        "Post author:references author_id:integer; Author name",
        "author_id",
        "foreign key",
    ),
    (
        "User name; Post author:references{User} editor:references{User}",
        "posts",
        "name the inverse",
    ),
    (
        "User posts:integer; Post author:references{User}",
        "posts",
        "inverse of Post.author",
    ),
    ("User status:enum{a,b,a}", "a", "listed twice"),
    ("Post tags:many{Tag}; Tag name; PostTag(post_tags) x", "post_tags", "clashes"),
    ("Post tags:many{Tag.posts}; Tag posts:many{Post.tags}", "tags", "one side only"),
    ("Post(posts) state:enum{a}; Thing(posts_state) x", "posts_state", "clashes"),
    ("User a:string:unique:uniq", "uniq", "repeats"),
    # 6. Unknown types or modifiers, bad arguments, marks, defaults.
    ("User name:varchar", "varchar", "unknown type"),
    ("User name:string:primry", "primry", "unknown modifier"),
    ("User name:string{0}", "string{0}", "at least 1"),
    ("User name:string{}", "string{}", "empty braces"),
    ("User name:string{20000}", "string{20000}", "text"),
    ("User name:string{a}", "string{a}", "whole number"),
    ("User price:decimal{2,10}", "decimal{2,10}", "scale"),
    ("User price:decimal{70,2}", "decimal{70,2}", "precision"),
    ("User price:decimal{40,35}", "decimal{40,35}", "at most 30"),
    ("User state:enum{}", "enum{}", "needs its values"),
    ("User state:enum", "enum", "needs its values"),
    ("User flag:boolean{5}", "boolean{5}", "no arguments"),
    ("User name:string!?", "name:string!?", "both '!' and '?'"),
    ("User name!?", "name!?", "both '!' and '?'"),
    ("User name:string!!", "name:string!!", "repeats"),
    ("Tag name; Post tags:many{Tag}:unique", "unique", "no modifiers"),
    ("Tag name; Post tags:many{Tag}!", "tags:many{Tag}!", "no meaning"),
    ("Post tags:many", "tags:many", "needs its target"),
    ("User flag:boolean:default=yes", "yes", "true or false"),
    ("User n:integer:default=1.5", "1.5", "whole number"),
    ("User n:integer:default=3000000000", "3000000000", "range of integer"),
    ("User n:float:default=abc", "abc", "not a number"),
    ("User n:decimal{4,2}:default=123.4", "123.4", "does not fit"),
    ("User n:decimal{4,2}:default=1.234", "1.234", "does not fit"),
    ("User n:decimal{30,2}:default=1234567890123456", "1234567890123456", "SQLite"),
    ("User n:decimal{20,16}:default=0.1", "0.1", "keeps a decimal as a double"),
    ("User n:decimal{30,2}:default=12345678901234.1", "12345678901234.1", "double"),
    ("User s:enum{draft,live}:default=drafts", "drafts", "not one of"),
    ("User s:string{3}:default=toolong", "toolong", "longer than"),
    ("User d:date:default=2024-02-30", "2024-02-30", "valid date"),
    ("User d:date:default=tomorrow", "tomorrow", "not a date"),
    ("User d:date:default=0999-12-31", "0999-12-31", "year 1000"),
    ("User t:time:default=09:30", "09", "quote it"),
    (
        'User t:datetime:default="2024-01-01 10:00:00.1234567"',
        '"2024-01-01 10:00:00.1234567"',
        "not a datetime",
    ),
    ("User u:uuid:default=x", "x", "no default"),
    ("User j:json:default=x", "x", "no default"),
    ("User b:binary:default=x", "x", "no default"),
    ("User s:string:default=", "default=", "needs a value"),
    ('User s:string:default="a\\qb"', '"a\\qb"', "unknown escape"),
    ('User s:string:default="tab\\there"', '"tab\\there"', "control"),
    ('User s:text:default="' + "x" * 60 + '"', '"' + "x" * 60 + '"', "too long"),
    ("User name:string:default", "default", "default=value"),
    ("User name:unique=true", "unique=true", "takes no value"),
    ("User name:string:unique!", "name:string:unique!", "right after the type"),
    ("User name!:string", "name!:string", "goes after the type"),
    ("User name:unique:string", "string", "comes right after"),
    ("User bio:text:index", "bio:text:index", "cannot be indexed"),
    ("User bio:json:index", "bio:json:index", "cannot be indexed"),
    ("User flag:boolean:unique", "flag:boolean:unique", "only two rows"),
    ("User only:enum{one}!:unique", "only:enum{one}!:unique", "only one row"),
    ("User name:string{1000}:unique", "name:string{1000}:unique", "768"),
    ("User name::unique", "name::unique", "empty type"),
    ("User name:string:", "name:string:", "empty modifier"),
    ("User author:Author", "Author", "references{Author}"),
    ("Post author:references{User}:default=1; User name", "1", "no default"),
    (
        "User " + " ".join(f"f{i}:string{{1000}}" for i in range(17)),
        "User",
        "65535",
    ),
    # 7. Targets that are not declared models; polymorphic references.
    ("Post author:references{Usr}; User name", "Usr", "not a declared model"),
    ("Post author:references; User name", "author:references", "not declared"),
    ("Post tags:many{Tags}; Tag name", "Tags", "not a declared model"),
    ("Comment on:references{polymorphic}", "references{polymorphic}", "not supported"),
    ("Post author:references{user}; User name", "user", "not a model name"),
    ("Post author:references{User.}; User name", "{User.}", "nothing after"),
    ("Post author:references{}; User name", "author:references{}", "names no model"),
    # Schemas no database could hold a row of.
    ("Node parent:references{Node.children}", "parent", "self-reference"),
    ("A1 b:references{B1}; B1 a:references{A1}", "B1.a", "loop between tables"),
    # (A loop with an optional reference is fine since version 2.)
    ("User friends:many{User.friends}", "friends:many{User.friends}", "another name"),
]


@pytest.mark.parametrize(("answer", "token", "words"), REFUSALS)
def test_refusals_name_the_token(answer, token, words):
    error = refusal(answer)
    assert error.token == token
    assert words in str(error)
    if token:
        assert show(token) in str(error) or repr(token) in str(error)


@pytest.mark.parametrize(
    ("answer", "suggestion"),
    [
        ("User name:strng", "string"),
        ("User name:String", "string"),
        ("User name:intger", "integer"),
        ("User name:string:uniqe", "unique"),
        ("User name:string:indx", "index"),
        ("User name:string:defualt=x", "default=x"),
        ("Post author:references{Usr}; User name", "User"),
        ("Post author:references{Uesr}; User name", "User"),
        ("Post tags:many{Tgas}; Tag name", "Tag"),
        ("User s:enum{draft,live}:default=drat", "draft"),
        ("user name", "User"),
        ("blog_post name", "BlogPost"),
        ("User firstName", "first_name"),
        ("User _name", "name"),
        ("Post author:references{user}; User name", "User"),
    ],
)
def test_typos_get_the_closest_valid_name(answer, suggestion):
    error = refusal(answer)
    assert error.suggestion == suggestion
    assert f"did you mean {suggestion!r}?" in str(error)


@pytest.mark.parametrize(
    ("alias", "kind"),
    [
        ("int", "integer"),
        ("str", "string"),
        ("str{40}!", "string"),
        ("bool", "boolean"),
        ("timestamp", "datetime"),
        ("double", "float"),
        ("numeric{10,2}", "decimal"),
        ("bytes", "binary"),
    ],
)
def test_common_aliases_are_their_types(alias, kind):
    [model] = parse(f"Dish servings:{alias}", timestamps=True).models
    [field] = model.fields
    assert field.kind == kind
    assert parse(f"Dish servings:{alias}", timestamps=True) == parse(
        f"Dish servings:{alias.replace(alias.split('{')[0].rstrip('!'), kind)}",
        timestamps=True,
    )


@pytest.mark.parametrize(
    ("answer", "suggestion"),
    [
        # Another language's name: the type it means, not the closest letters.
        ("Dish servings:smallint", "integer"),
        ("Dish servings:tinyint", "integer"),
        ("Dish name:varchar", "string"),
        ("Dish photo:blob", "binary"),
        ("Dish at:timestamptz", "datetime{tz}"),
        ("Dish data:jsonb", "json"),
        # A misspelt alias: the type it stands for.
        ("Dish at:timestmp", "datetime"),
        ("Dish servings:integr", "integer"),
        ("Dish tags:manny{Dish}", "many"),
    ],
)
def test_type_suggestions_point_at_what_was_meant(answer, suggestion):
    error = refusal(answer)
    assert error.suggestion == suggestion


@pytest.mark.parametrize(
    ("answer", "suggestion"),
    [
        # Version 2's modifiers, misspelt: offered with their value.
        ("Setting key:string{64}!:primay v", "primary"),
        ("Setting key:string{64}!:primery v", "primary"),
        ("User token:string{32}:secrt", "secret"),
        ("User token:string{32}:secert", "secret"),
        ("User seen:datetime!:defualt=now", "default=now"),
        ("User seen:datetime!:default=nwo", "default=now"),
        ("User born:date:default=noww", "default=now"),
        ("User name; Post a:references{User}:cascde", "cascade"),
        ("User name; Post a:references{User}?:nulify", "nullify"),
        ("User name; Post a:references{User}?:nullfy", "nullify"),
        ("Tag name; Post tags:many{Tag}:tabel=links", "table=links"),
        ("Tag name; Post tags:many{Tag}:tables=links", "table=links"),
        ("User name:string:tabel", "table="),
        # Other tools' words for them.
        ("Setting key:string{64}!:primary_key v", "primary"),
        ("Setting key:string{64}!:pk v", "primary"),
        ("User name:string:nullable", "?"),
        ("User name:string:required", "!"),
        # Version 2's types and aliases, misspelt.
        ("User password:passwrd!", "password"),
        ("User password:pasword", "password"),
        ("User n:boool", "boolean"),
        ("User n:byts", "binary"),
    ],
)
def test_version_2_modifiers_and_types_are_suggested(answer, suggestion):
    error = refusal(answer)
    assert error.suggestion == suggestion
    assert f"did you mean {suggestion!r}?" in str(error)


def test_a_time_or_text_gets_no_now_suggestion():
    assert refusal("User at:time:default=nwo").suggestion == ""
    assert refusal("User born:date:default=2024").suggestion == ""
    assert refusal("User name:string:foo").suggestion == ""


def test_messages_stay_on_one_line_whatever_the_token():
    error = refusal('User name:string:default="a\\nb"\nPost x:nope\n')
    assert "\n" not in str(error)
    error = refusal("User " + "y" * 500 + "!")
    assert len(str(error)) < 300


# --- Properties --------------------------------------------------------------------

MUTATIONS = [
    ("unknown type", lambda f: f + ":nosuchtype"),
    ("both marks", lambda f: f + ":string!?"),
    ("unknown modifier", lambda f: f + ":string:nosuchmodifier"),
    ("unclosed brace", lambda f: f + ":enum{a,b"),
    ("leading underscore", lambda f: "_" + f),
    ("keyword", lambda f: "class"),
    ("reserved", lambda f: "metadata"),
    ("bad default", lambda f: f + ":integer:default=x1"),
    ("undeclared target", lambda f: f + ":references{Nowhere}"),
    ("modifier on many", lambda f: f + ":many{Thing}:index"),
    ("bad length", lambda f: f + ":string{0}"),
]

names = st.from_regex(r"[a-z][a-z0-9]{0,10}_[0-9]{1,3}", fullmatch=True)


@given(
    fields=st.lists(names, min_size=1, max_size=5, unique=True),
    mutation=st.sampled_from(MUTATIONS),
    position=st.integers(min_value=0),
)
def test_generated_invalid_lines_raise_spec_error(fields, mutation, position):
    position %= len(fields)
    fields[position] = mutation[1](fields[position])
    with pytest.raises(SpecError):
        parse("Thing " + " ".join(fields))


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_spec_error(text):
    try:
        parse(text)
    except SpecError as error:
        assert "\n" not in str(error)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=10), inner, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_any_json_parses_or_raises_spec_error(value):
    try:
        parse(json.dumps(value))
    except SpecError as error:
        assert "\n" not in str(error)


# --- Version 2 ------------------------------------------------------------------


def test_default_now_on_a_date_or_datetime():
    model = modelspec.parse(
        "Visit seen:datetime!:default=now day:date:default=now"
        " word:string:default=now mood:enum{now,later}:default=now",
        timestamps=False,
    ).models[0]
    seen, day, word, mood = model.fields
    assert seen.default.is_now and day.default.is_now
    # On text, "now" stays the literal it always was.
    assert not word.default.is_now and word.default.value == "now"
    assert not mood.default.is_now and mood.default.value == "now"


def test_secret_and_password():
    model = modelspec.parse(
        "User token:string{32}:secret:unique password:password! pin:password",
        timestamps=False,
    ).models[0]
    token, password, pin = model.fields
    assert token.secret and token.unique and token.column == "token"
    assert password.secret and not password.nullable
    assert password.column == "password_hash"
    assert password.password_methods == ("set_password", "check_password")
    assert pin.column == "pin_hash" and pin.nullable


def test_cascade_and_nullify():
    post = modelspec.parse(
        "User name; Post author:references{User}:cascade"
        " editor:references{User.edits}?:nullify reviewer:references{User.reviews}?",
        timestamps=False,
    ).model("Post")
    assert [r.on_delete for r in post.references] == ["CASCADE", "SET NULL", None]


def test_composite_unique_and_index():
    rating = modelspec.parse(
        "User name; Item name; Rating user:references{User} item:references{Item}"
        " stars:integer! unique(user, item) index(stars,user)",
        timestamps=False,
    ).model("Rating")
    unique, index = rating.composites
    assert (unique.kind, unique.columns) == ("unique", ("user_id", "item_id"))
    assert (index.kind, index.columns) == ("index", ("stars", "user_id"))
    as_json = modelspec.parse(
        '{"Pair": {"a": "string{20}", "b": "integer", "unique(a,b)": ""}}',
        timestamps=False,
    ).models[0]
    assert as_json.composites[0].columns == ("a", "b")


def test_a_many_link_may_name_its_table():
    [link] = (
        modelspec.parse(
            "Post tags:many{Tag.posts}:table=post_tag_links; Tag name", timestamps=False
        )
        .models[0]
        .many
    )
    assert link.table == "post_tag_links"
    assert (link.column, link.target_column) == ("post_id", "tag_id")


def test_reserved_words_are_table_names():
    schema = modelspec.parse(
        "User(user) name; Order total:integer; Group(group) name; Key name",
        timestamps=False,
    )
    assert [m.table for m in schema.models] == ["user", "orders", "group", "keys"]


def test_the_readme_example_parses():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## The models language", 1)[1]
    example = section.split("```", 2)[1]
    schema = modelspec.parse(example, timestamps=True)
    assert [model.name for model in schema.models] == ["User", "Post", "Tag"]


def test_a_loop_of_references_is_closed_by_an_optional_one():
    schema = modelspec.parse(
        "Team captain:references{User.captained}?; User team:references{Team.members}?",
        timestamps=False,
    )
    closing = [r.name for m in schema.models for r in m.references if r.closes_loop]
    assert closing == ["team"]


def test_primary_keys_of_their_own():
    schema = modelspec.parse(
        "User name; Setting key:string{64}!:primary value:text;"
        " Follow follower:references{User.following}:primary"
        " followed:references{User.followers}:primary;"
        " Task id:string{36}!:primary owner:references{User.tasks};"
        " Note task:references{Task.notes}",
        timestamps=False,
    )
    assert [m.name for m in schema.model("Follow").key] == ["follower", "followed"]
    assert modelspec.key_column(schema, schema.model("Setting")) == ("key", "string")
    assert modelspec.key_column(schema, schema.model("Task")) == ("id", "string")
    assert modelspec.key_column(schema, schema.model("User")) == ("id", "integer")


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ("User email:string{120}!:unique password:string{128}!", ["User.password"]),
        ("User passwd:text", ["User.passwd"]),
        (
            "Client secret:string{64} api_key:string{40}",
            ["Client.secret", "Client.api_key"],
        ),
        ("Session token:string{32}!", ["Session.token"]),
        (
            "User reset_token:string{32}? client_secret:text",
            ["User.reset_token", "User.client_secret"],
        ),
        ("User password:password!", []),
        ("Session token:string{32}:secret:unique", []),
        ("Game token:integer", []),  # a game piece, not text: no secret
        ("User email:string{120} tokens_used:integer", []),
    ],
)
def test_fields_named_like_a_secret_but_plain_text_are_found(answer, named):
    schema = parse(answer)
    found = modelspec.plaintext_secrets(schema)
    assert [f"{field.model}.{field.name}" for field in found] == named
    warning = modelspec.plaintext_secrets_warning(schema)
    if not named:
        assert warning is None
        return
    # One line, naming the fields and both ways out.
    assert "\n" not in warning
    assert ", ".join(named) in warning
    assert "password type" in warning and "':secret'" in warning


# --- Version 3 -------------------------------------------------------------------

VERSION_3 = """\
User username:string{80}!:unique slug:text!:unique
  joined:datetime{tz}!:default=now:column=createdAt role:enum{admin,member}:type=role_kind
  following:many{User.followers}:table=follows(follower_id,followed_id):cascade
  unique(id,username);
Profile user:references{User.profile}:unique:column=owner
  kind:enum{admin,member}!:type=role_kind;
Note about:references{Profile.notes}:to=user zapped_by:references{User.zapped}?:column=zapped_by
"""


def test_version_3_additions():
    schema = parse(VERSION_3, timestamps=False)
    user, profile, note = schema.models
    joined = user.fields[2]
    assert (joined.attribute, joined.column, joined.timezone) == (
        "joined",
        "createdAt",
        True,
    )
    assert user.fields[1].unique and user.fields[1].kind == "text"
    [follows] = user.many
    assert (follows.table, follows.column, follows.target_column) == (
        "follows",
        "follower_id",
        "followed_id",
    )
    assert follows.on_delete == "CASCADE"
    assert user.composites[0].columns == ("id", "username")
    # One enum type for two fields of two tables.
    assert user.fields[3].enum_name == profile.fields[0].enum_name == "role_kind"
    [owner] = profile.references
    assert (owner.attribute, owner.column) == ("user_id", "owner")
    about, zapped_by = note.references
    assert about.to == "user"
    # A reference to a unique reference points at its column, of its type.
    assert modelspec.referred_column(schema, about) == ("owner", "integer")
    assert (zapped_by.attribute, zapped_by.column) == ("zapped_by_id", "zapped_by")


def test_to_names_the_key_or_a_unique_field():
    schema = parse("User email:string{120}!:unique; Post by:references{User}:to=email")
    [by] = schema.models[1].references
    assert modelspec.referred_column(schema, by) == ("email", "string")
    schema = parse("User email; Post by:references{User}:to=id")
    assert modelspec.referred_column(schema, schema.models[1].references[0]) == (
        "id",
        "integer",
    )


VERSION_3_REFUSALS = [
    ("User name created:datetime:column=name", "name", "share its name"),
    ("User name:column=id", "id", "generated key"),
    ("User name:column=NAME other:string:column=name", "name", "share its name"),
    ("User name:column=created_at", "created_at", "timestamp"),
    ("User name:column=2x", "2x", "column name"),
    ("User name; Post a:references{User}:column=", "column=", "column=name"),
    (
        "User name; Post tags:many{User}:table=links(a_id,a_id)",
        "links(a_id,a_id)",
        "twice",
    ),
    ("User name; Post tags:many{User}:table=links(a_id)", "links(a_id)", "two"),
    ("User name; Post a:references{User}:to=name", "name", "neither unique"),
    ("User name; Post a:references{User}:to=nme", "nme", "names no field"),
    ("User name posts:many{Post}; Post a:references{User}:to=posts", "posts", "many"),
    ("User name:string:to=id", "name:string:to=id", "no reference"),
    (
        "User name; Post tags:many{User}:cascade:nullify",
        "tags:many{User}:cascade:nullify",
        "nullify",
    ),
    ("User at:datetime{3}", "datetime{3}", "tz"),
    ("User at:datetime{tz}:default=2024-01-01", "2024-01-01", "'now' only"),
    ("User a:string:type=x", "a:string:type=x", "no enum"),
    (
        "User a:enum{x,y}:type=kind; Post b:enum{x,z}:type=kind",
        "kind",
        "other values",
    ),
    ("User a:enum{x,y}:type=users", "users", "clashes"),
    ("User a:enum{x,y}:type=select", "select", "reserved word"),
]


@pytest.mark.parametrize(("answer", "token", "words"), VERSION_3_REFUSALS)
def test_version_3_refusals_name_the_token(answer, token, words):
    error = refusal(answer)
    assert error.token == token, str(error)
    assert words in str(error)


@pytest.mark.parametrize(
    ("answer", "suggestion"),
    [
        ("User name:string:colum=full_name", "column=full_name"),
        ("User name; Post a:references{User}:too=id", "to=id"),
        ("User a:enum{x,y}:typ=kind", "type=kind"),
        ("User name; Post a:references{User}:to=nam", "name"),
    ],
)
def test_version_3_words_are_suggested(answer, suggestion):
    error = refusal(answer)
    assert error.suggestion == suggestion, str(error)
