"""The generated models module: laid out as ruff does, mapping as declared,
and, baked, passing the project's own tests (which follow the models)."""

import datetime
import importlib
import pathlib
import subprocess
import sys
import tempfile
import textwrap
import uuid

import jinja2
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import RelationshipDirection, Session, configure_mappers

from flask_db_template import models_code, modelspec
from flask_db_template.models_code import plan_models
from flask_db_template.modelspec import SpecError
from tests.baking import assert_ruff_clean as assert_project_ruff_clean
from tests.baking import run_baked_tests
from tests.strategies import decimal_defaults

TEMPLATE = pathlib.Path(__file__).parent.parent / "{{cookiecutter.project_slug}}"
MODELS_TEMPLATE = TEMPLATE / "{{cookiecutter.package_name}}" / "models.py"

EXAMPLE = """\
User username:string{80}!:unique email:string{120}!:unique;
Post title:string{200}! body:text published:boolean!:default=false
  status:enum{draft,live}!:default=draft author:references{User.posts} tags:many{Tag};
Tag name:string{50}!:unique
"""

# Every type, default and kind of link, and fields named like the modules the
# generated code uses.
BROAD = """\
Account handle:string{30}!:unique display:string:index bio:text
  balance:decimal{12,2}!:default=10.50 ratio:float:default=0.1
  visits:integer!:default=-5 big:bigint:default=9000000000
  active:boolean!:default=true born:date:default=2000-01-31
  seen_at:datetime:default="2024-01-31 09:30:00" opens:time:default="08:15"
  token:uuid!:unique settings:json avatar:binary
  role:enum{admin,member,guest}!:default=member
  motto:string{60}:default="it's \\"fine\\" – 日本" tiny:string{1}:unique
  small:decimal{2,2}:unique level:enum{a,b,c}:unique
Profile account:references:unique bio:text
Employee name:string! manager:references{Employee.reports}?
  mentor:references{Employee.mentees}? friends:many{Employee.friend_of}
Message sender:references{Account.sent_messages}
  recipient:references{Account.received_messages}? body:text!
Comment text:text! approved:boolean!:default=false uuid:uuid datetime:datetime
  when:date:default=2024-05-01 score:integer:default=3 post:references{Message.comments}
Node next:references{Node.previous}?:unique label:string{20}
Tag name:string{40}!:unique
Article(articles) title:string{100}! tags:many{Tag}
  editors:many{Account.edited_articles}
Person name:string
Wolf pack:references{Person}?
"""

LONG = "L" + "o" * 57 + "ng"  # 60 characters: a table name of 61
LONG_NAMES = (
    f"{LONG} {'a' * 63}:string{{700}}!:unique:index"
    f" {'b' * 63}:decimal{{65,30}}:default=123456789012345.0000"
    f' {"c" * 63}:datetime!:default="2024-01-31 09:30:00"'
    f" e:enum{{{'v' * 63},{'w' * 63}}}!:default={'w' * 63}"
    f" {'d' * 60}:references{{{LONG}.{'i' * 63}}}?"
    f" {'f' * 60}:references{{{LONG}.{'j' * 63}}}?"
    f" g:many{{{LONG}.{'k' * 63}}}"
    f' s:text:default="{"x y " * 14}xy"'
)


def hundred_models():
    """100 models: a chain of references, self-references, two references to one
    model and many links."""
    models = []
    for i in range(1, 101):
        fields = [
            "name:string{80}!:unique",
            "body:text",
            f"rank:integer!:default={i}",
            "state:enum{draft,live}!:default=live",
        ]
        if i > 1:
            fields.append(f"parent:references{{Model{i - 1}.children}}")
        if i % 7 == 0:
            fields.append(f"boss:references{{Model{i}.staff}}?")
        if i % 13 == 0:
            fields.append(f"owner:references{{Model1.owned_{i}}}")
            fields.append(f"editor:references{{Model1.edited_{i}}}?")
        if i % 10 == 0:
            fields.append(f"links:many{{Model{i - 1}.linked_from}}")
        if i % 25 == 0:
            fields.append(f"peers:many{{Model{i}.peer_of}}")
        models.append(f"Model{i} " + " ".join(fields))
    return ";\n".join(models)


HUNDRED = hundred_models()

SPECS = {
    "example": EXAMPLE,
    "broad": BROAD,
    "long-names": LONG_NAMES,
    "hundred": HUNDRED,
    "minimal": "Note text",
    # A reference that is its model's whole key: not SQLite's rowid.
    "reference-key": "A name:string; B a:references{A.bs}:primary",
}


# --- Helpers -------------------------------------------------------------------------


def render(spec, *, timestamps=True, package="demo_app"):
    """models.py rendered as cookiecutter would (its Jinja settings)."""
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    environment.filters["models_plan"] = plan_models
    context = {
        "cookiecutter": {
            "__models": spec,
            "timestamps": timestamps,
            "package_name": package,
        }
    }
    return {
        "models": environment.from_string(MODELS_TEMPLATE.read_text()).render(context),
    }


