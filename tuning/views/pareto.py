"""The Pareto front of a run, kept as its trials finish, and the run's winner.

A complete trial is on the front when it keeps every bound and no other such trial is at
least as good in every objective and better in one. optuna-dashboard recomputes its front
from every trial on every refresh, in O(n²), which became its bottleneck past 1,000 trials
(optuna-dashboard #506). A ``ParetoFront`` takes each finished trial once: new points are
compared, vectorised, with the current front only, which rarely holds more than a few
dozen trials, and the few that survive are merged into it. A live Monitor keeps one per run
(``RunWatcher``), so a refresh costs what the new trials cost.

The winner, the one trial tested on held-out rows, is the trial someone picked
(``record.PICK``) or else the best in the selection metric among the trials that keep the
bounds (among all complete trials when none does); with one objective and no bounds that
is the best trial, as it always was.

Both read paths use it: Optuna's trials (``update``, the CLI and actions), and the
dashboard's rows of finished trials (``update_rows``, ``tuning.reading``), which carry
every objective's value (the ``values`` column) and each bound's violation (``constraints``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from tuning.definition.metrics import Direction
from tuning.definition.spec import RunSpec
from tuning.storage import record
from tuning.storage.record import score

#: New points merged at once: in sorted order the front of the first chunks already
#: discards most of the points that follow, so a 10,000-trial run is read in one pass.
CHUNK = 512


def dominated_by(front: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For each of ``points`` (m, k), whether some row of ``front`` (f, k) dominates it
    (all objectives minimised)."""
    if not len(front) or not len(points):
        return np.zeros(len(points), dtype=bool)
    at_most = (front[:, None, :] <= points[None, :, :]).all(axis=2)
    below = (front[:, None, :] < points[None, :, :]).any(axis=2)
    return np.asarray((at_most & below).any(axis=0), dtype=bool)


def nondominated(points: np.ndarray) -> np.ndarray:
    """Which of ``points`` (n, k; minimised) no other point dominates, as a boolean mask.

    Taken in lexicographic order, a point can only be dominated by one before it, and a
    point kept is never dominated later: one pass against the points kept so far.
    """
    keep = np.zeros(len(points), dtype=bool)
    kept = np.empty_like(points)
    count = 0
    for index in np.lexsort(points.T[::-1]):
        point = points[index]
        head = kept[:count]
        if count and ((head <= point).all(axis=1) & (head < point).any(axis=1)).any():
            continue
        kept[count] = point
        count += 1
        keep[index] = True
    return keep


@dataclass(frozen=True)
class Tradeoffs:
    """A run's complete trials as points: their numbers, one value per objective, whether
    they keep the bounds, and which are on the front. Immutable: a page draws it while the
    watcher that made it reads on."""

    numbers: np.ndarray  # (n,) int
    values: np.ndarray  # (n, k) as the objectives are measured
    feasible: np.ndarray  # (n,) bool
    on_front: np.ndarray  # (n,) bool
    signs: np.ndarray  # (k,) +1 to minimise, -1 to maximise

    @property
    def front_numbers(self) -> list[int]:
        """The front's trials, best in the selection metric first."""
        return [number for number, _ in self.front()]

    def front(self) -> list[tuple[int, list[float]]]:
        """The front's trials with their values, best in the selection metric first."""
        front = np.flatnonzero(self.on_front)
        order = front[np.lexsort((self.numbers[front], self.values[front, 0] * self.signs[0]))]
        return [(int(self.numbers[i]), self.values[i].tolist()) for i in order]

    def default_winner(self) -> int | None:
        """The best trial in the selection metric among the feasible ones (among all when no
        trial is feasible); the lowest number on a tie."""
        if not len(self.numbers):
            return None
        pool = np.flatnonzero(self.feasible) if self.feasible.any() else np.arange(len(self.numbers))
        best = np.lexsort((self.numbers[pool], self.values[pool, 0] * self.signs[0]))[0]
        return int(self.numbers[pool][best])


