"""Launches at the same moment, from threads or processes: what the demo's caps must survive.

Each racer waits at a barrier (a threading.Barrier, or a file that appears once every
process has imported everything), then calls ``launch`` with a visitor id; workers are
not started. The outcome per racer is "started" or the NotAllowed message.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.runs_helpers import quick_spec
from tuning.demo import NotAllowed
from tuning.launcher import launch
from tuning.reading.trials import list_run_names
from tuning.storage.runs import load_run
from tuning.storage.urls import open_storage
from tuning.views.summary import summarize

ROOT = Path(__file__).resolve().parent.parent
STARTED = "started"

RACER = """
import json, sys, time
from pathlib import Path
ready, go, action, url, name, owner, payload = sys.argv[1:8]
import tuning.launcher as launcher
from tuning.actions import Actor, enqueue_params
from tuning.definition.spec import RunSpec
from tuning.demo import NotAllowed
launcher.spawn_workers = lambda *args, **kwargs: []
act = {
    "launch": lambda: launcher.launch(RunSpec.from_dict(json.loads(payload)), name, url, owner=owner),
    "enqueue": lambda: enqueue_params(name, json.loads(payload), Actor(url, owner)),
}[action]
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.001)
try:
    act()
    print("started")
except NotAllowed as error:
    print(error)
"""


def race_threads(storage_url: str, owners: list[str], folder: Path | None = None) -> list[str]:
    """Launch one run per owner from as many threads released together; their outcomes.

    ``folder`` is unused (threads share memory): it keeps one signature with ``race_processes``.
    """
    open_storage(storage_url)  # a live demo's storage exists (Optuna's schema creation itself races)
    return together(
        [
            lambda index=index: launch(quick_spec(), f"racer-{index}", storage_url, owner=owners[index])
            for index in range(len(owners))
        ]
    )


def together(calls: list[Callable[[], object]]) -> list[str]:
    """Run each call in a thread of its own, all released at once; each one's outcome:
    ``STARTED`` when it returned, else the NotAllowed message."""
    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def racer(index: int) -> None:
        barrier.wait()
        try:
            calls[index]()
            outcomes[index] = STARTED
        except NotAllowed as error:
            outcomes[index] = str(error)
        except Exception as error:  # anything else fails the race's checks, with its reason
            outcomes[index] = f"unexpected {error!r}"

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def race_processes(storage_url: str, owners: list[str], folder: Path) -> list[str]:
    """The same from one process per owner, released by a file once all have started."""
    open_storage(storage_url)
    spec = json.dumps(quick_spec().to_dict())
    return processes_together(
        folder, [["launch", storage_url, f"racer-{i}", owner, spec] for i, owner in enumerate(owners)]
    )


def processes_together(folder: Path, calls: list[list[str]]) -> list[str]:
    """Run each call (``[action, url, run name, owner, JSON payload]``: a launch of a spec or
    an enqueue of a configuration) in a process of its own, all released by one file once
    every process has imported everything; each one's outcome, as ``together`` gives it."""
    go = folder / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(folder / f"ready-{i}"), str(go), *call],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, call in enumerate(calls)
    ]
    deadline = time.monotonic() + 120
    while not all((folder / f"ready-{i}").exists() for i in range(len(calls))):
        assert time.monotonic() < deadline and all(c.poll() is None for c in children), [
            c.communicate() for c in children if c.poll() is not None
        ]
        time.sleep(0.01)
    go.touch()
    results = [child.communicate(timeout=120) for child in children]
    assert all(child.returncode == 0 for child in children), [err for _, err in results]
    return [out.strip() for out, _ in results]


def assert_exactly(cap: int, outcomes: list[str], refusal: str, storage_url: str) -> None:
    """``cap`` racers started, every other one was refused with ``refusal``, and each stored
    run is whole (its spec and its full queue of trials): none is half-created."""
    started = [f"racer-{i}" for i, outcome in enumerate(outcomes) if outcome == STARTED]
    refused = [outcome for outcome in outcomes if outcome != STARTED]
    assert len(started) == cap, outcomes
    assert refused and all(refusal in outcome for outcome in refused), refused
    assert sorted(list_run_names(storage_url)) == sorted(started)
    for name in started:
        summary = summarize(load_run(name, storage_url))
        assert (summary.state, summary.n_waiting) == ("starting", quick_spec().budget.n_trials)
