"""The loss-of-each-trial cloud of a big run, reduced to what a chart can show and a reader can read.

Two things spoil that chart on a big run. Ten thousand points cost seconds to send and
draw, though a chart a few hundred pixels wide cannot show more than a few points per
pixel column; and one diverged trial (a loss of 10⁹) squashes every other point onto the
axis. So the cloud is cut into slices of consecutive trial numbers, and each slice keeps
its lowest and its highest loss per state (the envelope a reader sees, and every low point
that matters); and the loss axis stops at a robust fence above the bulk of the losses,
with the number of points above it said on the chart. Both are said, never silent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd

MAX_POINTS = 2_000  # per chart: ~1,000 slices × (lowest, highest); a plot is ~700 px wide
# The fence: the 90th percentile plus three times the spread from the 10th to the 90th. Robust to
# a tenth of the points being wild; a healthy run's early, high trials stay in view.
FENCE_QUANTILES = (0.10, 0.90)
FENCE_SPREADS = 3.0
FENCE_MIN_RATIO = 3.0


class HiddenState(Enum):
    """Trial states a reader may take off the loss chart (complete trials always stay)."""

    PRUNED = "pruned"
    FAILED = "failed"


@dataclass(frozen=True)
class HistoryPoints:
    """The points and best-so-far steps to draw, and what was left out, to be said on the chart.

    ``points`` has the columns of ``chart_data.history_frame`` and ``steps`` those of
    ``chart_data.best_steps``, both without the clipped points; ``total`` counts the points
    shown before slicing; ``per_slice`` is how many consecutive trials one slice spans (1:
    every point is drawn); ``limit`` is the top of the loss axis when points lie above it
    (None: none do, or clipping is off), and ``clipped`` counts those points. ``fence`` is
    that top whether or not a point lies above it (None: clipping is off, or too few
    points): a reference line above it would stretch the axis as a wild point would.
    """

    points: pd.DataFrame
    steps: pd.DataFrame
    total: int
    per_slice: int
    limit: float | None
    clipped: int
    fence: float | None = None

    @property
    def note(self) -> str:
        """What the chart leaves out, in words; empty when it shows everything."""
        parts = []
        if self.per_slice > 1:
            parts.append(
                f"{len(self.points):,} of {self.total:,} points drawn"
                f" (lowest and highest of every {self.per_slice:,} trials)"
            )
        if self.limit is not None:
            plural = "point" if self.clipped == 1 else "points"
            parts.append(f"{self.clipped:,} {plural} above {self.limit:,.4g} clipped")
        return " · ".join(parts)


def history_points(
    shown: pd.DataFrame,
    steps: pd.DataFrame,
    hide: frozenset[HiddenState] = frozenset(),
    clip: bool = True,
    max_points: int = MAX_POINTS,
) -> HistoryPoints:
    """``shown`` (``chart_data.history_frame``) without the ``hide`` states, clipped and sliced.

    ``steps`` (``chart_data.best_steps``) loses its steps above the clipping limit too:
    a best-so-far line that starts at 10⁹ would stretch the axis as much as the point.
    """
    hidden = {state.value for state in hide}
    points = shown[~shown["state"].isin(hidden)]
    limit = loss_fence(points["loss"].to_numpy(dtype=float)) if clip else None
    wild = points["loss"] > limit if limit is not None else pd.Series(False, index=points.index)
    clipped = int(wild.sum())
    if clipped:
        points = points[~wild]
        steps = steps[steps["best_so_far"] <= limit]
    reduced, per_slice = decimate(points, max_points)
    total, steps = len(points) + clipped, steps.reset_index(drop=True)
    return HistoryPoints(reduced, steps, total, per_slice, limit if clipped else None, clipped, limit)


def loss_fence(losses: np.ndarray) -> float | None:
    """The top of a readable loss axis: above it lie only wild points; None for too few points.

    Computed in log space when every loss is positive (losses span decades as a search
    improves), so a tenfold early loss is not taken for a wild one.
    """
    finite = losses[np.isfinite(losses)]
    if len(finite) < 5:
        return None
    positive = bool((finite > 0).all())
    values = np.log10(finite) if positive else finite
    # Rounded inwards, so that on a small run one wild point never sets its own fence.
    low = np.quantile(values, FENCE_QUANTILES[0], method="higher")
    high = np.quantile(values, FENCE_QUANTILES[1], method="lower")
    fence = high + FENCE_SPREADS * max(high - low, _tiny(high))
    if positive:  # never closer than FENCE_MIN_RATIO x the 90th percentile: a small run's first trials stay
        return float(10 ** max(fence, high + np.log10(FENCE_MIN_RATIO)))
    return float(fence)


def _tiny(value: float) -> float:
    """A spread for a run whose losses are (nearly) all equal: a hair above the value."""
    return max(abs(value) * 1e-3, 1e-12)


def decimate(points: pd.DataFrame, max_points: int) -> tuple[pd.DataFrame, int]:
    """The lowest and highest loss of each state in each slice of consecutive trial numbers.

    Returns the kept rows (in trial order) and the trials per slice (1 when all are kept).
    """
    if len(points) <= max_points:
        return points.reset_index(drop=True), 1
    states = max(points["state"].nunique(), 1)
    span = int(points["number"].max() - points["number"].min() + 1)
    per_slice = max(math.ceil(span * 2 * states / max_points), 2)
    slices = (points["number"] - points["number"].min()) // per_slice
    groups = points["loss"].groupby([points["state"], slices])
    keep = pd.Index(groups.idxmin()).union(pd.Index(groups.idxmax()))
    return points.loc[keep].sort_values("number").reset_index(drop=True), per_slice
