"""Start worker processes that outlive whoever launched them (a page, a server, a shell).

Workers run in their own session, so a Ctrl-C or a restart of the dashboard does not
reach them, and write their output to log files in the data directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

from tuning.data.datasets import DATASETS, check_data
from tuning.definition.spec import RunSpec
from tuning.demo import check_control, csv_limits, guard_launch
from tuning.demo_capacity import MoreTrials, room_held
from tuning.errors import StorageUnavailable
from tuning.models.reference import MODEL_ROOT_ENV, model_root
from tuning.storage import record
from tuning.storage.artifacts import log_path, logs_dir
from tuning.storage.inherit import check_same_data, inherit
from tuning.storage.runs import Run, create_run, delete_run, load_run
from tuning.storage.urls import DATA_DIR_ENV, STORAGE_ENV, data_dir, resolve_url

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def worker_command(name: str, storage_url: str | None = None, index: int = 0) -> list[str]:
    """The command line that joins ``name`` as one more worker, on this or another machine.

    Without ``storage_url`` the worker reads ``$TUNING_STORAGE``: that is how this machine's
    workers get it, since a command line (and a password in it) is visible to every user in ``ps``.
    """
    storage = ["--storage", storage_url] if storage_url else []
    return ["python", "-m", "tuning", "worker", "--study", name, *storage, "--index", str(index)]


def spawn_workers(name: str, storage_url: str, count: int, first_index: int = 0) -> list[int]:
    """Start ``count`` detached workers for run ``name``; returns their PIDs.

    The storage URL travels in the workers' environment (``$TUNING_STORAGE``), readable
    only by their owner, never on their command line. Every log file is opened before
    any worker starts, so an unwritable logs folder starts none (OSError).
    """
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
        # Workers run from the package folder: a relative data folder must not move with them,
        # nor a model file named relative to where the run was launched.
        **{DATA_DIR_ENV: str(data_dir()), MODEL_ROOT_ENV: str(model_root())},
    )
    env[STORAGE_ENV] = storage_url
    indexes = range(first_index, first_index + count)
    logs_dir().mkdir(parents=True, exist_ok=True)
    with ExitStack() as files:
        logs = [files.enter_context(open(log_path(name, index), "ab")) for index in indexes]
        pids = []
        for index, log in zip(indexes, logs, strict=True):
            argv = [sys.executable, *worker_command(name, index=index)[1:]]
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
    warm_start: str | None = None,
    token: str | None = None,
) -> Run:
    """Check the run (its data, demo caps), store it with its task and selection metric
    filled in, and start its workers; returns at once.

    ``owner`` is the launching visitor's id (demo mode counts and guards runs per owner).
    ``warm_start`` names a run on the same data whose finished trials that fit ``spec``
    the new run inherits (in the demo, only one of the visitor's own runs).
    A run whose workers cannot start (no writable logs folder) is deleted again: a stored
    run that nobody works on would read as "starting" forever.
    """
    url = resolve_url(storage_url)
    limits = guard_launch(spec, url, csv_text)
    if DATASETS[spec.dataset.name].from_code:
        spec = spec.with_code_task()
    else:
        spec = spec.with_task(check_data(spec.dataset, csv_text, spec.task, spec.cv_folds, csv_limits()))
    inheritance = None
    if warm_start:
        source = load_run(warm_start, url)
        check_control(source, owner, token)
        check_same_data(source, spec, csv_text)
        inheritance = inherit(source, spec)
    inherited = inheritance.trials if inheritance else ()
    with room_held(url, owner, limits, MoreTrials(spec.n_trials_planned() or 0, inherited=len(inherited))):
        run = create_run(spec, name, url, csv_text, owner, inherited)
    if inheritance:
        run.study.set_user_attr(record.WARM_START.key, inheritance.record())
    try:
        spawn_workers(run.name, url, spec.workers)
    except OSError as error:  # e.g. the logs folder is not writable: no worker would ever run it
        delete_run(run)
        where = error.filename or logs_dir()
        raise StorageUnavailable(
            f"cannot start the workers of {run.name}: {error.strerror or error} ({where}); "
            f"the run was not kept. Workers log to {logs_dir()}: make it writable, or set $TUNING_DATA_DIR"
        ) from None
    return run