EXTENSIONS = """\
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
"""

RUFF_SETTINGS = """\
[tool.ruff]
line-length = 88
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "I", "UP", "B"]

[tool.pytest.ini_options]
pythonpath = ["."]
"""


def write_project(directory, rendered, package="demo_app"):
    """A project tree as the template lays it out, with the rendered files."""
    directory = pathlib.Path(directory)
    (directory / package).mkdir(parents=True, exist_ok=True)
    (directory / package / "__init__.py").write_text("")
    (directory / package / "extensions.py").write_text(EXTENSIONS)
    (directory / package / "models.py").write_text(rendered["models"])
    (directory / "pyproject.toml").write_text(RUFF_SETTINGS)
    return directory


def ruff(directory, *args):
    """Run ruff on the rendered files only (the stand-ins are not the product)."""
    files = [str(p) for p in pathlib.Path(directory).rglob("*.py")]
    files = [f for f in files if f.endswith("models.py")]
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", *files],
        cwd=directory,
        capture_output=True,
        text=True,
    )


def assert_ruff_clean(directory):
    formatted = ruff(directory, "format", "--check", "--diff")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    checked = ruff(directory, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def load_models(directory, models_text):
    """Import a rendered models module in a package of its own; map it."""
    package = f"demo_{uuid.uuid4().hex}"
    root = pathlib.Path(directory)
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / package / "extensions.py").write_text(EXTENSIONS)
    (root / package / "models.py").write_text(models_text)
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(f"{package}.models")
    finally:
        sys.path.remove(str(root))
    configure_mappers()
    return module


def create_tables(module, *, foreign_keys=False):
    """An in-memory SQLite database of the models' tables; with `foreign_keys`
    it enforces them, as the baked app's SQLite connections do."""
    engine = sa.create_engine("sqlite://")
    if foreign_keys:
        sa.event.listen(engine, "connect", enforce_foreign_keys)
    module.db.metadata.create_all(engine)
    return engine, sa.inspect(engine)


def enforce_foreign_keys(connection, record):
    connection.execute("PRAGMA foreign_keys = ON")


# --- The models module -------------------------------------------------------------


def test_example_models_module():
    models = render(EXAMPLE)["models"]
    expected_lines = [
        "from flask_db_kit.utc import UtcNow",
        "from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, String, Text, text",
        "from sqlalchemy.dialects import mysql",
        "from sqlalchemy.orm import Mapped, mapped_column, relationship",
        "from .extensions import db",
        "PreciseDateTime = DateTime().with_variant("
        'mysql.DATETIME(fsp=6), "mysql", "mariadb")',
        "class User(TimestampMixin, db.Model):",
        '    __tablename__ = "users"',
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        "    username: Mapped[str] = mapped_column(String(80), unique=True)",
        '    posts: Mapped[list["Post"]] = relationship(',
        '        back_populates="author", passive_deletes="all"',
        "    body: Mapped[str | None] = mapped_column(Text)",
        '        Boolean, default=False, server_default=text("false")',
        '        Enum("draft", "live", name="posts_status", validate_strings=True),',
        '        server_default="draft",',
        "    author_id: Mapped[int] = mapped_column("
        'ForeignKey("users.id"), index=True)',
        '    author: Mapped["User"] = relationship(back_populates="posts")',
        "post_tags = db.Table(",
        '    db.Column("post_id", ForeignKey("posts.id"), primary_key=True),',
        '    db.Column("tag_id", ForeignKey("tags.id"), primary_key=True),',
        '        secondary="post_tags", back_populates="posts"',
        "    created_at: Mapped[datetime.datetime] = mapped_column(",
        "        PreciseDateTime, server_default=UtcNow(), onupdate=UtcNow()",
    ]
    lines = models.splitlines()
    for line in expected_lines:
        assert line in lines, line


def test_imports_only_what_is_used():
    models = render("Note title:string!", timestamps=False)["models"]
    assert models.splitlines()[2:6] == [
        "from sqlalchemy import String",
        "from sqlalchemy.orm import Mapped, mapped_column",
        "",
        "from .extensions import db",
    ]
    assert "TimestampMixin" not in models
    assert "class Note(db.Model):" in models


@pytest.mark.parametrize("timestamps", [True, False], ids=["timestamps", "plain"])
@pytest.mark.parametrize("name", list(SPECS))
def test_rendered_files_pass_ruff(tmp_path, name, timestamps):
    assert_ruff_clean(
        write_project(tmp_path, render(SPECS[name], timestamps=timestamps))
    )


def test_hundred_models_map_and_create_tables(tmp_path):
    module = load_models(tmp_path, render(HUNDRED)["models"])
    engine, inspector = create_tables(module)
    assert len(inspector.get_table_names()) == 100 + 10 + 4  # + association tables
    children = sa.inspect(module.Model1).relationships["children"]
    assert children.direction is RelationshipDirection.ONETOMANY


