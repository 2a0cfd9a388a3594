"""What the Monitor draws of a run's trade-offs: its points by kind, and its front as a table.

Computed apart from drawing (``tuning.views.front_figures`` draws): plain frames built
from a run's ``Tradeoffs`` and summary. The front and the trials that break a bound are
always drawn; the other trials beyond ``MAX_OTHERS`` are thinned to every n-th trial
number, which the chart says, so a 10,000-trial run sends a few thousand points, not all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from itertools import combinations

import numpy as np
import pandas as pd

from tuning.definition.spec import RunSpec
from tuning.views.chart_data import axis_title
from tuning.views.pareto import Tradeoffs
from tuning.views.summary import RunSummary

MAX_OTHERS = 2_000  # dominated trials drawn at most, as in the loss chart (views/history.py)
TRIAL_AXIS = "number"  # the x axis of a run of one objective with bounds
LOG_SPAN = 100  # a column whose largest value is this many times its smallest gets a log axis


class PointKind(Enum):
    """How a complete trial stands: each kind is drawn apart."""

    FRONT = "front"
    OTHER = "dominated"
    INFEASIBLE = "breaks a bound"


@dataclass(frozen=True)
class FrontPoints:
    """The points to draw: ``frame`` has ``number``, one column per objective (by name),
    ``kind`` (a PointKind's value) and ``winner``; ``axes`` the pairs of columns to draw
    against each other, ``titles`` each column's axis title, ``every`` the thinning of the
    dominated trials (1: all drawn), ``logs`` the columns whose values span two decades."""

    frame: pd.DataFrame
    axes: list[tuple[str, str]]
    titles: dict[str, str]
    minimised: dict[str, bool]
    every: int
    others: int
    logs: set[str]  # columns drawn on a log axis

    @property
    def note(self) -> str:
        """What the chart leaves out, in words; empty when it shows every trial."""
        if self.every == 1:
            return ""
        return f"1 in {self.every} of the {self.others:,} dominated trials drawn"


def front_points(spec: RunSpec, points: Tradeoffs, winner: int | None) -> FrontPoints:
    """The run's complete trials as points: every front and infeasible one, the others thinned."""
    names = [goal.name for goal in spec.goals]
    others = points.feasible & ~points.on_front
    every = max(1, math.ceil(int(others.sum()) / MAX_OTHERS))
    shown = np.flatnonzero(~others | (points.numbers % every == 0))  # thinned before any frame is built
    kind = np.where(points.on_front, PointKind.FRONT.value, PointKind.OTHER.value).astype(object)
    kind[~points.feasible] = PointKind.INFEASIBLE.value
    frame = pd.DataFrame(points.values[shown], columns=names)
    frame = frame.assign(
        number=points.numbers[shown], kind=kind[shown], winner=points.numbers[shown] == winner
    )
    frame = frame.sort_values("number", ignore_index=True)
    axes = list(combinations(names, 2)) if len(names) > 1 else [(TRIAL_AXIS, names[0])]
    titles = {name: axis_title(spec, name) for name in names} | {TRIAL_AXIS: "trial number"}
    minimised = {g.name: bool(sign > 0) for g, sign in zip(spec.goals, points.signs, strict=True)}
    logs = {name for name, column in zip(names, points.values.T, strict=True) if _spans_decades(column)}
    return FrontPoints(frame, axes, titles, minimised, every, int(others.sum()), logs)


def _spans_decades(values: np.ndarray) -> bool:
    """True for positive values over two decades or more (parameter counts, say): a log axis
    then shows the small networks, which a linear one presses against zero."""
    return bool(len(values)) and bool((values > 0).all()) and values.max() >= LOG_SPAN * values.min()


def front_table(spec: RunSpec, summary: RunSummary) -> pd.DataFrame:
    """The front's trials as people read them: trial, each objective (titled with its units),
    whether it is the winner, then the hyperparameters; best in the selection metric first."""
    goals = summary.objectives or []
    rows = [
        {
            "trial": entry["number"],
            "winner": "★" if entry["number"] == summary.winner else "",
            **{axis_title(spec, goal["name"]): entry["values"][goal["name"]] for goal in goals},
            **entry["params"],
        }
        for entry in summary.pareto or []
    ]
    return pd.DataFrame(rows)
