"""Forecasts before Start, and the time left while a run goes."""

from __future__ import annotations

import dataclasses
import os
import random
import time

import pytest

from tests.fake_runs import make_run
from tuning import RunSpec, RunState, load_run, preset_spec, summarize
from tuning.data.datasets import DATASETS, load_dataset
from tuning.definition.batching import STEP_S
from tuning.definition.space import Choice, Range
from tuning.views.chart_data import trials_frame
from tuning.views.estimate import (
    dataset_shape,
    forecast,
    population_seconds,
    sample_configs,
    seconds_left,
    trial_seconds,
)


@pytest.mark.parametrize("name", [name for name, info in DATASETS.items() if not info.uploaded])
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
    together = population_seconds(configs, 100, 20, 4, 1)
    alone = trial_seconds(configs[0], 100, 20, 4, 1)
    assert alone < together < 8 * alone - 7 * 10 * 25 * STEP_S  # 7 fewer overheads of 25 steps × 10 epochs


def test_bigger_models_and_more_epochs_take_longer() -> None:
    small = trial_seconds({"hidden_size": 8, "epochs": 10}, 100, 20, 4, 1)
    assert trial_seconds({"hidden_size": 512, "n_layers": 4, "epochs": 10}, 100, 20, 4, 1) > small
    assert trial_seconds({"hidden_size": 8, "epochs": 20}, 100, 20, 4, 1) > small


def test_time_left_shares_the_queue_among_live_workers(storage_url: str) -> None:
    make_run(storage_url, "run", 4, n_running=1, finished=False, trial_s=10.0, worker_pid=os.getpid())
    run = load_run("run", storage_url)
    trials = run.study.get_trials(deepcopy=False)
    summary = dataclasses.replace(summarize(run, trials), n_waiting=6, workers_alive=2)
    frame = trials_frame(trials)
    started = float(frame.loc[frame["state"] == "running", "started_at"].iloc[0])
    left = seconds_left(summary, frame, deadline=None, now=started + 4)
    assert left == pytest.approx((6 * 10 + 6) / 2)
    assert seconds_left(summary, frame, deadline=started + 10, now=started + 4) == pytest.approx(6)
    assert seconds_left(dataclasses.replace(summary, state=RunState.FINISHED), frame, None) is None
    empty = frame.iloc[0:0]
    assert seconds_left(summary, empty, None, now=time.time()) is None