def test_broad_schema_maps_as_declared(tmp_path):
    module = load_models(tmp_path, render(BROAD)["models"])
    engine, inspector = create_tables(module)
    accounts = {c["name"]: c for c in inspector.get_columns("accounts")}
    assert accounts["handle"]["nullable"] is False
    assert accounts["display"]["nullable"] is True
    assert accounts["handle"]["type"].length == 30
    assert accounts["balance"]["default"] is not None
    assert accounts["created_at"]["nullable"] is False
    uniques = {
        tuple(u["column_names"]) for u in inspector.get_unique_constraints("accounts")
    }
    assert {("handle",), ("token",), ("tiny",), ("small",), ("level",)} <= uniques
    indexes = {i["name"] for i in inspector.get_indexes("accounts")}
    assert "ix_accounts_display" in indexes
    profile_keys = inspector.get_unique_constraints("profiles")
    assert profile_keys[0]["column_names"] == ["account_id"]
    assert inspector.get_pk_constraint("employee_friends")["constrained_columns"] == [
        "employee_id",
        "friend_id",
    ]

    def relationship(model, name):
        return sa.inspect(getattr(module, model)).relationships[name]

    assert (
        relationship("Employee", "manager").direction is RelationshipDirection.MANYTOONE
    )
    assert (
        relationship("Employee", "reports").direction is RelationshipDirection.ONETOMANY
    )
    assert relationship("Node", "previous").uselist is False
    assert relationship("Account", "profile").uselist is False
    sender = relationship("Message", "sender")
    assert {c.name for c in sender.local_columns} == {"sender_id"}
    assert relationship("Employee", "friend_of").secondary.name == "employee_friends"


def test_boolean_and_number_defaults_read_alike_on_every_dialect():
    from sqlalchemy.dialects import mysql, postgresql, sqlite
    from sqlalchemy.schema import CreateTable

    module_code = render("Flag on:boolean!:default=true n:integer:default=-5")["models"]
    with tempfile.TemporaryDirectory() as directory:
        module = load_models(directory, module_code)
    table = module.Flag.__table__
    for dialect in (sqlite.dialect(), postgresql.dialect(), mysql.dialect()):
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert "DEFAULT true" in ddl, ddl
        assert "-5" in ddl


def ddl(table, dialect_name):
    from sqlalchemy.dialects import mysql, postgresql, sqlite
    from sqlalchemy.schema import CreateTable

    dialects = {
        "sqlite": sqlite.dialect(),
        "postgresql": postgresql.dialect(),
        "mysql": mysql.dialect(),
        "mariadb": mysql.dialect(is_mariadb=True),
    }
    return str(CreateTable(table).compile(dialect=dialects[dialect_name]))


def test_floats_and_times_keep_full_precision_on_every_dialect(tmp_path):
    """A double, and microseconds: MariaDB's FLOAT is single precision, and its
    DATETIME and TIME keep whole seconds unless given a precision."""
    spec = "Reading value:float at:datetime opens:time day:date"
    module = load_models(tmp_path, render(spec)["models"])
    table = module.Reading.__table__
    for dialect in ("mysql", "mariadb"):
        statement = ddl(table, dialect)
        assert "value DOUBLE" in statement, statement
        assert "at DATETIME(6)" in statement
        assert "opens TIME(6)" in statement
        assert "created_at DATETIME(6)" in statement
        assert "day DATE" in statement
    statement = ddl(table, "postgresql")
    assert "value DOUBLE PRECISION" in statement, statement
    assert "at TIMESTAMP WITHOUT TIME ZONE" in statement
    assert "opens TIME WITHOUT TIME ZONE" in statement
    assert "value DOUBLE" in ddl(table, "sqlite")


@pytest.mark.parametrize(
    ("spec", "timestamps", "defined"),
    [
        ("Note title", False, []),
        ("Note title", True, ["PreciseDateTime"]),
        ("Note opens:time", False, ["PreciseTime"]),
        ("Note at:datetime opens:time", False, ["PreciseDateTime", "PreciseTime"]),
    ],
)
def test_models_define_the_precise_types_they_use(spec, timestamps, defined):
    models = render(spec, timestamps=timestamps)["models"]
    assert [n for n in ("PreciseDateTime", "PreciseTime") if f"{n} = " in models] == (
        defined
    )
    assert ("from sqlalchemy.dialects import mysql" in models) == bool(defined)
    imported = models.split("from sqlalchemy import ")[1].split("\n")[0]
    assert ("DateTime" in imported.split(", ")) == ("PreciseDateTime" in defined)
    assert ("Time" in imported.split(", ")) == ("PreciseTime" in defined)


def test_defaults_keep_microseconds_and_are_written_as_ruff_writes_them():
    spec = (
        'Event at:datetime:default="2024-01-31 09:30:00.5"'
        ' opens:time:default="08:15:00.000001" ratio:float:default=1e16'
    )
    models = render(spec, timestamps=False)["models"]
    assert "default=datetime.datetime(2024, 1, 31, 9, 30, 0, 500000)" in models
    assert 'server_default="2024-01-31 09:30:00.500000"' in models
    assert "default=datetime.time(8, 15, 0, 1)" in models
    assert 'server_default="08:15:00.000001"' in models
    assert 'default=1e16, server_default=text("1e+16")' in models


