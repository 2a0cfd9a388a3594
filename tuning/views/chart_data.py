"""The data behind the dashboard's charts, as DataFrames computed from stored trials.

Computing is kept apart from drawing (as in optuna's visualization modules): every frame
here is plain pandas, testable without a browser, and ``tuning.views.figures`` only draws it.
Big runs are reduced here, where a chart would choke: learning curves keep only the best
and the running trials, and best-so-far lines keep only the points where the best moves.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from tuning.data.datasets import target_unit
from tuning.definition.metrics import METRICS, Direction, get_metric
from tuning.definition.objectives import label_of, unit_of
from tuning.definition.spec import RunSpec
from tuning.storage.lifecycle import trial_origin
from tuning.storage.record import TrialOrigin, score
from tuning.views.summary import PARAM_PREFIX, learning_curve, trial_rows

HISTORY_STATES = ("complete", "pruned", "failed", "running")
RACE_COLUMNS = ("run", "strategy", "finished", "elapsed_s", "best_so_far", "number")
BASE_COLUMNS = (
    "number", "state", "value", "epochs_run", "duration_s", "started_at", "worker", "origin", "error",
    "val_metrics",
)  # fmt: skip


def loss_title(spec: RunSpec) -> str:
    """Axis title of every trial score: the run's selection metric and its units, e.g.
    "validation MSE ($1000s²)" or "validation accuracy (share correct)"."""
    return axis_title(spec, spec.selection.name)


def axis_title(spec: RunSpec, name: str) -> str:
    """Axis title of one objective with its units: a metric on validation, e.g. "validation
    MAE ($1000s)", or a measure, e.g. "parameters (count)"."""
    where = "validation " if name in METRICS else ""
    return f"{where}{label_of(name)} ({unit_of(name, target_unit(spec.dataset))})"


def maximizing(spec: RunSpec) -> bool:
    """True when higher scores are better for this run (accuracy, R², ...)."""
    return spec.selection.direction is Direction.MAXIMIZE


def trials_frame(trials: Sequence[FrozenTrial], maximize: bool = False) -> pd.DataFrame:
    """One row per started trial, by number, with its best-so-far and last epoch's score.

    ``best_so_far`` is the best complete score up to each trial number (the lowest, or the
    highest when ``maximize``; NaN before the first); ``last_loss`` is the latest per-epoch
    score, which running and pruned trials have even without a final value;
    ``completed_at`` is a Unix time, NaN while running.
    """
    return _derive(_records(trials), maximize)


class TrialFrames:
    """``trials_frame`` for one run read again and again, in time proportional to what changed.

    A finished trial never changes in the storage, so its row is built once and kept;
    each call builds rows only for trials that finished since, and for the running ones.
    A live Monitor of a 5,000-trial run then spends milliseconds here, not a tenth of a second.
    """

    def __init__(self, maximize: bool = False) -> None:
        self.maximize = maximize
        self._finished = pd.DataFrame(columns=[*BASE_COLUMNS, "last_loss"])
        self._numbers: set[int] = set()

    def frame(self, trials: Sequence[FrozenTrial], orphans: Mapping[int, str] | None = None) -> pd.DataFrame:
        """The trials' rows; ``orphans`` (``RunSummary.orphans``) are shown failed, with why."""
        done = [t for t in trials if t.state.is_finished() and t.number not in self._numbers]
        if done:
            parts = [p for p in (self._finished, _records(done)) if not p.empty]
            self._finished = pd.concat(parts, ignore_index=True)
            self._numbers.update(t.number for t in done)
        live = _records([t for t in trials if t.state is TrialState.RUNNING])
        if orphans and not live.empty:  # not cached: the storage still says RUNNING
            dead = live["number"].isin(orphans)
            live.loc[dead, "state"] = "fail"
            live.loc[dead, "error"] = live.loc[dead, "number"].map(orphans)
        parts = [p for p in (self._finished, live) if not p.empty]
        return _derive(pd.concat(parts, ignore_index=True) if parts else live, self.maximize)


def _records(trials: Sequence[FrozenTrial]) -> pd.DataFrame:
    """The engine's flat rows (queued tickets left out) plus each trial's last epoch loss."""
    rows = trial_rows(list(trials))
    if not rows:
        return pd.DataFrame(columns=[*BASE_COLUMNS, "last_loss"])
    last = [_last_loss(t) for t in trials if t.state is not TrialState.WAITING]
    return pd.DataFrame(rows).assign(last_loss=last)


