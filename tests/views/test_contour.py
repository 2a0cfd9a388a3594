"""The contour view, interpolated on the server: a small grid without gaps, whatever the run's size."""

from __future__ import annotations

import math

import numpy as np

from tests.fake_runs import make_run
from tuning import preset_spec
from tuning.views.analysis import VIEWS, sample_study, view_figure
from tuning.views.contour import GRID


def contour_of(storage_url: str, trials: int, params: list[str]):  # noqa: ANN201 - a Plotly figure
    complete = make_run(storage_url, "run", trials, spec=preset_spec("houses")).get_trials()
    study, _ = sample_study(complete, VIEWS["contour"].max_trials)
    return view_figure("contour", study, params, "validation MSE ($1000s²)")


def test_two_ranges_over_300_trials_are_a_small_grid_without_gaps(storage_url: str) -> None:
    """Optuna's contour put 300 trials on a 302 × 302 grid of gaps for the browser to fill:
    14 s of plotly.js on one core, against a second for the other views."""
    fig = contour_of(storage_url, 300, ["lr", "weight_decay"])
    (contour,) = [trace for trace in fig.data if trace.type == "contour"]
    z = np.asarray(contour.z, dtype=float)
    assert z.shape == (GRID, GRID) and np.isfinite(z).all()
    assert not contour.connectgaps and not contour.line.smoothing
    (points,) = [trace for trace in fig.data if trace.type == "scatter"]
    assert len(points.x) == 300  # every trial, where it was tried
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"  # both are log ranges
    assert math.isclose(min(contour.x), min(points.x)) and math.isclose(max(contour.x), max(points.x))
    assert "validation MSE ($1000s²)" in str(fig.to_dict())


def test_each_pair_of_the_chosen_hyperparameters_gets_a_panel(storage_url: str) -> None:
    fig = contour_of(storage_url, 40, ["batch_size", "dropout", "lr"])  # a choice among them
    contours = [trace for trace in fig.data if trace.type == "contour"]
    assert len(contours) == 3  # batch_size × dropout, batch_size × lr, dropout × lr
    assert all(np.isfinite(np.asarray(c.z, dtype=float)).all() for c in contours)
    assert {c.coloraxis for c in contours} == {"coloraxis"}  # one colour scale for all panels
    choices = [str(v) for v in preset_spec("houses").space["batch_size"].values()]
    assert list(fig.layout.xaxis.ticktext) == choices