def test_fields_named_like_modules_keep_working(tmp_path):
    spec = (
        "Note text:text! approved:boolean!:default=false uuid:uuid datetime:datetime"
        " day:date:default=2024-05-01 list_of:string"
    )
    models = render(spec)["models"]
    assert "from sqlalchemy import text as sql_text" in models
    assert "import datetime as dt" in models
    assert 'uuid: Mapped["uuid.UUID | None"] = mapped_column(Uuid)' in models
    module = load_models(tmp_path, models)
    create_tables(module)
    assert module.Note.__table__.c.uuid.nullable


@pytest.mark.parametrize(
    "answer",
    [
        "Event datetime:datetime dt:date day:date:default=2024-01-01",
        # The alias is module-wide: one model needs it, another hides it.
        "Event datetime:datetime day:date:default=2024-01-01;"
        " Log dt:date day:date:default=2024-01-01",
        "Note text sql_text flag:boolean:default=true",
    ],
)
def test_a_field_hiding_the_alias_is_refused_by_parse(answer):
    with pytest.raises(SpecError, match="hide"):
        modelspec.parse(answer, timestamps=True)


@pytest.mark.parametrize(
    ("answer", "timestamps"),
    [(True, True), ("yes", True), ("False", False), ("n", False)],
)
def test_timestamps_may_come_as_text(answer, timestamps):
    assert plan_models("Note title", answer).schema.timestamps is timestamps


def test_timestamps_text_must_be_yes_or_no():
    with pytest.raises(SpecError, match="'maybe'"):
        plan_models("Note title", "maybe")


def test_plan_exposes_the_schema():
    plan = plan_models(EXAMPLE, True)
    assert [m.class_name for m in plan.models] == ["User", "Post", "Tag"]
    assert plan.models[1].bases == "TimestampMixin, db.Model"
    assert plan.schema.model("Post").table == "posts"


# --- Baked, the project's own tests pass -------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["broad", "long-names", "reference-key"])
def test_baked_schemas_pass_their_own_tests(bake, name):
    """The baked tests and API follow whatever the models hold: every type,
    default and link, names at the length limit."""
    project = bake(models=SPECS[name])
    assert_project_ruff_clean(project)
    run_baked_tests(project)


# --- Laying out code like ruff -------------------------------------------------------


def ruff_format(code):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--line-length", "88", "-"],
        input=code,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


annotations = st.sampled_from(
    [
        "int",
        "str | None",
        "datetime.datetime | None",
        '"Model | None"',
        'list["SomeRatherLongModelName"]',
    ]
)
positional = st.lists(
    st.sampled_from(["String(120)", 'ForeignKey("some_table_name.id")', "Text"]),
    max_size=2,
)
keywords = st.lists(
    st.sampled_from(
        [
            "unique=True",
            'server_default=text("false")',
            'back_populates="inverse_name_of_some_length"',
            'default="a default with spaces"',
            'foreign_keys="SomeModelName.some_column_id"',
        ]
    ),
    max_size=4,
    unique=True,
)
arguments = st.tuples(positional, keywords).map(lambda pk: pk[0] + pk[1]).filter(bool)


@given(target_length=st.integers(1, 63), annotation=annotations, args=arguments)
def test_annotated_assignments_are_laid_out_like_ruff(target_length, annotation, args):
    value = models_code._Bracketed(
        "mapped_column(",
        tuple(models_code._Item(models_code._Atom(a)) for a in args),
        ")",
    )
    target = "t" * target_length
    statement = models_code._annotated_assignment(target, annotation, value, 4)
    ours = f"class A:\n    {statement}\n"
    call = f"mapped_column({', '.join(args)})"
    flat = f"class A:\n    {target}: Mapped[{annotation}] = {call}\n"
    assert ours == ruff_format(flat)


@given(text=st.text(max_size=30))
def test_string_literals_are_written_like_ruff(text):
    literal = modelspec.python_string_literal(text)
    assert eval(literal) == text
    assert ruff_format(f"x = {literal}\n") == f"x = {literal}\n"


# --- Generated valid answers ---------------------------------------------------------

UNIQUE_KINDS = ("string", "integer", "bigint", "float", "decimal", "date", "datetime")
SCALAR_KINDS = modelspec.SCALAR_TYPES + ("enum",)
DEFAULT_KINDS = ("string", "text", "integer", "bigint", "float", "decimal", "boolean")
DEFAULT_KINDS += ("date", "datetime", "time", "enum")


