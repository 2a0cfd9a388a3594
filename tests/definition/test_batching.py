"""How many trials a worker trains at once: the spec's override, the step cost, the sampler."""

from __future__ import annotations

import pytest

from tests.runs_helpers import QUICK_SPACE, quick_spec
from tuning.definition.batching import population_size

HOUSES_FEATURES = 4


@pytest.mark.parametrize(
    ("changes", "size"),
    [
        ({"population": 5}, 5),
        ({"strategy": "random"}, 64),  # tiny models: the cap
        ({"strategy": "bayesian", "budget": {"n_trials": 60}}, 7),  # an eighth of the budget
        ({"strategy": "bayesian", "budget": {"n_trials": 6}}, 1),
        (
            {"strategy": "random", "pruner": "median", "budget": {"n_trials": 24}},
            3,
        ),  # a pruner needs finished trials
        (
            {
                "strategy": "random",
                "space": {**QUICK_SPACE, "hidden_size": 256, "n_layers": 2, "batch_size": 64},
            },
            3,
        ),
    ],
)
def test_population_size_follows_the_step_cost_and_the_sampler(changes: dict, size: int) -> None:
    assert population_size(quick_spec(**changes), HOUSES_FEATURES, members=1) == size


def test_folds_repeats_and_threads_scale_the_population() -> None:
    wide = quick_spec(
        strategy="random", space={**QUICK_SPACE, "hidden_size": 128, "n_layers": 2, "batch_size": 64}
    )
    assert population_size(wide, HOUSES_FEATURES, members=1) == 14
    assert population_size(wide, HOUSES_FEATURES, members=3) == 4
    assert population_size(wide, HOUSES_FEATURES, members=3, threads=2) == 9
