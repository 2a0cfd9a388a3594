"""Chart data: trials as frames, reduced where a chart would choke, and kept incrementally."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.trial import TrialState, create_trial

from tests.fake_runs import make_run
from tuning import RunSpec, preset_spec
from tuning.reading.records import TrialTable
from tuning.reading.rows import FinishedRows
from tuning.views.chart_data import (
    best_steps,
    curves_frame,
    history_frame,
    loss_title,
    parallel_frame,
    param_columns,
    race_frame,
    table_frame,
    trial_table,
    trials_frame,
)


@pytest.fixture
def study(storage_url: str) -> optuna.Study:
    return make_run(storage_url, "run", 40, n_running=2, n_failed=3, n_pruned=5, finished=False)


def trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(deepcopy=False)


def test_the_trials_frame_has_one_row_per_started_trial(study: optuna.Study) -> None:
    frame = trials_frame(trials(study))
    assert len(frame) == 50 and list(frame["number"]) == list(range(50))
    assert frame["state"].value_counts().to_dict() == {"complete": 40, "pruned": 5, "failed": 3, "running": 2}
    assert param_columns(frame) == [f"param_{n}" for n in sorted(preset_spec("houses").searched())]
    complete = frame[frame["state"] == "complete"]
    assert frame["best_so_far"].dropna().is_monotonic_decreasing
    assert frame["best_so_far"].iloc[-1] == complete["value"].min()
    assert math.isnan(frame.loc[frame["state"] == "running", "completed_at"].iloc[0])
    assert frame.loc[frame["state"] == "running", "last_loss"].notna().all()  # curves so far


def test_queued_tickets_are_not_trials(storage_url: str) -> None:
    study = make_run(storage_url, "run", 3)
    study.enqueue_trial({"lr": 0.01})
    assert len(trials_frame(trials(study))) == 3


def table(study: optuna.Study) -> TrialTable:
    return TrialTable.of(trials(study))


def test_a_tables_frame_equals_the_full_one_as_trials_finish(storage_url: str) -> None:
    study = make_run(storage_url, "run", 5, n_running=1, finished=False)
    rows = FinishedRows()

    def read() -> TrialTable:
        rows.add(t for t in trials(study) if t.state.is_finished())  # each row made once, kept
        live = tuple(t for t in trials(study) if not t.state.is_finished())
        return TrialTable(rows.frame(), live, rows.curves)

    pd.testing.assert_frame_equal(table_frame(read()), trials_frame(trials(study)))
    running = next(t for t in trials(study) if t.state is TrialState.RUNNING)
    study.tell(running.number, 123.0)
    study.add_trial(optuna.trial.create_trial(value=99.0, params={}, distributions={}))
    pd.testing.assert_frame_equal(table_frame(read()), trials_frame(trials(study)))
    assert table_frame(read())["best_so_far"].iloc[-1] == 99.0


def test_history_shows_complete_losses_and_the_others_last_epochs(study: optuna.Study) -> None:
    """Running trials too, at their latest epoch: a population's trials all finish at once,
    and the chart stayed empty until then."""
    frame = trials_frame(trials(study))
    points = history_frame(frame)
    counts = {"complete": 40, "pruned": 5, "failed": 3, "running": 2}
    assert points["state"].value_counts().to_dict() == counts
    ended = points[points["state"] != "complete"]
    assert (ended["loss"] == ended["last_loss"]).all()


def test_the_best_so_far_line_keeps_only_its_steps(study: optuna.Study) -> None:
    frame = trials_frame(trials(study))
    steps = best_steps(frame)
    assert len(steps) < len(frame)
    assert steps["best_so_far"].is_monotonic_decreasing
    assert steps["number"].iloc[-1] == frame.dropna(subset=["best_so_far"])["number"].iloc[-1]
    assert best_steps(frame.iloc[0:0]).empty


def test_learning_curves_are_the_best_and_the_running(study: optuna.Study) -> None:
    selection = curves_frame(table(study), best_n=4, max_running=10)
    assert (selection.best_shown, selection.complete_total, selection.running_shown) == (4, 40, 2)
    assert selection.frame["number"].nunique() == 6
    best = min((t for t in trials(study) if t.state is TrialState.COMPLETE), key=lambda t: t.value)
    assert selection.frame["label"].iloc[0] == f"#{best.number} (best 1)"
    assert set(selection.frame.loc[selection.frame["state"] == "running", "label"].str[-9:]) == {"(running)"}
    assert selection.caption() == "The 4 best of 40 complete trials and 2 running."


def test_the_curves_caption_counts_the_running_trials_not_drawn(study: optuna.Study) -> None:
    """A population of 60 read 'The 0 best of 0 complete trials and 10 running'."""
    selection = curves_frame(table(study), best_n=4, max_running=1)
    assert (selection.running_shown, selection.running_total) == (1, 2)
    assert selection.caption() == "The 4 best of 40 complete trials and 1 of the 2 running."


def test_a_dead_workers_trials_are_failed_in_frames_and_gone_from_curves(study: optuna.Study) -> None:
    running = [t.number for t in trials(study) if t.state is TrialState.RUNNING]
    dead = {running[0]: "worker w1 (PID 7 on here) died during the trial"}
    frame = table_frame(table(study), dead).set_index("number")
    assert frame.loc[running[0], ["state", "error"]].tolist() == ["failed", dead[running[0]]]
    assert frame.loc[running[1], "state"] == "running"
    selection = curves_frame(table(study), orphans=dead)
    assert selection.running_shown == 1 and running[0] not in set(selection.frame["number"])


def test_parallel_coordinates_keep_the_best_lines(study: optuna.Study) -> None:
    frame = trials_frame(trials(study))
    lines = parallel_frame(frame, limit=10)
    assert len(lines) == 10
    assert lines["value"].max() <= frame.loc[frame["state"] == "complete", "value"].nsmallest(10).max()


def test_races_count_trials_in_finishing_order(storage_url: str) -> None:
    first = make_run(storage_url, "a", 30)
    second = make_run(storage_url, "b", 10, seed=3)
    runs = [("a", "random", trials(first)), ("b", "grid", trials(second)), ("c", "gp", [])]
    race = race_frame([(name, strategy, trials_frame(done)) for name, strategy, done in runs])
    assert set(race["run"]) == {"a", "b"}
    for _, part in race.groupby("run"):
        assert part["best_so_far"].is_monotonic_decreasing
        assert part["finished"].is_monotonic_increasing and part["elapsed_s"].min() >= 0
    assert race[race["run"] == "a"]["finished"].max() == 30


def test_the_table_reads_like_a_table(study: optuna.Study) -> None:
    table = trial_table(trials_frame(trials(study)))
    assert list(table.columns[:4]) == ["number", "state", "loss", "origin"]
    assert set(table["origin"]) == {"sampled"}
    assert "lr" in table.columns and "param_lr" not in table.columns
    assert np.issubdtype(table["started (UTC)"].dtype, np.datetime64)
    assert set(table.loc[table["state"] == "failed", "error"]) == {"loss became nan"}
    assert set(table.loc[table["state"] == "complete", "error"]) == {""}


def titled(dataset: dict[str, object], **fields: object) -> str:
    return loss_title(RunSpec.from_dict({"dataset": dataset, "strategy": "random", "budget": 1, **fields}))


def test_a_houses_loss_is_in_squared_thousands_of_dollars() -> None:
    assert titled({"name": "synthetic-houses"}) == "validation MSE ($1000s²)"
    assert titled({"name": "synthetic-houses"}, metric="mae") == "validation MAE ($1000s)"


def test_a_csv_loss_is_in_its_target_column_units() -> None:
    assert titled({"name": "csv", "target": "price"}) == "validation MSE (price units²)"


def test_a_class_target_names_its_metric() -> None:
    penguins = {"name": "penguins"}
    assert titled(penguins, task="classification") == "validation log loss (nats)"
    assert titled(penguins, task="classification", metric="accuracy") == "validation accuracy (share correct)"


def test_best_so_far_follows_the_metric_direction() -> None:
    rows = [
        create_trial(value=v, params={}, distributions={}, state=TrialState.COMPLETE) for v in (0.5, 0.8, 0.6)
    ]
    for number, trial in enumerate(rows):
        trial.number = number
    assert trials_frame(rows, maximize=True)["best_so_far"].tolist() == [0.5, 0.8, 0.8]
    assert trials_frame(rows)["best_so_far"].tolist() == [0.5, 0.5, 0.5]


def test_the_table_puts_every_recorded_metric_beside_the_score() -> None:
    trial = create_trial(
        value=0.3, params={}, distributions={}, state=TrialState.COMPLETE,
        user_attrs={"metrics": {"log_loss": 0.3, "accuracy": 0.9}},
    )  # fmt: skip
    table = trial_table(trials_frame([trial]), "validation log loss", selection="log_loss")
    assert list(table.columns[:4]) == ["number", "state", "validation log loss", "validation accuracy"]
    assert table["validation accuracy"].tolist() == [0.9]
    assert list(table.columns).count("validation log loss") == 1  # the score is not repeated


def test_the_table_has_a_column_per_objective_beyond_the_score(storage_url: str) -> None:
    """A trade-off run's table (and so its CSV) had only the score: its front could not be
    rebuilt from it. Each other objective gets a column titled with its label and units."""
    spec = preset_spec("houses-tradeoff")
    study = make_run(storage_url, "tradeoff", 6, spec=spec, n_failed=1)
    table = trial_table(trials_frame(trials(study)), "validation MSE", spec=spec)
    assert list(table.columns[:4]) == ["number", "state", "validation MSE", "parameters (count)"]
    complete = {t.number: t.values[1] for t in trials(study) if t.state is TrialState.COMPLETE}
    rows = table.set_index("number")["parameters (count)"]
    assert rows[list(complete)].tolist() == list(complete.values())
    assert rows.drop(list(complete)).isna().all()  # the failed trial measured nothing


def test_every_kind_of_extra_objective_is_named_from_the_registries() -> None:
    houses = preset_spec("houses-tradeoff").to_dict()
    spec = RunSpec.from_dict({**houses, "objectives": ["mse", "latency_ms", "mae"]})
    trial = create_trial(
        values=[900.0, 0.25, 21.0], params={}, distributions={}, state=TrialState.COMPLETE,
        user_attrs={"metrics": {"mse": 900.0, "mae": 21.0, "r2": 0.5}, "measures": {"latency_ms": 0.25}},
    )  # fmt: skip
    table = trial_table(trials_frame([trial]), "validation MSE", spec=spec)
    first = ["number", "state", "validation MSE", "latency (ms per 1,000 rows)", "validation MAE"]
    assert list(table.columns[:6]) == [*first, "validation R²"]
    assert table.loc[0, first[3:]].tolist() == [0.25, 21.0]
    assert list(table.columns).count("validation MAE") == 1  # a metric's column is not repeated


def test_a_run_of_one_objective_keeps_its_table(study: optuna.Study) -> None:
    frame = trials_frame(trials(study))
    before = trial_table(frame, "validation MSE", selection="mse")
    pd.testing.assert_frame_equal(trial_table(frame, "validation MSE", spec=preset_spec("houses")), before)
