"""Every strategy runs through its Optuna sampler; seeded ones repeat themselves exactly."""

from __future__ import annotations

import optuna
import pytest
from optuna.trial import TrialState

from tests.runs_helpers import finished_params, quick_spec, run_in_process
from tuning.definition.spec import Strategy
from tuning.definition.strategies import STRATEGIES, make_sampler
from tuning.reading.records import learning_curve


@pytest.mark.parametrize("strategy", ["random", "bayesian"])
def test_seeded_runs_repeat_the_same_params_in_the_same_order(strategy: str, tmp_path) -> None:
    spec = quick_spec(strategy=strategy, budget={"n_trials": 12}, seed=7)
    first = finished_params(run_in_process(spec, f"journal://{tmp_path / 'a.journal'}"))
    again = finished_params(run_in_process(spec, f"journal://{tmp_path / 'b.journal'}"))
    other = finished_params(
        run_in_process(
            quick_spec(strategy=strategy, budget={"n_trials": 12}, seed=8),
            f"journal://{tmp_path / 'c.journal'}",
        )
    )
    assert len(first) == 12
    assert first == again
    assert first != other


@pytest.mark.parametrize("strategy", [s.value for s in Strategy])
def test_every_strategy_completes_its_budget(strategy: str, storage_url: str) -> None:
    space = {
        "hidden_size": {"type": "int", "low": 4, "high": 16, "step": 4},
        "lr": {"type": "float", "low": 0.001, "high": 0.01, "step": 0.003},
        "epochs": 2,
    }
    run = run_in_process(quick_spec(strategy=strategy, space=space, budget={"n_trials": 4}), storage_url)
    expected = 16 if STRATEGIES[Strategy(strategy)].exhaustive else 4
    assert len(finished_params(run)) == expected


def test_a_one_combination_grid_runs_its_single_trial(storage_url: str) -> None:
    space = {"hidden_size": 8, "lr": 0.01, "epochs": 2}
    run = run_in_process(quick_spec(strategy="grid", space=space), storage_url)
    assert finished_params(run) == [{}]


@pytest.mark.parametrize("pruner", ["median", "hyperband"])
def test_a_pruner_stops_poor_trials_early_and_records_why(pruner: str, storage_url: str) -> None:
    space = {"lr": {"type": "float", "low": 1e-5, "high": 3e-2, "log": True}, "epochs": 12}
    run = run_in_process(quick_spec(pruner=pruner, space=space, budget={"n_trials": 24}), storage_url)
    pruned = [t for t in run.study.get_trials() if t.state is TrialState.PRUNED]
    assert pruned, "no trial was pruned"
    assert all(len(learning_curve(t)) < 12 for t in pruned)
    assert all("pruned at epoch" in t.user_attrs["error"] for t in pruned)


def test_repeats_store_the_spread_of_the_seeds(storage_url: str) -> None:
    run = run_in_process(quick_spec(repeats=3, budget={"n_trials": 2}), storage_url)
    spreads = [t.user_attrs["loss_spread"] for t in run.study.get_trials()]
    assert len(spreads) == 2 and all(s > 0 for s in spreads)


def test_every_strategy_has_exactly_one_entry() -> None:
    assert list(STRATEGIES) == list(Strategy)


@pytest.mark.parametrize(
    ("strategy", "sampler"),
    [
        ("grid", optuna.samplers.GridSampler),
        ("random", optuna.samplers.RandomSampler),
        ("bayesian", optuna.samplers.TPESampler),
        ("gp", optuna.samplers.GPSampler),
        ("cmaes", optuna.samplers.CmaEsSampler),
        ("nsga2", optuna.samplers.NSGAIISampler),
    ],
)
def test_each_strategy_builds_its_own_sampler(strategy: str, sampler: type) -> None:
    space = {"lr": {"type": "float", "low": 0.001, "high": 0.01, "step": 0.003}, "epochs": 2}
    assert isinstance(make_sampler(quick_spec(strategy=strategy, space=space), seed=1), sampler)


@pytest.mark.parametrize(("n_trials", "generation"), [(60, 12), (10, 4), (10_000, 50)])
def test_nsga2_breeds_generations_of_a_fifth_of_the_budget(n_trials: int, generation: int) -> None:
    sampler = make_sampler(quick_spec(strategy="nsga2", budget={"n_trials": n_trials}), seed=1)
    assert sampler._population_size == generation  # type: ignore[attr-defined]


@pytest.mark.parametrize("strategy", [s.value for s in Strategy if STRATEGIES[s].several_objectives])
def test_every_strategy_that_can_searches_several_objectives(strategy: str, storage_url: str) -> None:
    space = {"hidden_size": {"type": "choice", "values": [4, 8, 16]}, "lr": 0.01, "epochs": 2}
    spec = quick_spec(strategy=strategy, space=space, objectives=["mse", "params", "train_s"])
    run = run_in_process(spec, storage_url)
    complete = run.study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == (3 if strategy == "grid" else 6)
    for trial in complete:
        mse, params, train_s = trial.values
        assert mse == learning_curve(trial)[-1]
        assert params == (4 + 2) * trial.params["hidden_size"] + 1  # 4 features, a bias, 1 output
        assert trial.user_attrs["measures"] == {"params": params, "train_s": train_s} and train_s > 0
