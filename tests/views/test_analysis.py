"""Analysis views: a reason in words when a run cannot fill one, a bounded sample when big."""

from __future__ import annotations

import math

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, IntDistribution
from optuna.trial import TrialState

from tests.fake_runs import make_run
from tuning import RunSpec, UnknownName, load_run, preset_spec
from tuning.definition.metrics import Direction
from tuning.views.analysis import VIEWS, draw_view, sample_study, varying_params, view_figure, view_problem


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


def test_sampled_trials_carry_only_what_the_views_read(storage_url: str) -> None:
    """Optuna's plots deep-copy the study's trials, learning curves and all, again and again."""
    trials = make_run(storage_url, "run", 20).get_trials()
    study, _ = sample_study(trials, limit=10)
    assert all(not t.user_attrs and not t.system_attrs for t in study.trials)
    kept = {t.value for t in study.trials}
    assert kept <= {t.value for t in trials} and len(kept) == 10


def test_sampled_trials_are_validated_and_shared_not_deep_copied(storage_url: str) -> None:
    """The sample's trials are the study's own (deep copies were half the importance view's
    time); each is still a valid complete trial, numbered by the study."""
    trials = make_run(storage_url, "run", 20).get_trials()
    study, _ = sample_study(trials, limit=10)
    stored = study.get_trials(deepcopy=False)
    assert [t.number for t in stored] == list(range(10))
    by_value = {t.value: t for t in trials}
    assert all(t.state is TrialState.COMPLETE and t.datetime_complete is not None for t in stored)
    assert all(t.params == by_value[t.value].params for t in stored)
    copied = study.trials  # a deep copy, as Optuna's plots ask for
    assert all(c.params is s.params and c.number == s.number for c, s in zip(copied, stored, strict=True))


def test_importances_are_bars_with_the_largest_on_top(storage_url: str) -> None:
    trials = make_run(storage_url, "run", 40, spec=preset_spec("article-optuna")).get_trials()
    study, _ = sample_study(trials, VIEWS["importance"].max_trials)
    (bars,) = view_figure("importance", study, None, "loss").data
    assert bars.type == "bar" and bars.orientation == "h"
    assert list(bars.x) == sorted(bars.x) and set(bars.y) == set(varying_params(trials))


def test_varying_parameters_ignore_unfinished_trials(storage_url: str) -> None:
    trials = make_run(storage_url, "run", 1, n_pruned=5, n_running=2, finished=False).get_trials()
    assert varying_params(trials) == []


@pytest.mark.parametrize("direction", list(Direction))
def test_parallel_coordinates_are_a_brushable_parcoords(storage_url: str, direction: Direction) -> None:
    trials = make_run(storage_url, "run", 12, spec=preset_spec("article-optuna")).get_trials()
    study, used = sample_study(trials, VIEWS["parallel"].max_trials, directions=[direction])
    (parcoords,) = view_figure("parallel", study, None, "validation MSE ($1000s²)").data
    assert parcoords.type == "parcoords"  # WebGL, and the only trace that can be brushed
    dims = {d.label: d for d in parcoords.dimensions}
    assert list(dims) == ["batch_size", "dropout", "hidden_size", "lr (log)", "validation MSE ($1000s²)"]
    assert list(dims["lr (log)"].ticktext) == ["1e-4", "1e-3", "1e-2"]
    assert list(dims["lr (log)"].values) == pytest.approx([math.log10(t.params["lr"]) for t in study.trials])
    assert len(dims["validation MSE ($1000s²)"].values) == used == 12
    assert parcoords.line.reversescale is (direction is Direction.MINIMIZE)  # the best trials are yellow
    assert "drag along an axis" in VIEWS["parallel"].explains


def test_parallel_coordinates_tick_each_option_as_text() -> None:
    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    options = ("relu", "<b>tanh</b>")
    for number, option in enumerate(options * 2):
        study.add_trial(
            optuna.trial.create_trial(
                value=float(number),
                params={"activation": option},
                distributions={"activation": CategoricalDistribution(options)},
            )
        )
    activation, _ = view_figure("parallel", study, None, "loss").data[0].dimensions
    assert list(activation.ticktext) == ["relu", "&lt;b&gt;tanh&lt;/b&gt;"]
    assert list(activation.values) == [0, 1, 0, 1]


def test_parallel_coordinates_tick_a_few_whole_numbers_one_by_one() -> None:
    """A layer count of 1 to 3 had ticks at 1.2, 1.4, …; a wide range keeps Plotly's ticks."""
    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    layers, width = IntDistribution(1, 3), IntDistribution(16, 256)
    for number in range(4):
        study.add_trial(
            optuna.trial.create_trial(
                value=float(number),
                params={"n_layers": 1 + number % 3, "hidden_size": 16 + 60 * number},
                distributions={"n_layers": layers, "hidden_size": width},
            )
        )
    hidden, n_layers, _ = view_figure("parallel", study, None, "loss").data[0].dimensions
    assert (list(n_layers.tickvals), list(n_layers.range)) == ([1, 2, 3], [1, 3])
    assert hidden.tickvals is None


def test_a_run_of_several_objectives_shows_importance_per_objective(storage_url: str) -> None:
    spec = preset_spec("houses").to_dict()
    spec.update(strategy="nsga2", objectives=["mse", "params"])
    make_run(storage_url, "trade", 30, spec=RunSpec.from_dict(spec))
    figure, used = draw_view(load_run("trade", storage_url), "importance")
    mse, params = figure.data
    assert (mse.name, params.name) == ("validation MSE ($1000s²)", "parameters (count)") and used == 30
    assert params.x[list(params.y).index("hidden_size")] == max(params.x)  # size is set by the width
    assert figure.layout.xaxis.title.text == "importance for each objective"
    for view in ("slice", "contour", "parallel", "edf"):  # the others draw the selection metric
        assert draw_view(load_run("trade", storage_url), view, ["hidden_size", "lr"])[0].data
