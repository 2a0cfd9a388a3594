"""The data behind the dashboard's charts, as DataFrames computed from stored trials.

Computing is kept apart from drawing (as in optuna's visualization modules): every frame
here is plain pandas, testable without a browser, and ``tuning.views.figures`` only draws it.
Big runs are reduced here, where a chart would choke: learning curves keep only the best
and the running trials, and best-so-far lines keep only the points where the best moves.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from tuning.data.datasets import target_unit
from tuning.definition.metrics import METRICS, Direction, get_metric
from tuning.definition.objectives import label_of, unit_of
from tuning.definition.spec import RunSpec
from tuning.reading.records import PARAM_PREFIX, TrialTable, joined_rows, learning_curve, records_frame
from tuning.storage.record import TrialOrigin

HISTORY_STATES = ("complete", "pruned", "failed", "running")
HISTORY_COLUMNS = ("number", "state", "value", "last_loss", "origin", "duration_s")  # and the parameters
RACE_COLUMNS = ("run", "strategy", "finished", "elapsed_s", "best_so_far", "number")


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
    return _derive(records_frame(trials), maximize)


def table_frame(
    table: TrialTable, orphans: Mapping[int, str] | None = None, maximize: bool = False
) -> pd.DataFrame:
    """``trials_frame`` of a run read as a ``TrialTable``; ``orphans`` (``RunSummary.orphans``)
    are shown failed, with why (the storage still says running)."""
    live = records_frame([t for t in table.live if t.state is TrialState.RUNNING])
    if orphans and not live.empty:
        dead = live["number"].isin(orphans)
        live.loc[dead, "state"] = "fail"
        live.loc[dead, "error"] = live.loc[dead, "number"].map(orphans)
    return _derive(joined_rows(table.finished, live), maximize)


def _derive(records: pd.DataFrame, maximize: bool) -> pd.DataFrame:
    ordered = records["number"].is_monotonic_increasing  # often so: sorting copies every column
    frame = records.reset_index(drop=True) if ordered else records.sort_values("number", ignore_index=True)
    frame["state"] = frame["state"].replace({"fail": "failed"})  # as in every count and legend
    for column in ("value", "started_at", "duration_s", "last_loss"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["completed_at"] = frame["started_at"] + frame["duration_s"]
    complete = frame["value"].where(frame["state"] == "complete")
    frame["best_so_far"] = _best_so_far(complete, maximize)
    return frame


def _best_so_far(scores: pd.Series, maximize: bool) -> pd.Series:
    return (scores.cummax() if maximize else scores.cummin()).ffill()


def param_columns(frame: pd.DataFrame) -> list[str]:
    """The hyperparameter columns of a trials frame, in name order."""
    return sorted(c for c in frame.columns if c.startswith(PARAM_PREFIX))


def history_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Trials with a loss to plot: complete ones at their loss, pruned and failed ones at
    their last epoch's (a failed trial without a finite one is left out), and running ones
    at their latest epoch's, a provisional point that moves as they train: a population's
    trials all finish at once, and its chart would stay empty until then."""
    loss = frame["value"].where(frame["state"] == "complete", frame["last_loss"])
    drawn = [c for c in frame.columns if c in HISTORY_COLUMNS or c.startswith(PARAM_PREFIX)]
    shown = frame[drawn].assign(loss=loss)  # only the columns drawn: a big run's rows are many
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
    running_total: int  # running trials with a curve: a population's 60, of which 10 are drawn

    def caption(self) -> str:
        """What the chart draws of which trials, for the line under it."""
        running = f"{self.running_shown}" + (
            f" of the {self.running_total}" if self.running_total > self.running_shown else ""
        )
        return f"The {self.best_shown} best of {self.complete_total} complete trials and {running} running."


def curves_frame(
    table: TrialTable,
    best_n: int = 10,
    max_running: int = 10,
    orphans: Collection[int] = (),
    maximize: bool = False,
) -> CurveSelection:
    """Per-epoch losses of the ``best_n`` best complete trials and the latest running ones.

    Thousands of overlaid curves say nothing and cost seconds to draw; the best ones show
    what good training looks like, and the running ones show what is happening now. The
    ``orphans`` (trials of dead workers) are not running any more: they are left out.
    Only the curves drawn are read from the table.
    """
    finished = table.finished[["number", "state", "value", "origin", "epochs_run"]]
    complete = finished[(finished["state"] == "complete") & (finished["epochs_run"] > 0)]
    complete = complete.astype({"value": float, "number": int})  # no rows yet: columns of no type
    pick = complete.nlargest if maximize else complete.nsmallest
    best = pick(best_n, "value", keep="all").sort_values(["value", "number"], ascending=[not maximize, True])
    best = best.head(best_n)
    curves = table.curves(best["number"].tolist())
    chosen = [
        (number, "complete", curves[number], f"#{number} (best {i + 1}{_marked(origin)})")
        for i, (number, origin) in enumerate(zip(best["number"].tolist(), best["origin"], strict=True))
    ]
    running = [
        t
        for t in table.live
        if t.state is TrialState.RUNNING and t.number not in orphans and learning_curve(t)
    ]
    running_total = len(running)
    running = sorted(running, key=lambda t: t.number)[-max_running:]
    chosen += [(t.number, "running", learning_curve(t), f"#{t.number} (running)") for t in running]
    rows = [
        (number, epoch, loss, state, label)
        for number, state, curve, label in chosen
        for epoch, loss in enumerate(curve, start=1)
    ]
    frame = pd.DataFrame(rows, columns=["number", "epoch", "loss", "state", "label"])
    return CurveSelection(frame, min(best_n, len(complete)), len(complete), len(running), running_total)


