"""How many trials a worker trains at once: the spec's override, the step cost, the sampler."""

from __future__ import annotations

import pytest

from tests.runs_helpers import QUICK_SPACE, quick_spec
from tuning.definition.batching import plan_populations, population_size
from tuning.definition.presets import preset_spec
from tuning.models.mlp import MLP
from tuning.models.mlp_cost import Shape, population_seconds

HOUSES_FEATURES = 4


@pytest.mark.parametrize(
    ("changes", "size"),
    [
        ({"population": 5}, 5),
        ({"strategy": "random", "budget": {"n_trials": 100}}, 64),  # tiny models: the cap
        ({"strategy": "random", "budget": {"n_trials": 40}, "workers": 2}, 20),  # a worker's share
        ({"strategy": "grid", "space": {**QUICK_SPACE, "lr": 0.01}, "workers": 3}, 20),  # 29 × 2 / 3 workers
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
        strategy="random",
        budget={"n_trials": 100},
        space={**QUICK_SPACE, "hidden_size": 128, "n_layers": 2, "batch_size": 64},
    )
    assert population_size(wide, HOUSES_FEATURES, members=1) == 14
    assert population_size(wide, HOUSES_FEATURES, members=3) == 4
    assert population_size(wide, HOUSES_FEATURES, members=3, threads=2) == 9


def test_the_article_grid_is_one_population() -> None:
    grid = preset_spec("article-grid")
    configs = [{**grid.fixed_values(), **combo} for combo in grid.grid()]
    assert plan_populations(grid, configs, rows=2, features=2, members=3) == [
        sorted(range(24), key=lambda i: (configs[i]["hidden_size"], configs[i]["batch_size"]))
    ]


def test_a_small_model_is_not_padded_to_a_wide_deep_ones_size() -> None:
    small = {"n_layers": 1, "hidden_size": 8, "batch_size": 16, "epochs": 10}
    wide = {"n_layers": 3, "hidden_size": 512, "batch_size": 128, "epochs": 10}
    plans = plan_populations(quick_spec(), [wide, small, small, wide], rows=1600, features=4, members=1)
    assert plans == [[1, 2], [0, 3]]
    small_shape, wide_shape = (Shape.of(config, MLP.cost.defaults) for config in (small, wide))  # type: ignore[attr-defined]
    alone = population_seconds([small_shape], 1600, 4, 1)
    assert population_seconds([small_shape, wide_shape], 1600, 4, 1) > alone + population_seconds(
        [wide_shape], 1600, 4, 1
    )
