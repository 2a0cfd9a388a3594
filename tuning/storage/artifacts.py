"""A run's local files (its model folders, worker logs): where they live, reading, removing.

The winner's model folder (``tuning.winner.folder``, as a zip) is written by the worker
that finishes a run, and its refit by the worker that refits it: into the data directory,
and (when small) also into the run itself so a dashboard on another machine can offer it.
Runs stored before model folders kept a ``torch.save`` file of weights instead
(``read_weights``).
Workers started on this machine log to ``logs/NAME-worker-INDEX.log`` in the data directory.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

from tuning.storage import record
from tuning.storage.runs import Run, check_name, has_result
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


def model_path(name: str, source: str) -> Path:
    """Where run ``name``'s model folder (zipped) lives on this machine; ``source`` is
    "selected" or "refit" (``tuning.winner.folder.Source``)."""
    return run_dir(name) / f"model-{source}.zip"


def store_model(run: Run, source: str, archive: bytes) -> Path:
    """Write a model folder's zip to the data directory, and into the run when small."""
    path = model_path(run.name, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(archive)
    if len(archive) <= MAX_STORED_WEIGHTS:
        run.study.set_user_attr(record.MODEL.member(source), base64.b64encode(archive).decode("ascii"))
    return path


def read_model(run: Run, source: str) -> bytes | None:
    """The zip of the run's model folder of ``source``: from the run, else from this
    machine's data directory; None when there is none (yet, or a run stored before model folders)."""
    stored = run.attrs().get(record.MODEL.member(source))
    if stored:
        return base64.b64decode(stored)
    path = model_path(run.name, source)
    return path.read_bytes() if path.exists() else None


def read_weights(run: Run) -> bytes | None:
    """An older run's winner (a ``torch.save`` file with pickled preprocessing), or None
    before the run has finished; runs stored now keep a model folder (``read_model``)."""
    attrs = run.attrs()
    if not has_result(attrs):
        return None
    if record.WEIGHTS.key in attrs:
        return base64.b64decode(attrs[record.WEIGHTS.key])
    path = weights_path(run.name)
    return path.read_bytes() if path.exists() else None
