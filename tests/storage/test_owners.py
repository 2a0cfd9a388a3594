"""The owner's keyed hash: where its secret comes from, and that it cannot be reversed by reuse."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tuning.errors import StorageUnavailable
from tuning.storage.owners import KEY_FILE, OWNER_SECRET_ENV, is_owner, owner_hash

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_configured_secret_a_private_key_is_made_once_in_the_data_folder(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OWNER_SECRET_ENV, raising=False)
    first = owner_hash("visitor")
    key = data_dir / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert owner_hash("visitor") == first  # kept, not made again
    assert "visitor" not in first and len(first) == 64
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE]  # no temporary file left behind


def test_a_configured_secret_wins_and_changes_every_hash(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OWNER_SECRET_ENV, raising=False)
    from_file = owner_hash("visitor")
    monkeypatch.setenv(OWNER_SECRET_ENV, "operator-secret")
    configured = owner_hash("visitor")
    assert configured != from_file
    monkeypatch.setenv(OWNER_SECRET_ENV, "another-secret")
    assert owner_hash("visitor") != configured


def test_only_the_visitor_id_matches_never_its_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = owner_hash("a" * 32)
    assert is_owner(stored, "a" * 32)
    assert not is_owner(stored, stored)  # the hash shown in a download does not open the run
    assert not is_owner(stored, "b" * 32)
    assert not is_owner(None, "a" * 32) and not is_owner(stored, None) and not is_owner(stored, "")


def test_a_damaged_key_file_is_named_with_what_to_do(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OWNER_SECRET_ENV, raising=False)
    data_dir.mkdir(parents=True)
    (data_dir / KEY_FILE).write_text("short")
    with pytest.raises(StorageUnavailable, match=f"owner key {data_dir / KEY_FILE} is damaged.*delete it"):
        owner_hash("visitor")


HASH_IN_CHILD = """
import sys, time
from pathlib import Path
while not Path(sys.argv[1]).exists():
    time.sleep(0.001)
from tuning.storage.owners import owner_hash
print(owner_hash("visitor"))
"""


def test_servers_starting_together_agree_on_one_key(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OWNER_SECRET_ENV, raising=False)
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", HASH_IN_CHILD, str(go)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    go.touch()
    hashes = {child.communicate(timeout=60)[0].strip() for child in children}
    assert hashes == {owner_hash("visitor")}
