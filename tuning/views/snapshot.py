"""One read of a run (or of several) as plain data: what a dashboard refresh draws.

Pages never handle Optuna objects: they ask for a snapshot and get the run's summary,
its trials as a DataFrame and the learning curves worth drawing. The run's reader
(``tuning.reading``) keeps the rows of finished trials between reads, so a live page
re-reads only what changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from tuning.reading.trials import read_run
from tuning.storage.runs import Run
from tuning.views.chart_data import CurveSelection, curves_frame, maximizing, race_frame, table_frame
from tuning.views.summary import RunSummary
from tuning.views.trial_table import summarize_table


@dataclass(frozen=True)
class RunSnapshot:
    """A run at one moment: its handle, summary, one row per started trial, and curves."""

    run: Run
    summary: RunSummary
    frame: pd.DataFrame
    curves: CurveSelection


@dataclass
class RunWatcher:
    """Reads one run again and again; each read costs what changed since the last.

    The run's reader (``tuning.reading``: the journal's replica, PostgreSQL's delta
    queries) keeps every finished trial's row, so a read builds rows only for trials that
    finished since, and for the running ones. Safe to share between threads (Streamlit
    sessions). A run deleted and created again under the same name is another study: it
    starts over.
    """

    name: str
    storage_url: str | None = None

    def read(self) -> RunSnapshot:
        got = read_run(self.name, self.storage_url)
        summary = summarize_table(got.run, got.table, got.attrs)
        maximize = maximizing(got.run.spec)
        frame = table_frame(got.table, summary.orphans, maximize)
        curves = curves_frame(got.table, orphans=summary.orphans, maximize=maximize)
        return RunSnapshot(got.run, summary, frame, curves)


_WATCHERS: OrderedDict[tuple[str, str | None], RunWatcher] = OrderedDict()
_WATCHERS_LOCK = threading.Lock()
MAX_WATCHERS = 32  # runs watched at once per server; each holds one row per finished trial


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
    """Several runs read once each: their handles, summaries, and best-so-far lines."""

    runs: list[Run]
    summaries: list[RunSummary]
    frame: pd.DataFrame  # race_frame's columns


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
    return Race(runs, summaries, race_frame(named, maximize=maximize))
