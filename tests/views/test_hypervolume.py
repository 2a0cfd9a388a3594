"""Hypervolume: exact on known shapes, equal to Optuna's own, and raced over trials."""

from __future__ import annotations

import numpy as np
import pytest
from optuna._hypervolume import compute_hypervolume  # a private oracle, for the test only
from optuna.trial import TrialState

from tests.fake_runs import make_run
from tuning import RunSpec, load_run, preset_spec
from tuning.views.hypervolume import REFERENCE, hypervolume
from tuning.views.snapshot import read_race


def test_known_shapes() -> None:
    reference = np.array([1.0, 1.0])
    assert hypervolume(np.array([[0.5, 0.5]]), reference) == 0.25
    assert hypervolume(np.array([[0.0, 0.5], [0.5, 0.0]]), reference) == 0.75
    assert hypervolume(np.array([[0.0, 0.5], [0.5, 0.0], [0.6, 0.6], [2.0, 0.0]]), reference) == 0.75
    assert hypervolume(np.empty((0, 2)), reference) == 0.0


@pytest.mark.parametrize("objectives", [2, 3])
def test_it_equals_optunas_on_random_fronts(objectives: int) -> None:
    rng = np.random.default_rng(objectives)
    reference = np.full(objectives, REFERENCE)
    for _ in range(20):
        points = rng.random((25, objectives))
        assert hypervolume(points, reference) == pytest.approx(compute_hypervolume(points, reference))


def spec_of(strategy: str) -> RunSpec:
    raw = {**preset_spec("houses").to_dict(), "strategy": strategy, "objectives": ["mse", "params"]}
    return RunSpec.from_dict(raw)


def test_runs_of_the_same_objectives_race_by_hypervolume(storage_url: str) -> None:
    make_run(storage_url, "nsga", 40, spec=spec_of("nsga2"), seed=1, n_failed=2)
    make_run(storage_url, "rand", 40, spec=spec_of("random"), seed=2)
    race = read_race(["nsga", "rand"], storage_url)
    assert race.hypervolume
    for _, part in race.frame.groupby("run"):
        volumes = part["best_so_far"].to_numpy()
        assert (np.diff(volumes) >= 0).all() and 0 < volumes[
            -1
        ] <= 1  # a front only grows; a share (was up to 1.1²)
        assert part["finished"].iloc[-1] == (42 if part["run"].iloc[0] == "nsga" else 40)  # failed ones count
    make_run(storage_url, "plain", 10)
    mixed = read_race(["nsga", "plain"], storage_url)
    assert not mixed.hypervolume and set(mixed.frame["run"]) == {"nsga", "plain"}  # by the selection metric
    assert load_run("nsga", storage_url).spec.goals == spec_of("random").goals


def test_a_race_of_bounded_runs_counts_the_trials_within_the_bounds(storage_url: str) -> None:
    """Read from the runs' rows: each run's last hypervolume is that of its feasible trials,
    scaled by the box of every feasible trial of both runs."""
    spec = RunSpec.from_dict({**spec_of("nsga2").to_dict(), "constraints": {"max_params": 300}})
    for name, seed in (("a", 3), ("b", 4)):
        make_run(storage_url, name, 30, spec=spec, seed=seed, n_failed=1)
    race = read_race(["a", "b"], storage_url)
    feasible = {
        name: np.array([t.values for t in load_run(name, storage_url).study.get_trials(states=(TrialState.COMPLETE,))
                        if all(v <= 0 for v in t.constraints.values())])
        for name in ("a", "b")
    }  # fmt: skip
    assert all(0 < len(points) < 30 for points in feasible.values())  # some break the bound
    every = np.vstack(list(feasible.values()))
    low, span = every.min(axis=0), every.max(axis=0) - every.min(axis=0)
    for name, points in feasible.items():
        expected = hypervolume((points - low) / span, np.full(2, REFERENCE)) / REFERENCE**2
        assert race.frame[race.frame["run"] == name]["best_so_far"].iloc[-1] == pytest.approx(expected)
