"""Start worker processes that outlive whoever launched them (a page, a server, a shell).

Workers run in their own session, so a Ctrl-C or a restart of the dashboard does not
reach them, and write their output to log files in the data directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tuning.data.datasets import check_data
from tuning.definition.spec import RunSpec
from tuning.demo import csv_limits, guard_launch
from tuning.storage.runs import Run, create_run
from tuning.storage.urls import DATA_DIR_ENV, data_dir, resolve_url

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def worker_command(name: str, storage_url: str, index: int = 0) -> list[str]:
    """The command line that joins ``name`` as one more worker, on this or another machine."""
    return [
        "python",
        "-m",
        "tuning",
        "worker",
        "--study",
        name,
        "--storage",
        storage_url,
        "--index",
        str(index),
    ]


def spawn_workers(name: str, storage_url: str, count: int, first_index: int = 0) -> list[int]:
    """Start ``count`` detached workers for run ``name``; returns their PIDs."""
    logs = data_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
        # Workers run from the package folder: a relative data folder must not move with them.
        **{DATA_DIR_ENV: str(data_dir())},
    )
    pids = []
    for index in range(first_index, first_index + count):
        argv = [sys.executable, *worker_command(name, storage_url, index)[1:]]
        with open(logs / f"{name}-worker-{index}.log", "ab") as log:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, cwd=PACKAGE_ROOT, start_new_session=True,
            )  # fmt: skip
        # Reap the child when it exits so it does not linger as a zombie of this process.
        threading.Thread(target=process.wait, daemon=True).start()
        pids.append(process.pid)
    return pids


def launch(
    spec: RunSpec,
    name: str | None = None,
    storage_url: str | None = None,
    csv_text: str | None = None,
    owner: str | None = None,
) -> Run:
    """Check the run (its data, demo caps), store it with its task and selection metric
    filled in, and start its workers; returns at once."""
    url = resolve_url(storage_url)
    task = check_data(spec.dataset, csv_text, spec.task, spec.cv_folds, csv_limits())
    spec = spec.with_task(task)
    guard_launch(spec, url, owner, csv_text)
    run = create_run(spec, name, url, csv_text, owner)
    spawn_workers(run.name, url, spec.workers)
    return run
