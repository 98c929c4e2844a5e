"""The app checks DATABASE_URL as it starts the way the template checks the
answer when it bakes: flask_db_kit.database_url (the app's, with Flask
installed) and flask_db_template.answers (the hooks', standard library
only) give the same verdict on every URL."""

from __future__ import annotations

import pytest
from flask_db_kit.database_url import check_database_url
from flask_db_kit.settings import ConfigurationError
from hypothesis import given
from hypothesis import strategies as st

from flask_db_template.answers import AnswerError, parse_database_url

URL_TEXT = st.text(
    alphabet=st.sampled_from(list("abAB09%-._~@:/?#&=[], +")), max_size=12
)
OPTION = st.tuples(
    st.sampled_from(
        ["connect_timeout", "sslmode", "charset", "compress", "host", "unix_socket"]
        + ["timeout", "uri", "mode", "port", "check_same_thread", "foo"]
    ),
    st.sampled_from(["5", "abc", "true", "maybe", "require", "utf8mb4", "/tmp", ""]),
)


def verdicts(url: str) -> tuple[bool, bool] | None:
    """(refused by the bake, refused by the app); None for what only the bake
    refuses by design (an in-memory SQLite database, which tests use)."""
    try:
        parse_database_url(url)
        baked = False
    except AnswerError as error:
        if "in-memory" in str(error):
            return None
        baked = True
    try:
        check_database_url(url)
        started = False
    except ConfigurationError:
        started = True
    return baked, started


@given(
    scheme=st.sampled_from(["postgres", "postgresql", "mysql", "mariadb", "sqlite"]),
    user=st.none() | URL_TEXT,
    password=st.none() | URL_TEXT,
    host=URL_TEXT,
    path=URL_TEXT,
    options=st.lists(OPTION, max_size=3),
)
def test_the_app_refuses_what_the_bake_refuses(
    scheme, user, password, host, path, options
):
    userinfo = "" if user is None else user
    if password is not None:
        userinfo += f":{password}"
    query = "&".join(f"{key}={value}" for key, value in options)
    url = f"{scheme}://{userinfo}{'@' if userinfo else ''}{host}/{path}"
    url = (url + (f"?{query}" if query else "")).strip()
    found = verdicts(url)
    if found is not None:
        baked, started = found
        assert baked == started, url


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:p@ss@127.0.0.1/app",
        "postgresql://app:s3cret@127.0.0.1/app?connect_timeout=abc",
        "mysql://app:s3cret@127.0.0.1/app?read_timeout=soon",
        "postgresql://app@127.0.0.1:5432",
        "postgresql://app:pa:ss@127.0.0.1/app",
    ],
)
def test_the_issue_s_urls_are_refused_by_both(url):
    assert verdicts(url) == (True, True)