EARLIEST = datetime.datetime(1000, 1, 1)  # MariaDB's DATETIME starts there


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def scalar_field(draw, name):
    kind = draw(st.sampled_from(SCALAR_KINDS))
    token, length, precision, scale, values = f"{name}:{kind}", 255, 0, 0, []
    if kind == "string" and draw(st.booleans()):
        length = draw(st.integers(1, 800))
        token += f"{{{length}}}"
    if kind == "decimal":
        precision = draw(st.integers(1, 65))
        scale = draw(st.integers(0, min(precision, 30)))
        token += f"{{{precision},{scale}}}"
    aware = kind == "datetime" and draw(st.booleans())  # version 3: datetime{tz}
    if aware:
        token += "{tz}"
    # Version 3: one enum type shared by every field that names it.
    shared_enum = kind == "enum" and draw(st.booleans())
    if shared_enum:
        values = ["ax", "bx"]
        token += "{ax,bx}"
    elif kind == "enum":
        values = draw(
            st.lists(
                st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        token += "{" + ",".join(values) + "}"
    mark = draw(st.sampled_from(["", "!", "?"]))
    token += mark
    indexable = kind in UNIQUE_KINDS + ("enum", "time", "uuid") and length <= 768
    if indexable and draw(st.booleans()):
        modifiers = [":unique", ":uniq", ":index", ":unique:index"]
        if kind == "enum" and mark == "!" and len(values) == 1:
            modifiers = [":index"]  # a required unique enum of one value is refused
        token += draw(st.sampled_from(modifiers))
    elif kind == "text" and draw(st.booleans()):
        token += ":unique"  # version 3: the databases enforce it
    if kind in DEFAULT_KINDS and draw(st.booleans()):
        written = draw(default_for(kind, length, precision, scale, values))
        if not aware or written == "now":  # an aware datetime's default is now
            token += ":default=" + written
    if kind != "password" and draw(st.booleans()):
        token += ":secret"
    if shared_enum:
        token += ":type=shared_kind"
    token += draw(own_column(name))
    return token


def own_column(field):
    """Version 3's `:column=`, or nothing: `Col_<field>` has two underscores
    where every field name has one, so it takes no other column's name."""
    if len(field) > 59:
        return st.just("")
    return st.sampled_from(["", f":column=Col_{field}"])


def default_for(kind, length, precision, scale, values):
    if kind in ("string", "text"):
        alphabet = st.sampled_from(list("abcXYZ09 _-'\"\\éß中🙂"))
        size = min(length, 20) if kind == "string" else 20
        return st.text(alphabet, max_size=size).map(quoted)
    if kind == "enum":
        return st.sampled_from(values)
    if kind == "boolean":
        return st.sampled_from(["true", "false", "True"])
    if kind == "integer":
        return st.integers(-(2**31), 2**31 - 1).map(str)
    if kind == "bigint":
        return st.integers(-(2**63), 2**63 - 1).map(str)
    if kind == "float":
        written = st.sampled_from(["1.5", "-0.25", "1e3", "0", "12.125", ".5", "1E-7"])
        return written | st.floats(allow_nan=False, allow_infinity=False).map(repr)
    if kind == "decimal":
        return decimal_defaults(precision, scale)
    if kind == "date":
        dates = st.dates(min_value=EARLIEST.date()).map(lambda d: f"{d:%Y-%m-%d}")
        return st.just("now") | dates
    if kind == "datetime":
        # Microseconds and all: the columns keep them on every database.
        moments = st.datetimes(min_value=EARLIEST).map(lambda d: quoted(str(d)))
        return st.just("now") | moments
    return st.times().map(lambda t: quoted(str(t)))


# `:primary` fields of every kind a key may have (model-spec.md).
KEY_TOKENS = [
    "string{40}:primary",
    "integer!:primary",
    "bigint:primary",
    "uuid:primary",
    "date!:primary",
    "datetime:primary",
    "time:primary",
    "decimal{10,2}:primary",
    "boolean:primary",
    "enum{a,b}:primary",
]


@st.composite
def valid_answers(draw):
    """Answers valid by construction: names end in digits (so are never reserved
    nor keywords), references point at earlier models (or, if optional, at their
    own) so foreign keys never loop, and inverse names are numbered or the one
    default of a pair of models. A model is keyed by the generated id or by
    `:primary` fields (one, or several); references point at models with a
    one-column key, many links join id-keyed models."""
    count = draw(st.integers(1, 5))
    names = []
    for i in range(count):
        stem = draw(st.from_regex(r"[A-Z][a-z]{0,8}", fullmatch=True))
        if draw(st.booleans()):
            stem += "x" * (56 - len(stem))
        names.append(f"{stem}{i}")
    keys = {name: draw(st.sampled_from([0, 0, 1, 2, 3])) for name in names}
    taken_inverses = {name: set() for name in names}
    inverse_numbers = iter(range(10**6))
    models = []
    for i, name in enumerate(names):
        snake = name.lower()
        fields = []
        for j in range(draw(st.integers(1, 6))):
            kind = draw(st.sampled_from(["scalar"] * 4 + ["references", "many"]))
            # Generated names stay within 63: <field>_id, <model>_<field> (an
            # association table) and <table>_<field> (an enum type).
            suffix = f"_{j}"
            room = min(60, 61 - len(snake)) - len(suffix)
            stem = draw(st.from_regex(r"[a-z][a-z0-9]{0,60}", fullmatch=True))
            field = stem[:room] + suffix
            if kind == "scalar":
                fields.append(draw(scalar_field(field)))
                continue
            optional = kind == "references" and draw(st.booleans())
            # References point back (or at their own model, if optional): foreign
            # keys that loop between tables are refused.
            if kind == "many":
                choices = [n for n in names if keys[n] == 0] if keys[name] == 0 else []
            else:
                choices = names[: i + 1] if optional else names[:i]
                choices = [n for n in choices if keys[n] <= 1]
            if not choices:
                fields.append(draw(scalar_field(field)))
                continue
            target = draw(st.sampled_from(choices))
            unique = kind == "references" and draw(st.booleans())
            default = snake if unique else f"{snake}s"
            if (
                target != name
                and default not in taken_inverses[target]
                and draw(st.booleans())
            ):
                inverse = ""
                taken_inverses[target].add(default)
            else:
                inverse = f".inverse_{next(inverse_numbers)}"
            token = f"{field}:{kind}{{{target}{inverse}}}"
            if optional:
                token += "?"
            if unique:
                token += ":unique"
            if kind == "references":
                token += draw(own_column(field))
                if keys[target] == 0:
                    token += draw(st.sampled_from(["", ":to=id"]))
            else:  # version 3: the link table's columns, ON DELETE CASCADE
                if draw(st.booleans()):
                    token += f":table=lk_{snake}_{j}(src_id,dst_id)"
                token += draw(st.sampled_from(["", ":cascade"]))
            fields.append(token)
        for part in range(keys[name]):
            key_kind = draw(st.sampled_from(KEY_TOKENS))
            fields.insert(draw(st.integers(0, len(fields))), f"k{part}:{key_kind}")
        models.append(f"{name} " + " ".join(fields))
    separator = draw(st.sampled_from(["; ", "\n", ";\n"]))
    return separator.join(models)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(answer=valid_answers(), timestamps=st.booleans())
def test_generated_answers_render_ruff_clean_modules_that_map(answer, timestamps):
    rendered = render(answer, timestamps=timestamps)
    with tempfile.TemporaryDirectory() as directory:
        assert_ruff_clean(write_project(directory, rendered))
        module = load_models(pathlib.Path(directory) / "load", rendered["models"])
        create_tables(module)


def test_generated_answers_are_valid_example():
    """The strategy's own sanity check, readable when it fails."""
    answer = textwrap.dedent(
        """\
        Ab0 x_0:string{5}!:unique y_1:references{Ab0.inverse_0}?
        Cd1 z_0:references{Ab0} w_1:many{Cd1.inverse_1}
        """
    )
    modelspec.parse(answer, timestamps=True)


def test_default_now_is_utc_in_the_orm_and_the_database(tmp_path):
    spec = "Visit seen:datetime!:default=now day:date:default=now note:string"
    rendered = render(spec, timestamps=False)
    lines = rendered["models"].splitlines()
    assert "from flask_db_kit.utc import UtcNow, UtcToday" in lines
    assert "        PreciseDateTime, default=UtcNow.value, server_default=UtcNow()" in (
        lines
    )
    assert "        Date, default=UtcToday.value, server_default=UtcToday()" in lines
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", rendered["models"])
    engine, _ = create_tables(module)
    with engine.begin() as connection:
        connection.execute(module.Visit.__table__.insert().values(note="x"))
        seen, day = connection.execute(sa.text("SELECT seen, day FROM visits")).one()
    assert seen and day


def test_a_password_is_a_hash_column_with_set_and_check(tmp_path):
    long_name = "p" * 58
    spec = f"User password:password! {long_name}:password token:string{{32}}:secret"
    rendered = render(spec, timestamps=False)
    models = rendered["models"]
    assert (
        "from werkzeug.security import check_password_hash, generate_password_hash"
        in models.splitlines()
    )
    assert 'String(255), info={"secret": True, "hash_of": "password"}' in models
    assert 'String(32), info={"secret": True}' in models
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", models)
    user = module.User()
    user.set_password("correct horse")
    assert user.password_hash != "correct horse"
    assert user.check_password("correct horse")
    assert not user.check_password("wrong horse")
    assert not getattr(user, f"check_{long_name}")("anything")  # none set yet
    getattr(user, f"set_{long_name}")("x")
    assert getattr(user, f"check_{long_name}")("x")


def test_cascade_and_nullify_in_the_foreign_key_and_the_session(tmp_path):
    spec = (
        "User name; Post author:references{User.posts}:cascade"
        " editor:references{User.edits}?:nullify"
    )
    rendered = render(spec, timestamps=False)
    models = rendered["models"]
    assert 'ForeignKey("users.id", ondelete="CASCADE")' in models
    assert 'ForeignKey("users.id", ondelete="SET NULL")' in models
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", models)
    engine, _ = create_tables(module, foreign_keys=True)
    with Session(engine) as session:
        author, editor = module.User(name="a"), module.User(name="e")
        post = module.Post(author=author, editor=editor)
        session.add(post)
        session.commit()
        session.delete(editor)
        session.commit()
        assert post.editor_id is None
        session.delete(author)
        session.commit()
        assert session.scalars(sa.select(module.Post)).all() == []


@pytest.mark.parametrize("mark", ["?", ""])
def test_without_cascade_or_nullify_the_database_refuses_the_delete(tmp_path, mark):
    """model-spec.md: without :cascade or :nullify the database refuses to
    delete a row still referred to; the ORM must not empty the reference first
    (its default for a one-to-many), optional or not."""
    rendered = render(
        f"User name; Post editor:references{{User.edits}}{mark}", timestamps=False
    )
    assert 'passive_deletes="all"' in rendered["models"]
    module = load_models(tmp_path / "load", rendered["models"])
    engine, _ = create_tables(module, foreign_keys=True)
    with Session(engine) as session:
        editor = module.User(name="e")
        post = module.Post(editor=editor)
        session.add(post)
        session.commit()
        assert editor.edits == [post]  # loaded: the ORM knows the rows
        session.delete(editor)
        with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
            session.commit()
        session.rollback()
        assert session.get(module.Post, post.id).editor_id == editor.id


def test_a_one_to_one_without_cascade_or_nullify_refuses_the_delete(tmp_path):
    rendered = render(
        "User name; Profile owner:references{User.profile}?:unique", timestamps=False
    )
    module = load_models(tmp_path / "load", rendered["models"])
    engine, _ = create_tables(module, foreign_keys=True)
    with Session(engine) as session:
        owner = module.User(name="o")
        session.add(module.Profile(owner=owner))
        session.commit()
        assert owner.profile is not None
        session.delete(owner)
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()


def test_composites_are_table_args_named_by_the_convention(tmp_path):
    spec = (
        "User name; Item name; Rating user:references{User} item:references{Item}"
        " stars:integer! unique(user,item) index(stars,user);"
        " Pair a:string{20} b:integer unique(a,b)"
    )
    rendered = render(spec, timestamps=False)
    models = rendered["models"]
    assert '    __table_args__ = (UniqueConstraint("a", "b"),)' in models
    assert '        UniqueConstraint("user_id", "item_id"),' in models
    assert '        Index(None, "stars", "user_id"),' in models
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", models)
    _, inspector = create_tables(module)
    assert {"uq_ratings_user_id_item_id"} == {
        u["name"] for u in inspector.get_unique_constraints("ratings")
    }
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("ratings")}
    assert indexes["ix_ratings_stars_user_id"] == ["stars", "user_id"]
    assert indexes["ix_ratings_user_id"] == ["user_id"]


def test_a_sized_binary_is_a_varbinary_on_mariadb(tmp_path):
    rendered = render("File digest:binary{32}! body:binary", timestamps=False)
    models = rendered["models"]
    assert (
        'LargeBinary(32).with_variant(mysql.VARBINARY(32), "mysql", "mariadb")'
        in models
    )
    assert "from sqlalchemy.dialects import mysql" in models.splitlines()
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    load_models(tmp_path / "load", models)


def test_references_that_loop_between_tables_save_both_sides(tmp_path):
    spec = (
        "Team name:string{40}! captain:references{User.captained}?;"
        " User name:string{40}! team:references{Team.members}?"
    )
    rendered = render(spec, timestamps=False)
    models = rendered["models"]
    assert 'ForeignKey("teams.id", use_alter=True)' in models
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", models)
    # SQLAlchemy sorts the tables: the loop is closed by use_alter.
    assert [t.name for t in module.db.metadata.sorted_tables] == ["users", "teams"]
    engine, _ = create_tables(module)
    with Session(engine) as session:
        ada = module.User(name="ada")
        team = module.Team(name="blue", captain=ada)
        ada.team = team
        session.add(team)
        session.commit()
        assert (ada.team_id, team.captain_id) == (team.id, ada.id)


def test_keys_of_their_own(tmp_path):
    spec = (
        "User name; Follow follower:references{User.following}:primary"
        " followed:references{User.followers}:primary;"
        " Task id:string{36}!:primary owner:references{User.tasks};"
        " Note task:references{Task.notes}:cascade"
    )
    rendered = render(spec, timestamps=False)
    models = rendered["models"]
    assert "id: Mapped[str] = mapped_column(String(36), primary_key=True)" in models
    assert 'ForeignKey("tasks.id", ondelete="CASCADE")' in models
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", models)
    _, inspector = create_tables(module)
    assert inspector.get_pk_constraint("follows")["constrained_columns"] == [
        "follower_id",
        "followed_id",
    ]
    [note_task] = inspector.get_columns("notes")[1:2]
    assert str(note_task["type"]) == "VARCHAR(36)"


def test_a_bigint_key_is_counted_up_by_sqlite_with_autoincrement(tmp_path):
    """SQLite refuses AUTOINCREMENT (which the baked app sets on every table)
    but on an INTEGER PRIMARY KEY: a bigint key is one there."""
    rendered = render(
        "Big code:bigint!:primary name; Ref big:references{Big.refs}",
        timestamps=False,
    )
    models = rendered["models"]
    assert 'BigInteger().with_variant(Integer, "sqlite"), primary_key=True' in models
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", models)
    for table in module.db.metadata.tables.values():
        table.dialect_kwargs["sqlite_autoincrement"] = True  # as extensions.py
    engine, inspector = create_tables(module, foreign_keys=True)
    assert str(inspector.get_columns("bigs")[0]["type"]) == "INTEGER"
    with Session(engine) as session:
        first = module.Big(name="a")
        session.add(module.Ref(big=first))
        session.commit()
        assert first.code == 1
    ddl = str(sa.schema.CreateTable(module.Big.__table__).compile(engine))
    assert "AUTOINCREMENT" in ddl
    postgresql = sa.create_engine("postgresql+psycopg://").dialect
    created = sa.schema.CreateTable(module.Big.__table__).compile(dialect=postgresql)
    assert "code BIGSERIAL NOT NULL" in str(created)  # a BIGINT, counted up


@pytest.mark.parametrize(
    ("parent", "declared"),
    [
        ("A name", 'Integer().with_variant(BigInteger, "sqlite"), ForeignKey'),
        ("A code:bigint!:primary name", "BigInteger, ForeignKey"),
    ],
)
def test_a_reference_that_is_the_whole_key_refuses_null_on_sqlite(
    tmp_path, parent, declared
):
    """SQLite makes a one-column key declared exactly INTEGER the rowid: a NULL
    inserted there would take the next number and join a parent nobody chose."""
    rendered = render(f"{parent}; B a:references{{A.bs}}:primary", timestamps=False)
    models = rendered["models"]
    assert declared in " ".join(models.split())
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", models)
    for table in module.db.metadata.tables.values():
        table.dialect_kwargs["sqlite_autoincrement"] = True  # as extensions.py
    engine, inspector = create_tables(module, foreign_keys=True)
    assert str(inspector.get_columns("bs")[0]["type"]) == "BIGINT"
    with engine.begin() as connection:
        connection.execute(sa.insert(module.A.__table__).values(name="parent"))
    with pytest.raises(sa.exc.IntegrityError, match="NOT NULL"):
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO bs (a_id) VALUES (NULL)"))
    postgresql = sa.create_engine("postgresql+psycopg://").dialect
    created = str(sa.schema.CreateTable(module.B.__table__).compile(dialect=postgresql))
    integer = "BIGINT" if "bigint" in parent else "INTEGER"
    assert f"a_id {integer} NOT NULL" in created, created


def test_version_3_code(tmp_path):
    """Column names of their own, link-table columns with ON DELETE CASCADE, a
    foreign key to a unique field, an aware datetime, a shared enum type."""
    spec = (
        "User name:string{40}!:unique joined:datetime{tz}!:default=now:column=joinedAt"
        " role:enum{a,b}:type=role_kind"
        " following:many{User.followers}:table=follows(follower_id,followed_id):cascade"
        " unique(id,name);"
        " Profile user:references{User.profile}:unique:column=owner"
        " kind:enum{a,b}:type=role_kind;"
        " Note about:references{Profile.notes}:to=user"
    )
    rendered = render(spec, timestamps=False)
    lines = rendered["models"].splitlines()
    assert "from flask_db_kit.utc import AwareDateTime, AwareNow" in lines
    assert (
        '        "joinedAt", AwareDateTime, default=AwareNow.value, '
        "server_default=AwareNow()"
    ) in lines
    assert (
        '    user_id: Mapped[int] = mapped_column("owner", ForeignKey("users.id"), '
        "unique=True)"
    ) in lines
    assert (
        '    about_id: Mapped[int] = mapped_column(ForeignKey("profiles.owner"), index=True)'
        in lines
    )
    assert '    __table_args__ = (UniqueConstraint("id", "name"),)' in lines
    assert_ruff_clean(write_project(tmp_path / "project", rendered))
    module = load_models(tmp_path / "load", rendered["models"])
    engine, inspector = create_tables(module, foreign_keys=True)
    assert "joinedAt" in [c["name"] for c in inspector.get_columns("users")]
    keys = inspector.get_foreign_keys("follows")
    assert [k["constrained_columns"] for k in keys] == [
        ["follower_id"],
        ["followed_id"],
    ]
    assert {k["options"].get("ondelete") for k in keys} == {"CASCADE"}
    tables = module.db.metadata.tables
    # One enum type, named once, for both tables.
    assert tables["users"].c.role.type.name == "role_kind"
    assert tables["profiles"].c.kind.type.name == "role_kind"
