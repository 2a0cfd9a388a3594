"""Analysis views: a reason in words when a run cannot fill one, a bounded sample when big."""

from __future__ import annotations

import pytest

from tests.fake_runs import make_run
from tuning import UnknownName, preset_spec
from tuning.views.analysis import VIEWS, sample_study, varying_params, view_figure, view_problem


def test_too_few_trials_are_explained(storage_url: str) -> None:
    trials = make_run(storage_url, "run", 2, spec=preset_spec("article-optuna")).get_trials()
    assert view_problem("importance", trials) == (
        "Parameter importances needs at least 5 complete trial(s); this run has 2 so far."
    )
    assert view_problem("slice", trials) is None
    assert view_problem("edf", []) is not None


def test_a_contour_needs_two_varying_parameters(storage_url: str) -> None:
    spec = preset_spec("article-optuna")
    raw = spec.to_dict()
    raw["space"] = {**raw["space"], "hidden_size": 16, "dropout": 0.2, "batch_size": 2}
    one_param = make_run(storage_url, "one", 5, spec=type(spec).from_dict(raw)).get_trials()
    assert varying_params(one_param) == ["lr"]
    assert "2 hyperparameter(s) that took two or more different values; this run has 1" in str(
        view_problem("contour", one_param)
    )


def test_big_runs_are_sampled_reproducibly(storage_url: str) -> None:
    trials = make_run(storage_url, "run", 50, n_failed=5).get_trials()
    study, used = sample_study(trials, limit=20, seed=1)
    again, _ = sample_study(trials, limit=20, seed=1)
    assert used == 20 == len(study.trials)
    assert [t.value for t in study.trials] == [t.value for t in again.trials]
    assert sample_study(trials, limit=100)[1] == 50  # complete ones only


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_every_view_draws_with_units(storage_url: str, view: str) -> None:
    trials = make_run(storage_url, "run", 12, spec=preset_spec("article-optuna")).get_trials()
    study, _ = sample_study(trials, VIEWS[view].max_trials)
    params = ["hidden_size", "lr"] if view == "contour" else None
    fig = view_figure(view, study, params, "validation MSE ($1000s²)")
    assert fig.data
    assert "validation MSE ($1000s²)" in str(fig.to_dict())


def test_an_unregistered_view_is_an_error_not_the_edf(storage_url: str) -> None:
    study, _ = sample_study(make_run(storage_url, "run", 3).get_trials(), 10)
    with pytest.raises(UnknownName, match=r"unknown analysis view 'nope'; known ones are \['importance'"):
        view_figure("nope", study, None, "loss")
