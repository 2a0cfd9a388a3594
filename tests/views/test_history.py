"""The loss cloud of a big run: wild losses clipped and said, big clouds sliced and said."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.trial import TrialState

from tests.fake_runs import make_run
from tuning.views.chart_data import best_steps, history_frame, trials_frame
from tuning.views.history import HiddenState, decimate, history_points, loss_fence


def diverged_run(storage_url: str) -> pd.DataFrame:
    """A 40-trial run plus one trial whose loss diverged to 10⁹."""
    study = make_run(storage_url, "run", 40, n_pruned=4, n_failed=2)
    model = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))[0]
    study.add_trial(
        optuna.trial.create_trial(value=1e9, params=model.params, distributions=model.distributions)
    )
    return trials_frame(study.get_trials(deepcopy=False))


def test_one_diverged_trial_is_clipped_and_said(storage_url: str) -> None:
    frame = diverged_run(storage_url)
    history = history_points(history_frame(frame), best_steps(frame))
    assert history.clipped == 1
    assert history.limit is not None and history.points["loss"].max() <= history.limit < 1e6
    # the rest stay readable: the axis spans the bulk, not a billion
    assert history.points["loss"].max() < 20 * history.points["loss"].median()
    assert "1 point above" in history.note and "clipped" in history.note
    assert len(history.points) == history.total - 1


def test_show_all_keeps_the_wild_point(storage_url: str) -> None:
    frame = diverged_run(storage_url)
    history = history_points(history_frame(frame), best_steps(frame), clip=False)
    assert history.clipped == 0 and history.limit is None and history.note == ""
    assert history.points["loss"].max() == 1e9


def test_a_healthy_run_is_not_clipped(storage_url: str) -> None:
    frame = trials_frame(make_run(storage_url, "run", 300, n_pruned=30).get_trials(deepcopy=False))
    history = history_points(history_frame(frame), best_steps(frame))
    assert history.clipped == 0 and history.note == ""


def test_a_best_line_that_starts_wild_loses_only_its_wild_steps() -> None:
    shown = pd.DataFrame(
        {"number": range(10), "state": "complete", "loss": [1e9, *range(200, 209)], "duration_s": 1.0}
    )
    steps = pd.DataFrame({"number": [0, 1, 9], "best_so_far": [1e9, 200.0, 200.0]})
    history = history_points(shown, steps)
    assert history.steps["best_so_far"].tolist() == [200.0, 200.0]


def test_hidden_states_leave_the_chart(storage_url: str) -> None:
    frame = trials_frame(make_run(storage_url, "run", 20, n_pruned=5, n_failed=3).get_trials(deepcopy=False))
    shown = history_frame(frame)
    assert set(shown["state"]) == {"complete", "pruned", "failed"}
    history = history_points(shown, best_steps(frame), hide=frozenset(HiddenState))
    assert set(history.points["state"]) == {"complete"}
    only_failed_hidden = history_points(shown, best_steps(frame), hide=frozenset({HiddenState.FAILED}))
    assert set(only_failed_hidden.points["state"]) == {"complete", "pruned"}


def test_big_clouds_keep_each_slices_lowest_and_highest() -> None:
    rng = np.random.default_rng(0)
    points = pd.DataFrame(
        {"number": np.arange(10_000), "state": "complete", "loss": rng.uniform(100, 200, 10_000)}
    )
    points.loc[1234, "loss"] = 1.0  # the best trial must survive
    kept, per_slice = decimate(points, max_points=1_000)
    assert len(kept) <= 1_000 and per_slice == 20
    assert 1234 in set(kept["number"]) and kept["number"].is_monotonic_increasing
    for start in (0, 5_000, 9_980):
        part = points[(points["number"] >= start) & (points["number"] < start + per_slice)]
        inside = kept[(kept["number"] >= start) & (kept["number"] < start + per_slice)]
        assert set(inside["loss"]) == {part["loss"].min(), part["loss"].max()}


def test_small_clouds_are_drawn_whole_and_nothing_is_said(storage_url: str) -> None:
    frame = trials_frame(make_run(storage_url, "run", 30).get_trials(deepcopy=False))
    history = history_points(history_frame(frame), best_steps(frame))
    assert history.per_slice == 1 and len(history.points) == 30 and history.note == ""


def test_a_sliced_cloud_says_so() -> None:
    points = pd.DataFrame({"number": range(5_000), "state": "complete", "loss": np.linspace(300, 200, 5_000)})
    history = history_points(points, pd.DataFrame(columns=["number", "best_so_far"]), max_points=500)
    assert history.note.startswith(f"{len(history.points):,} of 5,000 points drawn")
    assert f"every {history.per_slice} trials" in history.note


@pytest.mark.parametrize(
    ("losses", "fence"),
    [([1.0, 2.0], None), ([np.nan] * 10, None), ([5.0] * 20, pytest.approx(15.0, rel=0.01))],
)
def test_the_fence_needs_points_and_survives_flat_runs(losses: list[float], fence: object) -> None:
    assert loss_fence(np.array(losses)) == fence


def test_the_fence_works_on_negative_losses_too() -> None:
    losses = np.array([-5.0, -4.0, -4.5, -4.2, -3.9, -4.1, 1e9])
    fence = loss_fence(losses)
    assert fence is not None and -3.9 < fence < 1e9


def test_a_small_healthy_runs_first_trials_stay_in_view() -> None:
    """Six falling losses: the first is above the bulk, but within 3 x its 90th percentile."""
    losses = np.array([3300.0, 2600.0, 2300.0, 2100.0, 2000.0, 1950.0])
    fence = loss_fence(losses)
    assert fence is not None and fence > 3300.0
