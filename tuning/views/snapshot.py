"""One read of a run (or of several) as plain data: what a dashboard refresh draws.

Pages never handle Optuna objects: they ask for a snapshot and get the run's summary,
its trials as a DataFrame and the learning curves worth drawing. A ``RunWatcher`` keeps
the rows of finished trials between reads, so a live page re-reads only what changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from optuna.trial import FrozenTrial

from tuning.storage.runs import Run, load_run
from tuning.views.chart_data import CurveSelection, TrialFrames, curves_frame, maximizing, race_frame
from tuning.views.hypervolume import hypervolume_race
from tuning.views.pareto import ParetoFront, Tradeoffs, front_of
from tuning.views.summary import RunSummary, summarize


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
    """Reads one run again and again, building rows only for trials that changed.

    Safe to share between threads (Streamlit sessions): reads take turns. A run deleted
    and created again under the same name starts over.
    """

    name: str
    storage_url: str | None = None
    _frames: TrialFrames = field(default_factory=TrialFrames, repr=False)
    _created_at: float | None = field(default=None, repr=False)
    _front: ParetoFront | None = field(default=None, repr=False)  # kept as trials finish
    _front_study: int | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def read(self) -> RunSnapshot:
        run = load_run(self.name, self.storage_url)
        trials = run.study.get_trials(deepcopy=False)
        points = self._points(run, trials)
        summary = summarize(run, trials, points)
        maximize = maximizing(run.spec)
        with self._lock:
            if summary.created_at != self._created_at:
                self._frames, self._created_at = TrialFrames(), summary.created_at
            self._frames.maximize = maximize
            frame = self._frames.frame(trials, summary.orphans)
        curves = curves_frame(trials, orphans=summary.orphans, maximize=maximize)
        return RunSnapshot(run, summary, frame, curves, points)

    def _points(self, run: Run, trials: list[FrozenTrial]) -> Tradeoffs | None:
        """A trade-off run's front, updated with the trials finished since the last read; a
        run created again under the name (another study) starts a new one."""
        if not run.spec.tradeoff:
            return None
        with self._lock:
            if self._front is None or self._front_study != run.study_id:
                self._front, self._front_study = front_of(run.spec), run.study_id
            self._front.update(trials)
            return self._front.view()


_WATCHERS: OrderedDict[tuple[str, str | None], RunWatcher] = OrderedDict()
_WATCHERS_LOCK = threading.Lock()
MAX_WATCHERS = 32  # runs watched at once per server; each holds one row per finished trial


def shared_watcher(name: str, storage_url: str | None = None) -> RunWatcher:
    """The server's one watcher of run ``name``, shared by every session that shows it.

    A visitor who opens a 10,000-trial run that someone watched before gets its rows
    built already: measured, building them costs a new session about 0.46 s.
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
    runs = [load_run(name, storage_url) for name in names]
    trials = [run.study.get_trials(deepcopy=False) for run in runs]
    summaries = [summarize(run, t) for run, t in zip(runs, trials, strict=True)]
    named = [(r.name, r.spec.strategy.value, t) for r, t in zip(runs, trials, strict=True)]
    if by_hypervolume(runs):
        return Race(runs, summaries, hypervolume_race(named, runs[0].spec), hypervolume=True)
    frame = race_frame(named, maximize=bool(runs) and maximizing(runs[0].spec))
    return Race(runs, summaries, frame)


def by_hypervolume(runs: Sequence[Run]) -> bool:
    """True when the runs share several objectives and their bounds: their fronts compare."""
    shared = {(run.spec.goals, run.spec.constraints) for run in runs}
    return len(shared) == 1 and len(runs[0].spec.goals) > 1
