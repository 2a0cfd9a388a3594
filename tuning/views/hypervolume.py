"""Hypervolume: how much of the objective space a run's front dominates, as its trials finish.

One number per moment says how good a whole front is, so runs of several objectives race
on it as runs of one race on their best score. Each objective is scaled to [0, 1] by the
lowest and highest value any of the compared runs reached within the bounds (maximised
ones turned round), so no unit dwarfs another and every run is measured in the same box;
the reference point sits a tenth beyond the worst corner, so the worst trials still count.
A hypervolume is then a share of that box (up to the reference point): higher is better, 1 at most.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tuning.definition.metrics import Direction
from tuning.definition.spec import RunSpec
from tuning.views.chart_data import RACE_COLUMNS, best_steps
from tuning.views.pareto import dominated_by, row_points

REFERENCE = 1.1  # in scaled units: the worst value of any compared run is 1


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """The volume dominated by ``points`` (n, k; minimised) up to ``reference`` (k,), exact.

    Sliced along the last objective: between consecutive values, the slab's area is the
    hypervolume of the points below it in one dimension fewer. Fronts hold tens of points.
    """
    inside = points[(points < reference).all(axis=1)]
    if not len(inside):
        return 0.0
    if points.shape[1] == 1:
        return float(reference[0] - inside[:, 0].min())
    inside = inside[np.argsort(inside[:, -1], kind="stable")]
    levels = np.append(inside[:, -1], reference[-1])
    total = 0.0
    for index in range(len(inside)):
        thickness = levels[index + 1] - levels[index]
        if thickness > 0:
            total += thickness * hypervolume(inside[: index + 1, :-1], reference[:-1])
    return total


def hypervolume_race(runs: Sequence[tuple[str, str, pd.DataFrame]], spec: RunSpec) -> pd.DataFrame:
    """Each run's hypervolume against trials finished and wall time, like ``race_frame``
    (its ``best_so_far`` column holds the hypervolume); ``runs`` holds (name, strategy,
    trials frame: ``chart_data.table_frame``), ``spec`` the shared objectives and bounds.
    Only the points where a run's hypervolume moves are kept, plus its last."""
    signs = np.array([1.0 if d is Direction.MINIMIZE else -1.0 for d in spec.directions])
    bounds = [b.key for b in spec.constraints or ()]
    scaled = [_finished(frame, signs, bounds) for _, _, frame in runs]
    feasible = [frame.loc[frame["feasible"], "point"] for frame in scaled]
    every = np.array([p for points in feasible for p in points]).reshape(-1, len(signs))
    if not len(every):
        return pd.DataFrame(columns=RACE_COLUMNS)
    low, high = every.min(axis=0), every.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    parts = []
    for (name, strategy, _), frame in zip(runs, scaled, strict=True):
        volumes = _volumes(frame, low, span)
        done = frame.assign(best_so_far=volumes, finished=np.arange(1, len(frame) + 1))
        steps = best_steps(done, x="finished").merge(done[["finished", "elapsed_s"]], on="finished")
        parts.append(steps.assign(run=name, strategy=strategy))
    return pd.concat(parts, ignore_index=True)[list(RACE_COLUMNS)]


def _finished(frame: pd.DataFrame, signs: np.ndarray, bounds: list[str]) -> pd.DataFrame:
    """A run's finished trials in the order they finished: number, seconds since its first
    trial started, whether it is a complete trial within the bounds, its minimised values."""
    first = frame["started_at"].min() if frame["started_at"].notna().any() else 0.0
    done = frame[frame["completed_at"].notna().to_numpy()]
    complete = (done["state"] == "complete").to_numpy()
    _, values, feasible = row_points(done[complete], len(signs), bounds)
    points = np.full(len(done), None, dtype=object)
    kept = np.zeros(len(done), dtype=bool)
    for position, point, keeps in zip(np.flatnonzero(complete), values * signs, feasible, strict=True):
        points[position], kept[position] = point, keeps
    finished = pd.DataFrame(
        {"number": done["number"].to_numpy(), "elapsed_s": (done["completed_at"] - first).to_numpy(),
         "feasible": kept, "point": points}
    )  # fmt: skip
    return finished.sort_values("elapsed_s", kind="stable", ignore_index=True)


def _volumes(frame: pd.DataFrame, low: np.ndarray, span: np.ndarray) -> list[float]:
    """The hypervolume after each finished trial: computed again only when a point joins the front."""
    reference = np.full(len(low), REFERENCE)
    box = REFERENCE ** len(low)
    front = np.empty((0, len(low)))
    volume, volumes = 0.0, []
    for feasible, point in zip(frame["feasible"], frame["point"], strict=True):
        if feasible:
            scaled = ((point - low) / span)[None, :]
            if not dominated_by(front, scaled)[0]:
                front = np.vstack([front[~dominated_by(scaled, front)], scaled])
                volume = hypervolume(front, reference) / box
        volumes.append(volume)
    return volumes
