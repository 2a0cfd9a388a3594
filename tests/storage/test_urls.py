"""Storage URLs: secrets never reach a message, a page or a process list."""

from __future__ import annotations

import pytest

from tuning.errors import StorageUnavailable
from tuning.storage.urls import open_storage, redact, resolve_url

SECRET = "hunter2"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg2://alice:hunter2@db:5432/runs", "postgresql+psycopg2://alice:***@db:5432/runs"),
        (
            "postgresql://alice:hunter2@db/runs?sslmode=require",
            "postgresql://alice:***@db/runs?sslmode=require",
        ),
        ("postgresql://alice:hunter2/x@db/runs", "postgresql://alice:***@db/runs"),
        ("postgresql://alice@db/runs?password=hunter2", "postgresql://alice@db/runs?password=***"),
        ("postgresql://db/runs?user=alice&password=hunter2", "postgresql://db/runs?user=alice&password=***"),
        (
            "postgresql://db/runs?PASSWORD=hunter2&sslmode=require",
            "postgresql://db/runs?PASSWORD=***&sslmode=require",
        ),
        ("postgresql://db/runs?sslpassword=hunter2", "postgresql://db/runs?sslpassword=***"),
        ("mysql://db/runs?passwd=hunter2", "mysql://db/runs?passwd=***"),
        ("postgresql://db/runs?access_token=hunter2;pwd=hunter2", "postgresql://db/runs?access_token=***"),
        (
            "postgresql://db/runs?client_secret=hunter2&api_key=hunter2",
            "postgresql://db/runs?client_secret=***&api_key=***",
        ),
        ("postgresql://u:hunter2@db/runs?password=hunter2", "postgresql://u:***@db/runs?password=***"),
        ("host=db user=alice password=hunter2", "host=db user=alice password=***"),
        # Issue 23.6: every form SQLAlchemy's URL parser reads as a password (it decodes the
        # query's keys, a value runs to the next "&", a password to the first "@").
        ("postgresql://alice@db/runs?%70assword=hunter2", "postgresql://alice@db/runs?%70assword=***"),
        (
            "postgresql://db/runs?sslmode=require&PASS%57ORD=hunter2",
            "postgresql://db/runs?sslmode=require&PASS%57ORD=***",
        ),
        ("postgresql://db/runs?password=hun;ter2", "postgresql://db/runs?password=***"),
        (
            "postgresql://db/runs?password=hun#ter2&sslmode=require",
            "postgresql://db/runs?password=***&sslmode=require",
        ),
        ("postgresql://alice:hun ter2@db/runs", "postgresql://alice:***@db/runs"),
        (
            "postgresql://alice:hun?ter2@db/runs?sslmode=require",
            "postgresql://alice:***@db/runs?sslmode=require",
        ),
        ("host=db password='hun ter2' user=alice", "host=db password=*** user=alice"),
        (
            "could not parse 'postgresql://alice@db/x?%70assword=hunter2'",
            "could not parse 'postgresql://alice@db/x?%70assword=***'",
        ),
        (
            "could not parse 'postgresql://alice:hunter2@db/x'",
            "could not parse 'postgresql://alice:***@db/x'",
        ),
    ],
)
def test_redact_hides_every_form_of_password(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert SECRET not in redact(url) and "ter2" not in redact(url)


def test_what_redact_hides_is_what_sqlalchemy_reads_as_the_password() -> None:
    """The parser that hands the password to the driver is the judge of where it is."""
    from sqlalchemy.engine import make_url

    for url in ("postgresql://alice@db/runs?%70assword=hunter2", "postgresql://alice:hun ter2@db/runs?x=1"):
        parsed = make_url(url)
        secret = parsed.password or parsed.query["password"]
        assert secret in (SECRET, "hun ter2") and secret not in redact(url)


@pytest.mark.parametrize(
    "url",
    [
        "journal:///data/runs.journal",
        "journal:///data/a@b/runs:1.journal",
        "sqlite:///runs.db",
        "postgresql+psycopg2://postgres@127.0.0.1:55432/tuning",
        "postgresql://db/runs?sslmode=require&application_name=sweetspot",
    ],
)
def test_redact_leaves_urls_without_secrets_alone(url: str) -> None:
    assert redact(url) == url


@pytest.mark.parametrize(
    ("pasted", "used"),
    [
        ("postgresql://alice@db/runs", "postgresql+psycopg2://alice@db/runs"),
        (
            "postgres://alice:hunter2@db:5432/runs?sslmode=require",
            "postgresql+psycopg2://alice:hunter2@db:5432/runs?sslmode=require",
        ),
        ("POSTGRES://alice@db/runs", "postgresql+psycopg2://alice@db/runs"),
        ("postgresql+psycopg2://alice@db/runs", "postgresql+psycopg2://alice@db/runs"),
        ("postgresql+psycopg://alice@db/runs", "postgresql+psycopg://alice@db/runs"),  # asked for by name
        ("journal:///data/runs.journal", "journal:///data/runs.journal"),
    ],
)
def test_the_postgresql_urls_people_paste_use_the_installed_driver(pasted: str, used: str) -> None:
    """Issue 23.8: SQLAlchemy 2.1 maps ``postgresql://`` to psycopg 3, which is not installed,
    and knows no ``postgres://`` (what cloud consoles print); psycopg2 is."""
    assert resolve_url(pasted) == used


@pytest.mark.parametrize("url", ["postgresql://alice@127.0.0.1:9/runs", "postgres://alice@127.0.0.1:9/runs"])
def test_a_pasted_postgresql_url_reaches_for_the_server(url: str) -> None:
    """Nothing listens on port 9: the error is the connection's, not a missing driver's."""
    with pytest.raises(StorageUnavailable, match="Connection refused") as refused:
        open_storage(url)
    assert "cannot reach the storage postgresql+psycopg2://alice@127.0.0.1:9/runs" in str(refused.value)


def test_a_missing_driver_is_named_and_the_server_not_blamed() -> None:
    with pytest.raises(StorageUnavailable) as missing:
        open_storage("postgresql+psycopg://alice:hunter2@127.0.0.1:9/runs")  # psycopg 3: not installed
    message = str(missing.value)
    assert "needs the Python package 'psycopg', which is not installed" in message
    assert "use postgresql://user@host:port/database" in message and "hunter2" not in message
    assert "server is running" not in message
