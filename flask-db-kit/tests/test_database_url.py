"""flask_db_kit.database_url: a URL as the app starts with it, the driver
named, and the URLs it would misread or its driver refuse refused in one
line, never with the password."""

import pytest
from flask_db_kit.database_url import (
    UnusableDatabaseURL,
    check_database_url,
    with_installed_driver,
)
from flask_db_kit.settings import ConfigurationError


@pytest.mark.parametrize(
    ("url", "written"),
    [
        (
            "postgres://app:p%40ss@db:5433/app",
            "postgresql+psycopg://app:p%40ss@db:5433/app",
        ),
        (
            "mysql://root@127.0.0.1/app?charset=utf8mb4",
            "mysql+pymysql://root@127.0.0.1/app?charset=utf8mb4",
        ),
        (
            "postgresql://app@/app?host=/var/run/postgresql",
            "postgresql+psycopg://app@/app?host=/var/run/postgresql",
        ),
        ("sqlite:///app.db?timeout=30", "sqlite:///app.db?timeout=30"),
        ("sqlite://", "sqlite://"),
        (
            "postgresql+psycopg://h/app?connect_timeout=",
            "postgresql+psycopg://h/app?connect_timeout=",
        ),
    ],
)
def test_good_urls_get_their_driver(url, written):
    assert with_installed_driver(url) == written


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://app:Zq@Zq@127.0.0.1/app", "the password holds a raw '@'"),
        ("mysql://app:Zq:Zq@localhost/app", "the password holds a raw ':'"),
        ("mariadb://app:Zq?Zq@localhost/app", "the password holds a raw '?'"),
        ("postgresql://app:Zq#Zq@localhost/app", "holds a raw '#'"),
        (
            "postgresql://app@h/app?connect_timeout=abc",
            "connect_timeout='abc'; it must be a whole number",
        ),
        (
            "mysql://app@h/app?compress=maybe",
            "compress='maybe'; it must be true or false",
        ),
        ("postgresql://h/app?sslmode=sometimes", "sslmode='sometimes', not one of"),
        (
            "postgresql://h/app?charset=utf8",
            "option 'charset', which the driver does not take",
        ),
        ("postgresql://h/app?port=1&port=2", "gives a query option twice"),
        ("postgresql://app:Zq@h:99999/app", "has the port '99999'"),
        ("postgresql://app:Zq@h", "names no database"),
        ("mysql://app:Zq@h/a/b", "names no database"),
        ("mysql://app:Zq@/app", "names no host"),
        ("sqlite://host/app.db", "SQLite URL with a host"),
    ],
)
def test_bad_urls_are_one_line_without_the_password(url, problem):
    with pytest.raises(UnusableDatabaseURL) as raised:
        with_installed_driver(url)
    message = str(raised.value)
    assert message.startswith("DATABASE_URL") and problem in message
    assert "\n" not in message
    assert "Zq" not in message
    # `flask ...` shows it as one line: a ConfigurationError.
    assert isinstance(raised.value, ConfigurationError)


def test_other_databases_are_left_to_sqlalchemy():
    check_database_url("oracle+oracledb://u:p@w@h/app")
    check_database_url("not a url")