def _marked(origin: str) -> str:
    """A label's mark for a trial the strategy did not propose: hand-picked or inherited."""
    return "" if origin == TrialOrigin.SAMPLED.value else f", {origin}"


def parallel_frame(frame: pd.DataFrame, limit: int = 500, maximize: bool = False) -> pd.DataFrame:
    """Complete trials' parameters and loss; beyond ``limit`` the best ``limit`` of them.

    The best trials are the ones whose parameters matter; thousands of worse lines only
    hide them under a uniform haze.
    """
    columns = ["number", "origin", *param_columns(frame), "value"]
    complete = frame.loc[
        frame["state"] == "complete", columns
    ]  # only the columns drawn: a big run's rows are many
    best = complete.nlargest(limit, "value") if maximize else complete.nsmallest(limit, "value")
    return best.sort_values("number").reset_index(drop=True)


def race_frame(runs: Sequence[tuple[str, str, pd.DataFrame]], maximize: bool = False) -> pd.DataFrame:
    """Best-so-far of several runs against trials finished and against wall time.

    ``runs`` holds (name, strategy, trials frame) of runs selected by one metric
    (``maximize`` when higher is better). Trials count in the order they finished,
    which is fair to parallel workers; time counts from each run's first trial, so a run
    that waited for its workers to start is not penalised. Only the points where a run's
    best moves are kept (plus its last), so 100,000-trial runs stay small.
    """
    parts = []
    for name, strategy, frame in runs:
        done = frame[frame["completed_at"].notna()].sort_values(["completed_at", "number"])
        done = done.reset_index(drop=True)
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


def trial_table(
    frame: pd.DataFrame,
    score: str = "loss",
    selection: str | None = None,
    spec: RunSpec | None = None,
) -> pd.DataFrame:
    """The trials as people read them: the score (named ``score``, e.g. "validation accuracy"),
    the run's other objectives (``spec``'s; a trade-off's front is rebuilt from them), plain
    parameter names, every other recorded validation metric (``selection``, the metric
    the score is, is not repeated: a CSV had "validation log loss" and "val log loss"),
    start time, duration. ``spec`` gives ``selection`` when it is not given."""
    selection = selection or (spec.selection.name if spec else None)
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
    objectives = _objective_columns(frame, spec) if spec else pd.DataFrame(index=frame.index)
    metrics = metrics.drop(columns=objectives.columns, errors="ignore")  # its own value is the same
    table = pd.concat([table, objectives, metrics], axis=1)
    first = ["number", "state", score, *objectives.columns, *metrics.columns]  # every score beside
    return table[first + [c for c in table.columns if c not in first]]


def _objective_column(spec: RunSpec, name: str) -> str:
    """The table's column of an objective beyond the score: a metric's as the other metrics'
    ("validation MAE"), a measure's titled with its units ("parameters (count)")."""
    return _metric_column(name) if name in METRICS else axis_title(spec, name)


def _objective_columns(frame: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    """One column per objective after the first: its value in each trial (the trial's
    ``values``, else what the worker measured or validated of it), NaN where it has none."""
    goals = spec.goals
    nothing = pd.Series(None, index=frame.index, dtype=object)
    found = zip(*(frame.get(c, nothing) for c in ("values", "measures", "val_metrics")), strict=True)
    rows = list(found) if len(goals) > 1 else []
    columns = {
        _objective_column(spec, goal.name): [_objective_value(row, index, goal.name) for row in rows]
        for index, goal in enumerate(goals[1:], start=1)
    }
    return pd.DataFrame(columns, index=frame.index, dtype=float)


def _objective_value(row: tuple[Any, Any, Any], index: int, name: str) -> float:
    """Objective ``index`` (``name``) of one trial's (values, measures, val_metrics)."""
    values, *recorded = row
    if isinstance(values, list | tuple | np.ndarray) and index < len(values) and values[index] is not None:
        return float(values[index])
    for named in recorded:
        if isinstance(named, dict) and named.get(name) is not None:
            return float(named[name])
    return math.nan


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
