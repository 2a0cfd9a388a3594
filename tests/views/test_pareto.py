"""The Pareto front, kept as trials arrive, against a brute-force check; and the winner."""

from __future__ import annotations

import random

import numpy as np
import pytest
from optuna.trial import FrozenTrial, TrialState, create_trial

from tests.tradeoff_checks import brute_force_front, check_houses_front_within_a_bound
from tuning import RunSpec, preset_spec
from tuning.definition.metrics import Direction
from tuning.storage import record
from tuning.views.pareto import ParetoFront, nondominated, winner_trial

MIN, MAX = Direction.MINIMIZE, Direction.MAXIMIZE


def trial(number: int, values: tuple[float, ...], violation: float | None = None) -> FrozenTrial:
    attrs = {} if violation is None else {record.CONSTRAINT.member("max_params"): violation}
    made = create_trial(state=TrialState.COMPLETE, values=list(values), system_attrs=attrs)
    made.number = number
    return made


@pytest.mark.parametrize("objectives", [1, 2, 3])
def test_the_mask_matches_the_brute_force_front_with_ties_and_duplicates(objectives: int) -> None:
    rng = np.random.default_rng(objectives)
    for _ in range(30):
        points = rng.integers(0, 5, size=(40, objectives)).astype(float)  # few values: many ties
        mask = nondominated(points)
        assert set(np.flatnonzero(mask)) == brute_force_front([tuple(p) for p in points], [MIN] * objectives)


@pytest.mark.parametrize("directions", [[MIN, MIN], [MIN, MAX], [MAX, MIN, MAX]])
def test_the_front_kept_as_trials_arrive_is_the_brute_force_front(directions: list[Direction]) -> None:
    rng = random.Random(len(directions))
    trials = [
        trial(
            n, tuple(float(rng.randint(0, 30)) for _ in directions), violation=rng.choice([-1.0, -1.0, 2.0])
        )
        for n in range(300)
    ]
    arrival = trials[:]
    rng.shuffle(arrival)  # trials finish in any order, a few at a time
    front = ParetoFront(directions, ["max_params"])
    seen: list[FrozenTrial] = []
    while arrival:
        size = rng.randint(1, 40)
        batch, arrival = arrival[:size], arrival[size:]
        seen += batch
        front.update(seen)  # every trial so far, as a storage read gives them
        feasible = [t for t in seen if t.system_attrs[record.CONSTRAINT.member("max_params")] <= 0]
        expected = {
            feasible[i].number for i in brute_force_front([tuple(t.values) for t in feasible], directions)
        }
        assert set(front.view().front_numbers) == expected


def test_a_trial_seen_again_or_unfinished_is_not_counted_twice() -> None:
    running = create_trial(state=TrialState.RUNNING)
    running.number = 5
    front = ParetoFront([MIN, MIN])
    front.update([trial(0, (1.0, 2.0)), running])
    front.update([trial(0, (1.0, 2.0)), running, trial(1, (2.0, 1.0))])
    assert list(front.view().numbers) == [0, 1] and front.view().front_numbers == [0, 1]


def test_a_study_listed_by_number_is_read_from_its_unfinished_and_new_trials_only() -> None:
    running = create_trial(state=TrialState.RUNNING)
    running.number = 1
    front = ParetoFront([MIN, MIN])
    front.update([trial(0, (3.0, 3.0)), running])
    assert front._open == [1] and front._listed == 2  # what the next read looks at
    front.update([trial(0, (3.0, 3.0)), trial(1, (1.0, 1.0)), trial(2, (0.5, 4.0))])  # 1 finished
    assert sorted(front.view().numbers) == [0, 1, 2]  # each taken once
    assert front.view().front_numbers == [2, 1] and front._open == []
    shuffled = ParetoFront([MIN, MIN])
    shuffled.update([trial(1, (1.0, 1.0)), trial(0, (3.0, 3.0))])  # not by number: read whole
    shuffled.update([trial(0, (3.0, 3.0)), trial(1, (1.0, 1.0))])  # by number: nothing new
    assert sorted(shuffled.view().numbers) == [0, 1]


def spec_of(**changes: object) -> RunSpec:
    raw = {**preset_spec("houses").to_dict(), "strategy": "nsga2", "objectives": ["mse", "params"], **changes}
    return RunSpec.from_dict(raw)


def test_the_winner_is_the_picked_trial_else_the_best_that_keeps_the_bounds() -> None:
    spec = spec_of(constraints={"max_params": 100})
    trials = [trial(0, (5.0, 200.0), 100.0), trial(1, (7.0, 50.0), -50.0), trial(2, (6.0, 90.0), -10.0)]
    assert winner_trial(spec, trials, None).number == 2  # trial 0 is better but breaks the bound
    assert winner_trial(spec, trials, 1).number == 1
    assert winner_trial(spec, trials[:1], None).number == 0  # none keeps the bounds: the best of all
    one = RunSpec.from_dict({**preset_spec("houses").to_dict()})
    single = [trial(0, (3.0,)), trial(1, (2.0,)), trial(2, (2.0,))]
    assert winner_trial(one, single, None).number == 1  # the lowest, the first on a tie, as always
    assert winner_trial(one, single, 7).number == 1  # a pick that is no complete trial is ignored


def test_houses_with_nsga2_makes_a_front_of_non_dominated_trials_within_the_bound(storage_url: str) -> None:
    check_houses_front_within_a_bound(storage_url)
