"""Shared fixtures: every test gets its own data directory and embedded storage."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.worker_processes import WorkerProcesses

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh TUNING_DATA_DIR (weights, logs, default journal) for each test."""
    path = tmp_path / "data"
    monkeypatch.setenv("TUNING_DATA_DIR", str(path))
    monkeypatch.delenv("TUNING_STORAGE", raising=False)
    return path


@pytest.fixture
def storage_url(data_dir: Path) -> str:
    """An embedded (journal file) storage URL of this test's own."""
    return f"journal://{data_dir / 'runs.journal'}"


@pytest.fixture
def code_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of the test's own where relative model files are looked up (the model root)."""
    root = tmp_path / "code"
    root.mkdir()
    monkeypatch.setenv("SWEETSPOT_MODEL_ROOT", str(root))
    return root


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[WorkerProcesses]:
    """Start worker processes with ``workers.start(run, url)``; all are killed at teardown."""
    from tests.worker_processes import WorkerProcesses  # imports tuning: only once ROOT is on sys.path

    pool = WorkerProcesses(tmp_path)
    yield pool
    pool.kill_all()
