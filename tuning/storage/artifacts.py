"""Where a run's saved weights live, and reading them back without torch.

Weights are written by the worker that finishes a run: into the data directory, and
(when small) also into the run itself so a dashboard on another machine can offer them.
"""

from __future__ import annotations

import base64
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