def _derive(records: pd.DataFrame, maximize: bool) -> pd.DataFrame:
    frame = records.sort_values("number", ignore_index=True)
    frame["state"] = frame["state"].replace({"fail": "failed"})  # as in every count and legend
    for column in ("value", "started_at", "duration_s", "last_loss"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["completed_at"] = frame["started_at"] + frame["duration_s"]
    complete = frame["value"].where(frame["state"] == "complete")
    frame["best_so_far"] = _best_so_far(complete, maximize)
    return frame


def _best_so_far(scores: pd.Series, maximize: bool) -> pd.Series:
    return (scores.cummax() if maximize else scores.cummin()).ffill()


def _last_loss(trial: FrozenTrial) -> float | None:
    curve = learning_curve(trial)
    return curve[-1] if curve else None


def param_columns(frame: pd.DataFrame) -> list[str]:
    """The hyperparameter columns of a trials frame, in name order."""
    return sorted(c for c in frame.columns if c.startswith(PARAM_PREFIX))


def history_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Trials with a loss to plot: complete ones at their loss, pruned and failed ones at
    their last epoch's (a failed trial without a finite one is left out), and running ones
    at their latest epoch's, a provisional point that moves as they train: a population's
    trials all finish at once, and its chart would stay empty until then."""
    loss = frame["value"].where(frame["state"] == "complete", frame["last_loss"])
    shown = frame.assign(loss=loss)
    shown = shown[shown["state"].isin(HISTORY_STATES) & np.isfinite(shown["loss"].astype(float))]
    return shown.reset_index(drop=True)


def best_steps(frame: pd.DataFrame, x: str = "number") -> pd.DataFrame:
    """The best-so-far line reduced to the points where it moves, plus the last ``x``.

    Drawn with ``line_shape='hv'`` this is the same staircase as every point would give,
    at a size that does not grow with the number of trials.
    """
    line = frame[list(dict.fromkeys(["number", x, "best_so_far"]))].dropna().sort_values(x)
    if line.empty:
        return line.reset_index(drop=True)
    moves = line[line["best_so_far"].diff().fillna(-1) != 0]
    tail = line.iloc[[-1]]
    return pd.concat([moves, tail]).drop_duplicates().reset_index(drop=True)


@dataclass(frozen=True)
class CurveSelection:
    """Learning curves to draw, and how many trials they were chosen from."""

    frame: pd.DataFrame  # number, epoch, loss, state, label
    best_shown: int
    complete_total: int
    running_shown: int


def curves_frame(
    trials: Sequence[FrozenTrial],
    best_n: int = 10,
    max_running: int = 10,
    orphans: Collection[int] = (),
    maximize: bool = False,
) -> CurveSelection:
    """Per-epoch losses of the ``best_n`` best complete trials and the latest running ones.

    Thousands of overlaid curves say nothing and cost seconds to draw; the best ones show
    what good training looks like, and the running ones show what is happening now. The
    ``orphans`` (trials of dead workers) are not running any more: they are left out.
    """
    complete = sorted(
        (t for t in trials if t.state is TrialState.COMPLETE and learning_curve(t)),
        key=score,  # type: ignore[arg-type]
        reverse=maximize,
    )
    running = [
        t for t in trials if t.state is TrialState.RUNNING and t.number not in orphans and learning_curve(t)
    ]
    running = sorted(running, key=lambda t: t.number)[-max_running:]
    chosen = [(t, f"#{t.number} (best {i + 1}{_marked(t)})") for i, t in enumerate(complete[:best_n])]
    chosen += [(t, f"#{t.number} (running)") for t in running]
    rows = [
        (t.number, epoch, loss, t.state.name.lower(), label)
        for t, label in chosen
        for epoch, loss in enumerate(learning_curve(t), start=1)
    ]
    frame = pd.DataFrame(rows, columns=["number", "epoch", "loss", "state", "label"])
    return CurveSelection(frame, min(best_n, len(complete)), len(complete), len(running))


def _marked(trial: FrozenTrial) -> str:
    """A label's mark for a trial the strategy did not propose: hand-picked or inherited."""
    origin = trial_origin(trial)
    return "" if origin is TrialOrigin.SAMPLED else f", {origin.value}"


def parallel_frame(frame: pd.DataFrame, limit: int = 500, maximize: bool = False) -> pd.DataFrame:
    """Complete trials' parameters and loss; beyond ``limit`` the best ``limit`` of them.

    The best trials are the ones whose parameters matter; thousands of worse lines only
    hide them under a uniform haze.
    """
    complete = frame[frame["state"] == "complete"]
    columns = ["number", "origin", *param_columns(frame), "value"]
    best = complete.nlargest(limit, "value") if maximize else complete.nsmallest(limit, "value")
    return best[columns].sort_values("number").reset_index(drop=True)


def race_frame(
    runs: Sequence[tuple[str, str, Sequence[FrozenTrial]]], maximize: bool = False
) -> pd.DataFrame:
    """Best-so-far of several runs against trials finished and against wall time.

    ``runs`` holds (name, strategy, trials) of runs selected by one metric (``maximize``
    when higher is better). Trials count in the order they finished,
    which is fair to parallel workers; time counts from each run's first trial, so a run
    that waited for its workers to start is not penalised. Only the points where a run's
    best moves are kept (plus its last), so 5,000-trial runs stay small.
    """
    parts = []
    for name, strategy, trials in runs:
        frame = _times_frame(trials)
        done = frame[frame["completed_at"].notna()].sort_values("completed_at").reset_index(drop=True)
        if done.empty:
            continue
        complete = done["value"].where(done["state"] == "complete")
        done = done.assign(
            best_so_far=_best_so_far(complete, maximize),
            finished=np.arange(1, len(done) + 1),
            elapsed_s=done["completed_at"] - frame["started_at"].min(),
        )
        steps = best_steps(done, x="finished")
        steps = steps.merge(done[["finished", "elapsed_s"]], on="finished")
        parts.append(steps.assign(run=name, strategy=strategy))
    columns = list(RACE_COLUMNS)
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def _times_frame(trials: Sequence[FrozenTrial]) -> pd.DataFrame:
    """Number, state, loss, start and end (Unix times) of each started trial: all a race needs.

    Not ``trials_frame``, whose parameters and learning curves cost a race of four
    10,000-trial runs about 2 s of every refresh.
    """
    rows = [
        (
            t.number,
            "complete" if t.state is TrialState.COMPLETE else t.state.name.lower(),
            score(t) if t.state is TrialState.COMPLETE else np.nan,
            t.datetime_start.timestamp() if t.datetime_start else np.nan,
            t.datetime_complete.timestamp() if t.datetime_complete and t.datetime_start else np.nan,
        )
        for t in trials
        if t.state is not TrialState.WAITING
    ]
    return pd.DataFrame(rows, columns=["number", "state", "value", "started_at", "completed_at"])


def trial_table(frame: pd.DataFrame, score: str = "loss", selection: str | None = None) -> pd.DataFrame:
    """The trials as people read them: the score (named ``score``, e.g. "validation accuracy"),
    plain parameter names, every other recorded validation metric (``selection``, the metric
    the score is, is not repeated: a CSV had "validation log loss" and "val log loss"),
    start time, duration."""
    params = param_columns(frame)
    table = frame[
        [
            "number",
            "state",
            "value",
            "origin",
            *params,
            "epochs_run",
            "duration_s",
            "started_at",
            "worker",
            "error",
        ]
    ]
    table = table.rename(columns={"value": score, **{c: c[len(PARAM_PREFIX) :] for c in params}})
    started = pd.to_datetime(table["started_at"], unit="s", utc=True).dt.tz_convert(None)
    error = table["error"].where(table["error"].notna(), "")
    table = table.assign(started_at=started, error=error).rename(columns={"started_at": "started (UTC)"})
    metrics = _metric_columns(frame).drop(
        columns=_metric_column(selection) if selection else [], errors="ignore"
    )
    table = pd.concat([table, metrics], axis=1)
    first = ["number", "state", score, *metrics.columns]  # every score beside the one selected by
    return table[first + [c for c in table.columns if c not in first]]


def _metric_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """One column per validation metric the trials recorded ("validation accuracy", ...)."""
    recorded = [
        m if isinstance(m, dict) else {} for m in frame.get("val_metrics", pd.Series(index=frame.index))
    ]
    metrics = pd.DataFrame(recorded, index=frame.index, dtype=float)
    return metrics.rename(columns={name: _metric_column(name) for name in metrics.columns})


def _metric_column(metric: str) -> str:
    """The table's column of a validation metric, named as the score's: "validation accuracy"."""
    return f"validation {get_metric(metric).label}"
