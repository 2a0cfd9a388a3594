"""The storage lock: one interface, chosen by the storage's kind; waits end with a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuning.errors import StorageUnavailable
from tuning.storage import locks
from tuning.storage.locks import LOCKS, storage_kind, storage_lock


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("journal:///data/runs.journal", "journal"),
        ("sqlite:///runs.db", "sqlite"),
        ("postgresql://u@h/db", "postgresql"),
        ("postgresql+psycopg2://u:pw@h:5432/db", "postgresql"),
        ("mysql+pymysql://u@h/db", "mysql"),
    ],
)
def test_the_kind_is_the_scheme_without_its_driver(url: str, kind: str) -> None:
    assert storage_kind(url) == kind


def test_a_kind_without_a_lock_is_refused_naming_those_with_one() -> None:
    with pytest.raises(StorageUnavailable) as caught:
        storage_lock("mysql+pymysql://user:pw@host/db")
    message = str(caught.value)
    assert "mysql+pymysql://user:***@host/db (mysql) has no lock" in message
    assert all(kind in message for kind in LOCKS) and "pw" not in message


@pytest.mark.parametrize("scheme", ["journal://", "sqlite:///"])
def test_a_file_lock_is_exclusive_and_a_wait_past_its_limit_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    monkeypatch.setattr(locks, "WAIT_S", 0.1)
    store = tmp_path / "runs.store"
    url = f"{scheme}{store}"
    with (
        storage_lock(url),
        pytest.raises(StorageUnavailable, match=f"launch lock of {store}.launch.lock"),
        storage_lock(url),
    ):
        pass  # a second holder while the first holds
    with storage_lock(url):  # released when the first block ended
        pass
    # Optuna's journal lock is <journal>.lock: ours must never be mistaken for it.
    assert [p.name for p in tmp_path.iterdir()] == ["runs.store.launch.lock"]


def test_an_unreachable_database_is_named_with_what_to_check() -> None:
    with (
        pytest.raises(StorageUnavailable) as caught,
        storage_lock("postgresql+psycopg2://me:pw@127.0.0.1:1/none"),
    ):
        pass
    message = str(caught.value)
    assert "cannot reach the storage postgresql+psycopg2://me:***@127.0.0.1:1/none" in message
    assert "database server is running" in message and "pw" not in message
