"""Forecasts before Start, and the time left while a run goes."""

from __future__ import annotations

import random

import pytest

from tuning import RunSpec, preset_spec
from tuning.data.datasets import DATASETS, load_dataset
from tuning.definition.space import Choice, Range
from tuning.models.mlp_cost import STEP_S
from tuning.views.estimate import (
    dataset_shape,
    forecast,
    machine_bytes,
    population_seconds,
    sample_configs,
    start_warnings,
    trial_seconds,
)


@pytest.mark.parametrize(
    "name", [name for name, info in DATASETS.items() if not info.uploaded and not info.from_code]
)
def test_dataset_shapes_match_the_loaders(name: str) -> None:
    spec = RunSpec.from_dict({"dataset": {"name": name, "rows": 30}, "strategy": "random", "budget": 1})
    data = load_dataset(spec.dataset)
    assert dataset_shape(spec) == (data.rows, data.width)


def test_the_article_grid_is_priced_per_combination() -> None:
    plan = forecast(preset_spec("article-grid"))
    assert plan.trials == 24 and not plan.limited_by_time
    assert 5 < plan.seconds < 60  # measured: about 16 s with one worker on 2 cores


def test_more_workers_finish_sooner_and_a_time_limit_caps() -> None:
    raw = preset_spec("houses").to_dict()
    one = forecast(RunSpec.from_dict({**raw, "workers": 1}))
    two = forecast(RunSpec.from_dict({**raw, "workers": 2}))
    assert two.seconds < one.seconds
    capped = forecast(RunSpec.from_dict({**raw, "budget": {"n_trials": 60, "timeout_s": 1}}))
    assert capped.limited_by_time and capped.seconds < one.seconds


def test_a_csv_forecast_needs_the_file_shape() -> None:
    raw = {**preset_spec("houses").to_dict(), "dataset": {"name": "csv", "target": "y"}}
    with pytest.raises(ValueError, match="from its file"):
        forecast(RunSpec.from_dict(raw))
    assert forecast(RunSpec.from_dict(raw), csv_shape=(500, 5)).trials == 60


def test_draws_follow_the_space() -> None:
    space = {
        "lr": Range(float, 1e-4, 1e-2, log=True),
        "n_layers": Range(int, 1, 3),
        "batch_size": Choice((16, 32)),
    }
    draws = sample_configs(space, 200, random.Random(0))
    assert all(
        1e-4 <= d["lr"] <= 1e-2 and d["n_layers"] in (1, 2, 3) and d["batch_size"] in (16, 32) for d in draws
    )
    below = sum(d["lr"] < 1e-3 for d in draws) / len(draws)
    assert 0.35 < below < 0.65  # log-uniform: half the draws below the geometric middle


def test_a_population_prices_each_steps_overhead_once() -> None:
    grid = preset_spec("article-grid")
    one_at_a_time = forecast(RunSpec.from_dict({**grid.to_dict(), "population": 1}))
    assert forecast(grid).seconds < one_at_a_time.seconds
    configs = [{"hidden_size": 8, "epochs": 10, "batch_size": 4}] * 8
    together = population_seconds(grid, configs, 100, 20, 4, 1)
    alone = trial_seconds(grid, configs[0], 100, 20, 4, 1)
    assert alone < together < 8 * alone - 7 * 10 * 25 * STEP_S  # 7 fewer overheads of 25 steps × 10 epochs


def test_bigger_models_and_more_epochs_take_longer() -> None:
    mlp = preset_spec("houses")
    small = trial_seconds(mlp, {"hidden_size": 8, "epochs": 10}, 100, 20, 4, 1)
    assert trial_seconds(mlp, {"hidden_size": 512, "n_layers": 4, "epochs": 10}, 100, 20, 4, 1) > small
    assert trial_seconds(mlp, {"hidden_size": 8, "epochs": 20}, 100, 20, 4, 1) > small


def measured_spec(hidden_size: int, batch_size: int) -> RunSpec:
    """The calibration runs of docs/deploy.md: a 5,000 × 50 CSV, 5 folds of 4 layers, Adam."""
    space = {"hidden_size": hidden_size, "n_layers": 4, "batch_size": batch_size, "epochs": 2}
    raw = {"dataset": {"name": "csv", "target": "t"}, "strategy": "random", "budget": 1, "cv_folds": 5}
    return RunSpec.from_dict({**raw, "space": space})


@pytest.mark.parametrize(
    ("hidden_size", "batch_size", "measured_mib"),
    [(256, 64, 380), (256, 4096, 526), (256, 65536, 526), (1024, 65536, 967)],
)
def test_the_memory_forecast_is_near_the_measured_peak_of_a_worker(
    hidden_size: int, batch_size: int, measured_mib: int
) -> None:
    """One worker's peak RSS, measured in process for each configuration (docs/deploy.md); the
    forecast guards against running out of memory, so it may be high but never far low."""
    plan = forecast(measured_spec(hidden_size, batch_size), csv_shape=(5000, 50))
    assert 0.9 * measured_mib < plan.worker_bytes / 2**20 < 1.2 * measured_mib
    assert plan.memory_bytes == plan.worker_bytes  # one worker


def test_memory_is_priced_at_the_largest_model_of_the_space_and_per_worker() -> None:
    raw = preset_spec("houses").to_dict()
    wide = {**raw["space"], "hidden_size": {"type": "int", "low": 8, "high": 1024}}
    narrow_plan, wide_plan = (
        forecast(RunSpec.from_dict(raw)),
        forecast(RunSpec.from_dict({**raw, "space": wide})),
    )
    assert wide_plan.worker_bytes > narrow_plan.worker_bytes
    assert narrow_plan.memory_bytes == 2 * narrow_plan.worker_bytes  # the preset's 2 workers


def test_the_issues_huge_local_run_needs_an_override_for_memory_and_time() -> None:
    """400 models of width 1,024 on a million rows: tens of GiB and centuries, flagged both ways."""
    raw = {
        "dataset": {"name": "synthetic-houses", "rows": 1_000_000},
        "strategy": "random",
        "budget": 10_000,
        "cv_folds": 20,
        "repeats": 20,
        "space": {"hidden_size": 1024, "n_layers": 4, "batch_size": 65536, "epochs": 10_000},
    }
    spec = RunSpec.from_dict(raw)
    plan = forecast(spec)
    assert plan.memory_bytes > 16 * 2**30 and plan.seconds > 1000 * 365 * 86_400
    memory, duration = start_warnings(spec, plan, machine=16 * 2**30)
    assert "more than this machine's 16.0 GiB" in memory and "use fewer workers" in memory
    assert "years, more than a week" in duration


def test_an_ordinary_run_starts_without_warnings() -> None:
    spec = preset_spec("houses")
    assert start_warnings(spec, forecast(spec), machine=4 * 2**30) == []
    assert start_warnings(spec, forecast(spec), machine=None) == []
    assert machine_bytes() is None or machine_bytes() > 2**28
