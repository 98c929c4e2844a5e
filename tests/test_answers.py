"""The answer checks and the escaping filters, as plain functions."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pexpect
import psycopg.pq
import pymysql
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import make_url

from flask_db_template import escaping
from flask_db_template.answers import (
    FLAGS,
    NO_WORDS,
    SQLITE_MAX_PATHNAME,
    YES_WORDS,
    AnswerError,
    baked_paths,
    check_email,
    check_package_name,
    check_project_path,
    check_project_slug,
    check_text,
    example_database_url,
    make_flags_booleans,
    masked_url,
    parse_database_url,
    split_url,
    yes_or_no,
)
from tests.baking import REPO, clean_environment, run_baked_tests


@pytest.mark.parametrize("slug", ["my-flask-app", "app2", "a", "shop_front"])
def test_valid_slugs(slug):
    assert check_project_slug(slug) == slug


def derived_names(project_name: str) -> tuple[str, str]:
    """The slug and package name cookiecutter.json derives from a project name,
    rendered as cookiecutter renders its defaults."""
    from cookiecutter.environment import StrictEnvironment

    context = json.loads((REPO / "cookiecutter.json").read_text())
    environment = StrictEnvironment(context={"cookiecutter": context})
    answers = {"project_name": project_name}
    for name in ("project_slug", "package_name"):
        template = environment.from_string(context[name])
        answers[name] = template.render(cookiecutter=answers)
    return answers["project_slug"], answers["package_name"]


@pytest.mark.parametrize(
    ("project_name", "slug"),
    [
        ("{{ 7*7 }} App", "project-7-7-app"),
        ("7-Eleven Stores", "project-7-eleven-stores"),
        ("2048", "project-2048"),
        ("3D Printer Farm", "project-3d-printer-farm"),
        ("Recipe Box", "recipe-box"),
        ("Caf\u00e9 2", "cafe-2"),
    ],
)
def test_a_name_starting_with_a_digit_derives_a_valid_slug_and_package(
    project_name, slug
):
    derived_slug, package = derived_names(project_name)
    assert derived_slug == slug
    assert check_project_slug(derived_slug) == slug
    assert check_package_name(package) == slug.replace("-", "_")


def test_the_readme_s_example_command_line_bakes_as_written(tmp_path):
    # README.md: `cookiecutter . project_name='{{ 7*7 }} App'`, every
    # question then answered with its default, in a real terminal.
    readme = (REPO / "README.md").read_text()
    assert "`cookiecutter . project_name='{{ 7*7 }} App'`" in " ".join(readme.split())
    child = pexpect.spawn(
        str(Path(sys.executable).parent / "cookiecutter"),
        [str(REPO), "project_name={{ 7*7 }} App"],
        cwd=tmp_path,
        env=clean_environment(HOME=str(tmp_path), TERM="xterm"),
        encoding="utf-8",
        timeout=300,
        dimensions=(60, 250),
    )
    while child.expect([r"\[\d+/12\]", pexpect.EOF]) == 0:
        child.sendline("")
    child.close()
    assert child.exitstatus == 0, child.before
    project = tmp_path / "project-7-7-app"
    views = (project / "project_7_7_app" / "views.py").read_text()
    assert 'PROJECT_NAME = "{{ 7*7 }} App"' in views
    run_baked_tests(project)


@pytest.mark.parametrize(
    "slug", ["", "2048-game", "-app", "app-", "My-App", "a--b", "caf\u00e9"]
)
def test_invalid_slugs_are_named(slug):
    with pytest.raises(AnswerError, match=r"^project_slug: "):
        check_project_slug(slug)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("flask", "dependency"),
        ("sqlalchemy", "dependency"),
        ("json", "standard library"),
        ("test", "dependency"),
        ("tests", "folder"),
        ("migrations", "folder"),
        ("class", "keyword"),
        ("match", "keyword"),
        ("2fast", "not a Python package name"),
        ("My_App", "not a Python package name"),
        ("my-app", "not a Python package name"),
    ],
)
def test_invalid_package_names_say_why(name, problem):
    with pytest.raises(AnswerError, match=problem) as raised:
        check_package_name(name)
    assert str(raised.value).startswith(f"package_name: {name!r}")
    assert "\n" not in str(raised.value)


def test_text_answers_are_one_line():
    assert check_text("description", 'A "quoted" {{ app }} #1 caf\u00e9') == (
        'A "quoted" {{ app }} #1 caf\u00e9'
    )
    with pytest.raises(AnswerError, match="newline"):
        check_text("project_name", "two\nlines")
    with pytest.raises(AnswerError, match="must not be empty"):
        check_text("project_name", "  ")


@pytest.mark.parametrize(
    "email", ["", "you@example.com", "first.last+tag@mail.example.org"]
)
def test_valid_emails(email):
    assert check_email(email) == email


@pytest.mark.parametrize("email", ["you", "you@", "a b@example.com", 'x"@example.com'])
def test_invalid_emails(email):
    with pytest.raises(AnswerError, match=r"^email: "):
        check_email(email)


@pytest.mark.parametrize(
    ("given", "written", "dialect"),
    [
        ("sqlite:///app.db", "sqlite:///app.db", "sqlite"),
        ("sqlite:////var/lib/app.db", "sqlite:////var/lib/app.db", "sqlite"),
        (
            "postgres://u:p@localhost/app",
            "postgresql+psycopg://u:p@localhost/app",
            "postgresql",
        ),
        (
            "postgresql://localhost:5433/app",
            "postgresql+psycopg://localhost:5433/app",
            "postgresql",
        ),
        ("postgresql+psycopg://h/app", "postgresql+psycopg://h/app", "postgresql"),
        ("mysql://root@127.0.0.1/app", "mysql+pymysql://root@127.0.0.1/app", "mysql"),
        (
            "mariadb://root@127.0.0.1/app",
            "mariadb+pymysql://root@127.0.0.1/app",
            "mysql",
        ),
        (
            "MySQL+PyMySQL://h/app?charset=utf8mb4",
            "mysql+pymysql://h/app?charset=utf8mb4",
            "mysql",
        ),
    ],
)
def test_database_urls_are_written_with_their_driver(given, written, dialect):
    url = parse_database_url(given)
    assert (url.url, url.dialect) == (written, dialect)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("app.db", "not a URL (no scheme://)"),
        ("oracle://h/app", "scheme 'oracle' is not supported"),
        ("postgresql+asyncpg://h/app", "scheme 'postgresql+asyncpg' is not supported"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("sqlite://host/app.db", "has a host"),
        ("mysql:///app", "names no host"),
        ("postgresql://localhost", "names no database"),
        ("postgresql://localhost:99999/app", "has the port"),
        ("mysql://localhost/a/b", "names no database"),
    ],
)
def test_bad_database_urls_are_refused(given, problem):
    with pytest.raises(AnswerError, match=r"^database_url: ") as raised:
        parse_database_url(given)
    assert problem in str(raised.value)


@pytest.mark.parametrize("scheme", ["mysql", "mariadb", "postgresql"])
def test_a_database_name_may_hold_an_encoded_slash_and_percent(scheme):
    """`%2F` and `%25` are a / and a % of the name (as SQLAlchemy reads them);
    only a raw / ends the name and is refused."""
    url = parse_database_url(f"{scheme}://root@127.0.0.1/app%2Fx_%25s")
    assert make_url(url.url).database == "app/x_%s"
    with pytest.raises(AnswerError, match=r"names no database.*written %2F"):
        parse_database_url(f"{scheme}://root@127.0.0.1/app/x")


@pytest.mark.parametrize(
    ("url", "character"),
    [
        ("postgresql://app:p@ss@localhost/app", "@"),
        ("postgresql://app:pa/ss@localhost/app", "/"),
        ("mysql://app:pa:ss@localhost/app", ":"),
        ("mysql://app:pa#ss@localhost/app", "#"),
        ("mariadb://app:pa?ss@localhost/app", "?"),
        ("postgres://app:s3@cr/et@localhost/app", "@"),
    ],
)
def test_a_raw_delimiter_in_a_password_is_refused_without_showing_it(url, character):
    with pytest.raises(AnswerError) as raised:
        parse_database_url(url)
    message = str(raised.value)
    assert message.startswith(f"database_url: the password holds a raw {character!r}")
    assert "percent-encode" in message and "\n" not in message
    # The URL is not echoed at all: the password could be anywhere in it.
    assert "localhost" not in message and "//" not in message


def test_a_percent_encoded_password_is_read_as_sqlalchemy_reads_it():
    url = parse_database_url("postgres://app:p%40ss%2Fw%3Ar%23d%3F@db.example:5433/app")
    assert (
        url.url == "postgresql+psycopg://app:p%40ss%2Fw%3Ar%23d%3F@db.example:5433/app"
    )
    read = make_url(url.url)
    assert (read.password, read.host, read.port, read.database) == (
        "p@ss/w:r#d?",
        "db.example",
        5433,
        "app",
    )


@pytest.mark.parametrize(
    "url",
    [
        # PostgreSQL over a unix socket: in the query, or libpq's default socket.
        "postgresql://app@/app?host=/var/run/postgresql",
        "postgresql:///app",
        "postgres://app:secret@/app?host=/tmp&port=5433",
        "postgresql://app@db.example/app?sslmode=require&connect_timeout=5",
        "postgresql://app@h1,h2/app?target_session_attrs=read-write",
        "mysql://app@/app?unix_socket=/run/mysqld/mysqld.sock",
        "mariadb://app@localhost/app?charset=utf8mb4&ssl_ca=/etc/ca.pem",
        "sqlite:///app.db?timeout=30",
        "sqlite:///file:app.db?mode=ro&uri=true",
        # An empty password, and a user name without one.
        "postgresql://app:@localhost/app",
        "mysql://app@localhost/app",
    ],
)
def test_sockets_and_query_options_the_driver_takes_are_kept(url):
    written = parse_database_url(url).url
    assert written.split("://", 1)[1] == url.split("://", 1)[1]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "postgresql://app@localhost/app?charset=utf8",
            "option 'charset', which psycopg",
        ),
        (
            "mysql://app@localhost/app?sslmode=require",
            "option 'sslmode', which PyMySQL",
        ),
        ("sqlite:///app.db?mode=ro", "option 'mode', which SQLite"),
        ("postgresql://h/app?sslmode=sometimes", "sslmode='sometimes' is not one of"),
        ("mysql://h/app?connect_timeout=soon", "connect_timeout='soon' must be"),
        ("mysql://h/app?compress=maybe", "compress='maybe' must be true or false"),
        ("postgresql://h/app?port=1&port=2", "gives an option twice"),
        ("sqlite:///file::memory:?uri=true", "in-memory"),
        ("sqlite:///app.db?mode=memory&uri=true", "in-memory"),
        ("postgresql://h:port/app", "has the port 'port'"),
    ],
)
def test_options_the_driver_would_refuse_are_one_line(url, problem):
    with pytest.raises(AnswerError) as raised:
        parse_database_url(url)
    assert problem in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_option_lists_are_the_drivers_own():
    from flask_db_template.answers import MYSQL_OPTIONS, POSTGRESQL_OPTIONS

    libpq = {option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults()}
    # Every option accepted is one libpq takes (newer libpq versions add a few,
    # such as OAuth's, which stay refused).
    assert POSTGRESQL_OPTIONS <= libpq - {"dbname", "user", "password"}
    pymysql_arguments = set(
        inspect.signature(pymysql.connections.Connection.__init__).parameters
    )
    sqlalchemy_ssl_keys = {"ssl_capath", "ssl_cipher", "ssl_check_hostname"}
    not_text = {"self", "conv", "cursorclass", "auth_plugin_map", "ssl"}
    in_the_url = {"user", "password", "passwd", "host", "port", "database", "db"}
    assert MYSQL_OPTIONS == (pymysql_arguments - not_text - in_the_url) | (
        sqlalchemy_ssl_keys
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:s3cret@db.example/nope/nope",
        "postgresql://app:s3cret@db.example:99999/app",
        "postgresql://app:s3cret@db.example/app?foo=1",
        "mysql://app:s3cret@/app",
    ],
)
def test_no_message_shows_the_password(url):
    with pytest.raises(AnswerError) as raised:
        parse_database_url(url)
    assert "s3cret" not in str(raised.value)
    assert "app:***@" in str(raised.value)


def test_masked_urls():
    assert (
        masked_url("postgresql://u:pw@h/db?host=/x")
        == "postgresql://u:***@h/db?host=/x"
    )
    assert masked_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert masked_url("not a url") == "the URL"


URL_TEXT = st.text(
    alphabet=st.sampled_from(list("abAB09%-._~@:/?#&=[], +")), max_size=12
)


@given(
    scheme=st.sampled_from(["postgresql+psycopg", "mysql+pymysql", "sqlite"]),
    user=URL_TEXT,
    password=st.none() | URL_TEXT,
    host=URL_TEXT,
    rest=URL_TEXT,
)
def test_the_check_splits_a_url_where_sqlalchemy_does(
    scheme, user, password, host, rest
):
    userinfo = user + ("" if password is None else f":{password}")
    # An answer is taken without the spaces around it.
    url = f"{scheme}://{userinfo}@{host}/{rest}".strip()
    ours = split_url(url)
    try:
        theirs = make_url(url)
    except Exception:
        # SQLAlchemy refuses it (a port that is no number): so must the check.
        with pytest.raises(AnswerError):
            parse_database_url(url)
        return
    assert (ours.username, ours.password, ours.host, ours.database) == (
        theirs.username,
        theirs.password,
        theirs.host,
        theirs.database,
    )
    assert {key: value for key, value in ours.query} == {
        key: (value[-1] if isinstance(value, tuple) else value)
        for key, value in theirs.query.items()
    }
    try:
        written = parse_database_url(url).url
    except AnswerError:
        return
    read = make_url(written)
    assert (read.username, read.password, read.host, read.database) == (
        theirs.username,
        theirs.password,
        theirs.host,
        theirs.database,
    )


def test_the_example_url_hides_the_password():
    assert example_database_url("postgresql+psycopg://app:s3cret@db/app") == (
        "postgresql+psycopg://app:change-me@db/app"
    )
    assert example_database_url("sqlite:///app.db") == "sqlite:///app.db"


HOSTILE = [
    'She said "hi"',
    "it's",
    "both ' and \"",
    'Bob\'s "App"',
    "back\\slash\\",
    "{{ cookiecutter.x }} {% if %}",
    "# not a comment",
    "caf\u00e9 \u65e5\u672c \U0001f680",
    "trailing \\",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_python_strings_round_trip(text):
    literal = escaping.python_string(text)
    assert ast.literal_eval(literal) == text


def test_python_strings_are_quoted_as_ruff_formats_them():
    assert escaping.python_string("plain") == '"plain"'
    assert escaping.python_string('say "hi"') == "'say \"hi\"'"
    assert escaping.python_string('it\'s "x"') == "'it\\'s \"x\"'"
    assert escaping.python_string("it's \"x\" 'y'") == '"it\'s \\"x\\" \'y\'"'


def test_every_hostile_python_string_is_as_ruff_formats_it(tmp_path):
    module = tmp_path / "strings.py"
    module.write_text("".join(f"X = {escaping.python_string(t)}\n" for t in HOSTILE))
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--diff", "--no-cache", str(module)],
        capture_output=True,
        text=True,
    )
    assert formatted.returncode == 0, formatted.stdout


@pytest.mark.parametrize("text", HOSTILE)
def test_toml_strings_round_trip(text):
    assert tomllib.loads(f"value = {escaping.toml_string(text)}")["value"] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_yaml_strings_are_json_strings(text):
    assert json.loads(escaping.yaml_string(text)) == text


def test_markdown_text_escapes_markup():
    assert escaping.markdown_text("*bold* _x_ [a](b) #1") == (
        "\\*bold\\* \\_x\\_ \\[a\\]\\(b\\) \\#1"
    )


@pytest.mark.parametrize("target", ["PROJECT_NAME", "API_TITLE: ClassVar[str]"])
@pytest.mark.parametrize("indent", ["", "    "])
@pytest.mark.parametrize("length", [40, 60, 71, 72, 80, 90, 200])
def test_python_assignments_are_laid_out_as_ruff_formats_them(
    tmp_path, target, indent, length
):
    name = "N" * length
    code = escaping.python_assignment(name, target, indent)
    module = tmp_path / "module.py"
    body = f"class Settings:\n{indent}{code}\n" if indent else f"{code}\n"
    body = "from typing import ClassVar\n\n\n" + body
    module.write_text(body)
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--diff", "--no-cache", str(module)],
        capture_output=True,
        text=True,
    )
    assert formatted.returncode == 0, formatted.stdout
    assert ast.literal_eval(code.split(" = ", 1)[1].strip()) == name


SAFE_TEXT = st.text(alphabet=st.sampled_from(list("abAB09-._~ ")), max_size=8)


@given(
    scheme=st.sampled_from(["postgres", "postgresql", "mysql", "mariadb"]),
    user=SAFE_TEXT.filter(lambda text: text.strip() == text),
    password=st.none() | SAFE_TEXT | st.sampled_from(["%40", "%2F%3A", "p%23w%3F"]),
    host=st.from_regex(r"[a-z][a-z0-9.-]{0,10}", fullmatch=True),
    database=st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True),
)
def test_every_well_formed_url_is_accepted_and_read_back_the_same(
    scheme, user, password, host, database
):
    userinfo = user + ("" if password is None else f":{password}")
    url = f"{scheme}://{userinfo}@{host}/{database}"
    written = make_url(parse_database_url(url).url)
    given_url = make_url(url)
    assert (written.username, written.password, written.host, written.database) == (
        given_url.username,
        given_url.password,
        given_url.host,
        given_url.database,
    )


# --- Yes/no answers --------------------------------------------------------------


def test_the_yes_no_words_are_cookiecutter_s_own():
    from cookiecutter.prompt import YesNoPrompt

    assert set(YES_WORDS) == set(YesNoPrompt.yes_choices)
    assert set(NO_WORDS) == set(YesNoPrompt.no_choices)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[(word, True) for word in YES_WORDS],
        *[(word, False) for word in NO_WORDS],
        (" Yes ", True),
        ("FALSE", False),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
    ],
)
def test_yes_no_answers_become_booleans(value, expected):
    assert yes_or_no("api", value) is expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("maybe", "'maybe'"),
        (2, "2"),
        ("", "''"),
        (None, "None"),
        (["yes"], "['yes']"),
        ("x" * 100, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."),
    ],
)
def test_other_yes_no_answers_are_one_line_naming_the_value_and_the_words(value, shown):
    with pytest.raises(AnswerError) as refused:
        yes_or_no("timestamps", value)
    assert str(refused.value) == (
        f"timestamps: expected yes or no, got {shown} "
        "(yes: y, yes, true or 1; no: n, no, false or 0)"
    )


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("yse", "yes"), ("ture", "true"), ("nope", "no"), ("flase", "false")],
)
def test_a_mistyped_yes_no_word_gets_the_word_meant(typo, meant):
    with pytest.raises(AnswerError) as refused:
        yes_or_no("api", typo)
    assert str(refused.value) == (
        f"api: expected yes or no, got {typo!r}, did you mean {meant!r}? "
        "(yes: y, yes, true or 1; no: n, no, false or 0)"
    )


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("postgressql://u@localhost/app", "postgresql"),
        ("postgresq://u@localhost/app", "postgresql"),
        ("mysq://root@localhost/app", "mysql"),
        ("mariadbb://root@localhost/app", "mariadb"),
        ("sqllite:///app.db", "sqlite"),
        ("postgresql+psycopg2://u@localhost/app", "postgresql+psycopg"),
    ],
)
def test_a_mistyped_url_scheme_gets_the_scheme_meant(url, meant):
    with pytest.raises(AnswerError) as refused:
        parse_database_url(url)
    assert f"is not supported (did you mean {meant!r}?); use one of" in str(
        refused.value
    )
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("postgresql:/u@localhost/app", "postgresql"),
        ("sqlite:app.db", "sqlite"),
        ("postgressql:u@localhost/app", "postgresql"),
        ("localhost:5432/app", None),
    ],
)
def test_a_mistyped_scheme_separator_is_named(url, meant):
    with pytest.raises(AnswerError) as refused:
        parse_database_url(url)
    after = f" (after {meant!r} comes '://')" if meant else ""
    assert str(refused.value).startswith(
        f"database_url: not a URL (no scheme://){after}; for example"
    )


def test_the_yes_no_answers_are_made_booleans_in_place():
    answers = {"api": "no", "api_auth": "Y", "timestamps": True, "create_venv": "0"}
    make_flags_booleans(answers)
    assert answers == {
        "api": False,
        "api_auth": True,
        "timestamps": True,
        "create_venv": False,
    }
    with pytest.raises(AnswerError, match="api: expected yes or no"):
        make_flags_booleans({"api": "maybe"})


def test_the_template_gives_its_yes_no_answers_as_text():
    # As JSON booleans, cookiecutter would convert (and refuse) them itself.
    defaults = json.loads((REPO / "cookiecutter.json").read_text())
    assert {flag: defaults[flag] for flag in FLAGS} == dict.fromkeys(FLAGS, "yes")


# --- The project's folder and its deepest path ---------------------------------------

PATH_ANSWERS = {
    "project_slug": "my-flask-app",
    "package_name": "my_flask_app",
    "database_url": "sqlite:///my_flask_app.db",
}


def test_the_baked_paths_are_the_template_s_files_and_the_setup_s():
    paths = baked_paths(REPO, PATH_ANSWERS)
    assert "my_flask_app/models.py" in paths
    # The library the hook copies into vendor/, without its tests and caches.
    library = "vendor/flask-db-kit/"
    assert f"{library}src/flask_db_kit/migration_template/alembic.ini.mako" in paths
    vendored = [path for path in paths if path.startswith(library)]
    assert not [path for path in vendored if "__pycache__" in path or "/tests/" in path]
    assert not [path for path in paths if "cookiecutter" in path]
    assert (
        ".venv/lib/python3.NN/site-packages/__editable___my_flask_app_0_1_0_finder.py"
        in paths
    )


def test_a_project_path_within_the_limits_is_accepted(tmp_path):
    check_project_path(tmp_path / "my-flask-app", REPO, PATH_ANSWERS)


def test_a_name_over_name_max_is_refused_in_one_line(tmp_path):
    folder = tmp_path / ("x" * 256) / "my-flask-app"
    with pytest.raises(AnswerError) as refused:
        check_project_path(folder, REPO, PATH_ANSWERS)
    message = str(refused.value)
    assert message.startswith("project folder: a name of 256 bytes")
    assert "over the 255 a file name may have" in message
    assert "\n" not in message and len(message) < 300


def folder_of(tmp_path: Path, total: int, below: int) -> Path:
    """A project folder in tmp_path whose path, with a path of `below` bytes
    below it, is `total` bytes long."""
    missing = total - len(f"{tmp_path}/my-flask-app") - 1 - below
    count = -(-missing // 201)  # each name with its "/": at most 201 bytes
    share, rest = divmod(missing - count, count)
    sizes = [share + (index < rest) for index in range(count)]
    folder = tmp_path.joinpath(*("d" * size for size in sizes), "my-flask-app")
    assert len(str(folder)) + 1 + below == total
    return folder


def test_a_project_whose_deepest_path_is_over_path_max_is_refused(tmp_path):
    # The deepest baked path is in .venv: about 200 bytes below the project.
    deepest = max(len(path) for path in baked_paths(REPO, PATH_ANSWERS))
    assert 190 < deepest < 260
    absolute = PATH_ANSWERS | {"database_url": "sqlite:////a.db"}
    fits = folder_of(tmp_path, 4095, deepest)
    check_project_path(fits, REPO, absolute)
    with pytest.raises(AnswerError) as refused:
        check_project_path(folder_of(tmp_path, 4096, deepest), REPO, absolute)
    message = str(refused.value)
    assert "would hold a path of 4096 bytes (.venv/lib/python3.NN/site-pac" in message
    assert "over the 4095 this system allows" in message
    assert "\n" not in message and len(message) < 300


def test_a_relative_sqlite_database_within_sqlite_s_limit(tmp_path):
    database = len("instance/my_flask_app.db")
    fits = folder_of(tmp_path, SQLITE_MAX_PATHNAME, database)
    assert len(f"{fits}/instance/my_flask_app.db") == SQLITE_MAX_PATHNAME == 504
    check_project_path(fits, REPO, PATH_ANSWERS)
    over = folder_of(tmp_path, SQLITE_MAX_PATHNAME + 1, database)
    with pytest.raises(AnswerError) as refused:
        check_project_path(over, REPO, PATH_ANSWERS)
    assert "a path of 505 bytes, over the 504 SQLite can open" in str(refused.value)
    # An absolute database path is not in the project's folder.
    check_project_path(over, REPO, PATH_ANSWERS | {"database_url": "sqlite:////a.db"})


def test_sqlite_opens_a_database_at_its_limit_and_not_beyond(tmp_path):
    """The limit is SQLite's own, measured with the sqlite3 module."""
    import sqlite3

    for size, opens in [(SQLITE_MAX_PATHNAME, True), (SQLITE_MAX_PATHNAME + 1, False)]:
        folder = folder_of(tmp_path, size, len("app.db"))
        folder.mkdir(parents=True)
        path = folder / "app.db"
        assert len(str(path)) == size
        try:
            with sqlite3.connect(path) as connection:
                connection.execute("create table t (x)")
            opened = True
        except sqlite3.OperationalError:
            opened = False
        assert opened is opens, size


@pytest.mark.parametrize(
    ("url", "refused"),
    [("mysql://u@h/d", True), ("mariadb://u@h/d", False), ("sqlite:///a.db", False)],
)
def test_a_unique_text_is_refused_at_its_prompt_where_the_server_cannot(url, refused):
    """At the models question, not only after the last one: MySQL cannot
    enforce `:unique` on text, MariaDB can."""
    from flask_db_template.prompting import answer_problem

    problem = answer_problem(
        "models",
        "Post slug:text!:unique",
        {"database_url": url, "timestamps": "no", "api": "no", "api_auth": "no"},
    )
    if refused:
        assert problem.startswith(
            "models: Post.slug: ':unique' on a text field, which MySQL cannot enforce"
        )
    else:
        assert problem is None
