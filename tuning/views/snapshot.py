"""One read of a run (or of several) as plain data: what a dashboard refresh draws.

Pages never handle Optuna objects: they ask for a snapshot and get the run's summary,
its trials as a DataFrame and the learning curves worth drawing. The run's reader
(``tuning.reading``) keeps the rows of finished trials between reads, and a
``RunWatcher`` keeps a trade-off run's front, so a live page re-reads only what changed.
Every session that shows a run shares its watcher (``shared_watcher``), and with it the
last snapshot while the run has not changed, and what was built from that snapshot
(``RunSnapshot.derived``): ten visitors of one live run cost about what one costs.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import pandas as pd

from tuning.reading.trials import RunRead, read_run
from tuning.storage.runs import Run
from tuning.views.chart_data import CurveSelection, curves_frame, maximizing, race_frame, table_frame
from tuning.views.hypervolume import hypervolume_race
from tuning.views.pareto import ParetoFront, Tradeoffs, front_of
from tuning.views.summary import RunSummary
from tuning.views.table_summary import summarize_table

T = TypeVar("T")
#: How long a snapshot of an unchanged run is handed out again. Its summary holds what
#: the clock decides (workers alive, trials orphaned: ``RunSpec.grace_s``, a minute by
#: default), so it is made again at least this often; a page refreshes every 2 s.
REUSE_S = 2.0


@dataclass(frozen=True)
class RunSnapshot:
    """A run at one moment: its handle, summary, one row per started trial, and curves.

    Sessions that show the same run share it while the run does not change
    (``RunWatcher.read``); it must not be changed, and what a page builds from it (a
    figure, its JSON) can be built once for all of them with ``derived``.
    """

    run: Run
    summary: RunSummary
    frame: pd.DataFrame
    curves: CurveSelection
    points: Tradeoffs | None = None  # a run of several objectives or with bounds: its front
    _derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _deriving: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False, compare=False)

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, called once per ``key`` for this snapshot: every later caller, in any
        session, gets what the first one made. ``key`` names what ``make`` builds and every
        choice it depends on besides the snapshot (a toggle, a scale)."""
        with self._deriving:  # a second session asking meanwhile waits for the first's result
            if key not in self._derived:
                self._derived[key] = make()
            return cast(T, self._derived[key])


@dataclass(frozen=True)
class _Kept:
    """The watcher's last snapshot, with the read it was made from and when."""

    read: RunRead
    snapshot: RunSnapshot
    made_at: float


@dataclass
class RunWatcher:
    """Reads one run again and again; each read costs what changed since the last.

    The run's reader (``tuning.reading``: the journal's replica, PostgreSQL's delta
    queries) keeps every finished trial's row, so a read builds rows only for trials that
    finished since, and for the running ones; a trade-off run's front takes only the rows
    of trials completed since. A read that finds nothing changed (``RunRead.same_as``)
    hands out the last snapshot again, for up to ``REUSE_S``: sessions refreshing the
    same run between two of its changes share one. Safe to share between threads
    (Streamlit sessions). A run deleted and created again under the same name is another
    study: it starts over.
    """

    name: str
    storage_url: str | None = None
    _front: ParetoFront | None = field(default=None, repr=False)  # kept as trials finish
    _front_study: int | None = field(default=None, repr=False)
    _kept: _Kept | None = field(default=None, repr=False)
    _reading: threading.Lock = field(default_factory=threading.Lock, repr=False)  # one read at a time

    def read(self) -> RunSnapshot:
        """The run now: the last snapshot again while nothing changed, else a new one."""
        with self._reading:  # a session arriving meanwhile then gets this read's snapshot
            got, now = read_run(self.name, self.storage_url), time.monotonic()
            kept = self._kept
            if kept is not None and now - kept.made_at < REUSE_S and got.same_as(kept.read):
                return kept.snapshot
            snapshot = self._snapshot(got)  # the front too is kept under the read's lock
            self._kept = _Kept(got, snapshot, now)
            return snapshot

    def forget(self, older_than_s: float = REUSE_S) -> None:
        """Let go of the last snapshot once it is too old to hand out (its frames are a
        run's size): a run nobody watches keeps nothing here."""
        kept = self._kept
        if kept is not None and time.monotonic() - kept.made_at >= older_than_s:
            self._kept = None

    def _snapshot(self, got: RunRead) -> RunSnapshot:
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
        for other in _WATCHERS.values():
            other.forget()
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