class ParetoFront:
    """The front of one run, updated with the trials that finished since the last update."""

    def __init__(self, directions: Sequence[Direction], bounds: Sequence[str] = ()) -> None:
        self.signs = np.array([1.0 if d is Direction.MINIMIZE else -1.0 for d in directions])
        self._bound_names = list(bounds)
        self._bounds = [record.CONSTRAINT.member(bound) for bound in bounds]
        self._seen: set[int] = set()
        self._listed = 0  # trials looked at so far, by position in the study's list
        self._open: list[int] = []  # positions of those not finished when last looked at
        self._numbers = np.empty(0, dtype=np.int64)
        self._values = np.empty((0, len(directions)))
        self._feasible = np.empty(0, dtype=bool)
        self._front = np.empty(0, dtype=np.int64)  # positions into the arrays above

    def update(self, trials: Sequence[FrozenTrial]) -> None:
        """Take the complete trials not taken yet; unfinished ones are looked at again next time."""
        new = self._fresh(trials)
        if new:
            numbers = np.array([t.number for t in new], dtype=np.int64)
            values = np.array([t.values for t in new], dtype=float)
            self._add(numbers, values, np.array([self._keeps_bounds(t) for t in new], dtype=bool))

    def update_rows(self, finished: pd.DataFrame) -> None:
        """Take the complete trials not taken yet from a run's rows of finished trials
        (``reading.records``; a finished trial's row never changes). Costs a count when
        no trial completed since the last update, and a look at the new rows when some did."""
        complete = finished[(finished["state"] == "complete").to_numpy()]
        if len(complete) == len(self._seen):
            return
        new = complete[~complete["number"].isin(self._seen).to_numpy()]
        self._add(*row_points(new, len(self.signs), self._bound_names))

    def _add(self, numbers: np.ndarray, values: np.ndarray, feasible: np.ndarray) -> None:
        """Keep new complete trials' points and merge the feasible ones into the front."""
        if not len(numbers):
            return
        self._seen.update(numbers.tolist())
        start = len(self._numbers)
        self._numbers = np.concatenate([self._numbers, numbers])
        self._values = np.concatenate([self._values, values.reshape(len(numbers), -1)])
        self._feasible = np.concatenate([self._feasible, feasible])
        self._merge(start + np.flatnonzero(self._feasible[start:]))

    def _fresh(self, trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
        """The complete trials not taken yet. A study lists its trials by number (0, 1, …): only
        those unfinished at the last look and those listed since are looked at, so a refresh of a
        10,000-trial run costs what its new trials cost; any other list is read whole."""
        positions = [*self._open, *range(self._listed, len(trials))]
        if len(trials) < self._listed or any(trials[i].number != i for i in positions):
            return [t for t in trials if t.state is TrialState.COMPLETE and t.number not in self._seen]
        self._open = [i for i in positions if not trials[i].state.is_finished()]
        self._listed = len(trials)
        fresh = (trials[i] for i in positions if trials[i].state is TrialState.COMPLETE)
        return [t for t in fresh if t.number not in self._seen]  # a whole read may have taken it

    def _merge(self, positions: np.ndarray) -> None:
        """Merge the feasible points at ``positions`` into the front, chunk by chunk."""
        minimised = self._values * self.signs
        positions = positions[np.lexsort(minimised[positions].T[::-1])]
        for chunk in np.array_split(positions, max(1, -(-len(positions) // CHUNK))):
            survivors = chunk[~dominated_by(minimised[self._front], minimised[chunk])]
            if len(survivors):
                merged = np.concatenate([self._front, survivors])
                self._front = merged[nondominated(minimised[merged])]

    def view(self) -> Tradeoffs:
        on_front = np.zeros(len(self._numbers), dtype=bool)
        on_front[self._front] = True
        return Tradeoffs(self._numbers, self._values, self._feasible, on_front, self.signs)

    def _keeps_bounds(self, trial: FrozenTrial) -> bool:
        """Every bound's violation is <= 0 (Optuna's feasibility, read for the run's bounds only)."""
        attrs = trial.system_attrs
        return all(attrs.get(key, 0.0) <= 0 for key in self._bounds)


def front_of(spec: RunSpec) -> ParetoFront:
    """An empty front for the run's objectives and bounds."""
    return ParetoFront(spec.directions, [bound.key for bound in spec.constraints or ()])


def tradeoffs(spec: RunSpec, trials: Sequence[FrozenTrial]) -> Tradeoffs:
    """The run's points and front, computed at once (a ``ParetoFront`` fed every trial)."""
    front = front_of(spec)
    front.update(trials)
    return front.view()


def row_tradeoffs(spec: RunSpec, finished: pd.DataFrame) -> Tradeoffs:
    """``tradeoffs`` of a run read as rows of finished trials."""
    front = front_of(spec)
    front.update_rows(finished)
    return front.view()


def row_points(
    rows: pd.DataFrame, width: int, bounds: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers, values (n, ``width``) and feasibility of complete trials' rows: each value of a
    run of several objectives is in ``values``, of one in ``value``; a trial keeps the
    ``bounds`` when none of its ``constraints`` is above 0 (a missing one is kept)."""
    numbers = rows["number"].to_numpy(dtype=np.int64)
    if width > 1:
        values = np.array(rows["values"].tolist(), dtype=float).reshape(len(rows), width)
    else:
        values = rows["value"].to_numpy(dtype=float).reshape(len(rows), 1)
    violations = rows["constraints"].tolist() if "constraints" in rows else [None] * len(rows)
    feasible = [
        not isinstance(found, dict) or all(found.get(bound, 0.0) <= 0 for bound in bounds)
        for found in violations
    ]
    return numbers, values, np.array(feasible, dtype=bool)


def winner_trial(
    spec: RunSpec, trials: Sequence[FrozenTrial], picked: int | None, points: Tradeoffs | None = None
) -> FrozenTrial | None:
    """The trial the run's winner is: the picked one when it is complete, else the default.

    ``points``: the run's ``Tradeoffs`` when the caller keeps them (a run of several
    objectives or with bounds), so they are not computed again.
    """
    chosen = trial_numbered(trials, picked) if isinstance(picked, int) else None
    if chosen is not None and chosen.state is TrialState.COMPLETE:
        return chosen
    if spec.tradeoff:
        number = (points or tradeoffs(spec, trials)).default_winner()
        return None if number is None else trial_numbered(trials, number)
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    pick = max if spec.selection.direction is Direction.MAXIMIZE else min
    return pick(complete, key=score) if complete else None  # type: ignore[type-var,arg-type]


def winner_number(
    spec: RunSpec, finished: pd.DataFrame, picked: int | None, points: Tradeoffs | None = None
) -> int | None:
    """``winner_trial`` of a run read as rows of finished trials: the trial's number."""
    complete = finished[(finished["state"] == "complete").to_numpy()]
    if isinstance(picked, int) and (complete["number"] == picked).any():
        return picked
    if spec.tradeoff:
        return (points or row_tradeoffs(spec, finished)).default_winner()
    values = complete["value"].astype(float)
    if values.isna().all():
        return None
    top = values.max() if spec.selection.direction is Direction.MAXIMIZE else values.min()
    return int(complete["number"][values == top].min())  # the first of equals, as ``min`` gives


def trial_numbered(trials: Sequence[FrozenTrial], number: int) -> FrozenTrial | None:
    """The trial called ``number``: at that position in a study's list, else looked for."""
    if 0 <= number < len(trials) and trials[number].number == number:
        return trials[number]
    return next((t for t in trials if t.number == number), None)
