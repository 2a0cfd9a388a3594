"""A run's local files (saved weights, worker logs): where they live, reading, removing.

Weights are written by the worker that finishes a run: into the data directory, and
(when small) also into the run itself so a dashboard on another machine can offer them.
Workers started on this machine log to ``logs/NAME-worker-INDEX.log`` in the data directory.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

from tuning.storage import record
from tuning.storage.runs import Run, check_name
from tuning.storage.urls import data_dir

MAX_STORED_WEIGHTS = 1024 * 1024


def run_dir(name: str) -> Path:
    """The run's folder in the data directory; the name is checked so it cannot escape."""
    root = (data_dir() / "runs").resolve()
    path = (root / check_name(name)).resolve()
    if root not in path.parents:
        raise ValueError(f"run folder {path} would leave {root}")
    return path


def weights_path(name: str) -> Path:
    return run_dir(name) / "best-weights.pt"


def logs_dir() -> Path:
    return data_dir() / "logs"


def log_path(name: str, index: int) -> Path:
    """The log file of worker ``index`` of run ``name`` started on this machine."""
    return logs_dir() / f"{check_name(name)}-worker-{index}.log"


def run_logs(name: str) -> list[Path]:
    """The worker logs of run ``name`` (not of a run whose name merely starts the same)."""
    own = re.compile(rf"{re.escape(check_name(name))}-worker-\d+\.log")
    folder = logs_dir()
    return sorted(p for p in folder.iterdir() if own.fullmatch(p.name)) if folder.is_dir() else []


def remove_files(name: str) -> list[Path]:
    """Delete the run's weights folder and worker logs on this machine; returns what was removed."""
    removed = run_logs(name)
    for path in removed:
        path.unlink(missing_ok=True)
    folder = run_dir(name)
    if folder.is_dir():
        shutil.rmtree(folder)
        removed.append(folder)
    return removed


def store_weights(run: Run, blob: bytes) -> Path:
    """Write the winner's weights to the data directory, and into the run when small."""
    path = weights_path(run.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    if len(blob) <= MAX_STORED_WEIGHTS:
        run.study.set_user_attr(record.WEIGHTS.key, base64.b64encode(blob).decode("ascii"))
    return path


def read_weights(run: Run) -> bytes | None:
    """The winner's weights (a ``torch.save`` file), or None before the run has finished."""
    attrs = run.attrs()
    if record.RESULT.key not in attrs:
        return None
    if record.WEIGHTS.key in attrs:
        return base64.b64decode(attrs[record.WEIGHTS.key])
    path = weights_path(run.name)
    return path.read_bytes() if path.exists() else None
