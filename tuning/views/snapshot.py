"""One read of a run (or of several) as plain data: what a dashboard refresh draws.

Pages never handle Optuna objects: they ask for a snapshot and get the run's summary,
its trials as a DataFrame and the learning curves worth drawing. The run's reader
(``tuning.reading``) keeps the rows of finished trials between reads, and a
``RunWatcher`` keeps a trade-off run's front, so a live page re-reads only what changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from tuning.reading.trials import read_run
from tuning.storage.runs import Run
from tuning.views.chart_data import CurveSelection, curves_frame, maximizing, race_frame, table_frame
from tuning.views.hypervolume import hypervolume_race
from tuning.views.pareto import ParetoFront, Tradeoffs, front_of
from tuning.views.summary import RunSummary
from tuning.views.table_summary import summarize_table


@dataclass(frozen=True)
class RunSnapshot:
    """A run at one moment: its handle, summary, one row per started trial, and curves."""

    run: Run
    summary: RunSummary
    frame: pd.DataFrame
    curves: CurveSelection
    points: Tradeoffs | None = None  # a run of several objectives or with bounds: its front


@dataclass
class RunWatcher:
    """Reads one run again and again; each read costs what changed since the last.

    The run's reader (``tuning.reading``: the journal's replica, PostgreSQL's delta
    queries) keeps every finished trial's row, so a read builds rows only for trials that
    finished since, and for the running ones; a trade-off run's front takes only the rows
    of trials completed since. Safe to share between threads (Streamlit sessions). A run
    deleted and created again under the same name is another study: it starts over.
    """

    name: str
    storage_url: str | None = None
    _front: ParetoFront | None = field(default=None, repr=False)  # kept as trials finish
    _front_study: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def read(self) -> RunSnapshot:
        got = read_run(self.name, self.storage_url)
        points = self._points(got.run, got.table.finished)
        summary = summarize_table(got.run, got.table, got.attrs, points)
        maximize = maximizing(got.run.spec)
        frame = table_frame(got.table, summary.orphans, maximize)
        curves = curves_frame(got.table, orphans=summary.orphans, maximize=maximize)
        return RunSnapshot(got.run, summary, frame, curves, points)

    def _points(self, run: Run, finished: pd.DataFrame) -> Tradeoffs | None:
        """A trade-off run's front, updated with the trials completed since the last read; a
        run created again under the name (another study) starts a new one."""
        if not run.spec.tradeoff:
            return None
        with self._lock:
            if self._front is None or self._front_study != run.study_id:
                self._front, self._front_study = front_of(run.spec), run.study_id
            self._front.update_rows(finished)
            return self._front.view()


_WATCHERS: OrderedDict[tuple[str, str | None], RunWatcher] = OrderedDict()
_WATCHERS_LOCK = threading.Lock()
MAX_WATCHERS = 32  # runs watched at once per server; each holds a trade-off run's front


def shared_watcher(name: str, storage_url: str | None = None) -> RunWatcher:
    """The server's one watcher of run ``name``, shared by every session that shows it.

    The rows themselves live with the storage's reader (``tuning.reading``), one per run
    and server, so a visitor who opens a run that someone read before gets them built.
    """
    with _WATCHERS_LOCK:
        key = (name, storage_url)
        watcher = _WATCHERS.pop(key, None) or RunWatcher(name, storage_url)
        _WATCHERS[key] = watcher  # most recently used last
        while len(_WATCHERS) > MAX_WATCHERS:
            _WATCHERS.popitem(last=False)
        return watcher


@dataclass(frozen=True)
class Race:
    """Several runs read once each: their handles, summaries, and best-so-far lines, or
    hypervolume lines (``hypervolume``) when every run optimises the same several objectives
    within the same bounds."""

    runs: list[Run]
    summaries: list[RunSummary]
    frame: pd.DataFrame  # race_frame's columns; best_so_far holds the hypervolume if raced by it
    hypervolume: bool = False


def read_race(names: Sequence[str], storage_url: str | None = None) -> Race:
    """The runs called ``names``, each read once, raced on trials finished and wall time."""
    reads = [read_run(name, storage_url) for name in names]
    runs = [got.run for got in reads]
    summaries = [summarize_table(got.run, got.table, got.attrs) for got in reads]
    maximize = bool(runs) and maximizing(runs[0].spec)
    named = [
        (got.run.name, got.run.spec.strategy.value, table_frame(got.table, summary.orphans, maximize))
        for got, summary in zip(reads, summaries, strict=True)
    ]
    if by_hypervolume(runs):
        return Race(runs, summaries, hypervolume_race(named, runs[0].spec), hypervolume=True)
    return Race(runs, summaries, race_frame(named, maximize=maximize))


def by_hypervolume(runs: Sequence[Run]) -> bool:
    """True when the runs share several objectives and their bounds: their fronts compare."""
    shared = {(run.spec.goals, run.spec.constraints) for run in runs}
    return len(shared) == 1 and len(runs[0].spec.goals) > 1
