"""The Monitor's parallel coordinates: SVG lines on log, choice and linear axes, the best on top."""

from __future__ import annotations

import math

import optuna
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.colors import sample_colorscale

from tests.fake_runs import make_run, with_hand_picked_best
from tuning import preset_spec
from tuning.definition.space import Choice, Range
from tuning.views.chart_data import parallel_frame, trials_frame
from tuning.views.parallel_figure import PARALLEL_BANDS, parallel_figure

UNIT = "validation MSE ($1000s²)"


@pytest.fixture
def trials(storage_url: str) -> list[optuna.trial.FrozenTrial]:
    study = make_run(storage_url, "run", 30, n_running=1, n_pruned=2, finished=False)
    return study.get_trials(deepcopy=False)


def drawn_lines(fig: go.Figure) -> dict[int, list[float]]:
    """Each trial's heights on the axes, in axis order, read back from the line traces."""
    lines: dict[int, list[float]] = {}
    for trace in fig.data:
        if trace.mode == "lines":
            for x, y, number in zip(trace.x, trace.y, trace.customdata, strict=True):
                if not math.isnan(x):  # a gap between two trials' lines
                    lines.setdefault(int(number), []).append(float(y))
    return lines


def axis_ticks(fig: go.Figure, label: str) -> list[tuple[float, str]]:
    """(height, text) of the tick labels beside the axis titled ``label``, bottom up."""
    index = list(fig.layout.xaxis.ticktext).index(label)
    (ticks,) = [trace for trace in fig.data if trace.mode == "text"]
    return sorted((y, text) for x, y, text in zip(ticks.x, ticks.y, ticks.text, strict=True) if x == index)


def test_parallel_coordinates_are_svg_lines_on_log_and_choice_axes(
    trials: list[optuna.trial.FrozenTrial],
) -> None:
    space = preset_spec("houses").space
    assert isinstance(space["lr"], Range) and space["lr"].log and isinstance(space["batch_size"], Choice)
    lines = parallel_frame(trials_frame(trials))
    fig = parallel_figure(lines, space, UNIT, revision="run")
    assert {trace.type for trace in fig.data} == {"scatter"}  # no WebGL parcoords
    labels = list(fig.layout.xaxis.ticktext)
    assert labels[0] == "batch_size" and labels[-1] == "score" and "lr (log)" in labels
    drawn = drawn_lines(fig)
    assert sorted(drawn) == sorted(lines["number"])
    assert all(
        len(heights) == len(labels) and 0 <= min(heights) <= max(heights) <= 1 for heights in drawn.values()
    )
    assert [text for _, text in axis_ticks(fig, "lr (log)")] == ["1e-4", "1e-3", "1e-2"]
    low, high = math.log10(space["lr"].low), math.log10(space["lr"].high)  # the space's bounds, on log10
    for number, lr in zip(lines["number"], lines["param_lr"], strict=True):
        assert drawn[number][labels.index("lr (log)")] == pytest.approx(
            (math.log10(lr) - low) / (high - low), abs=1e-6
        )
    assert axis_ticks(fig, "batch_size") == [(0.0, "16"), (1 / 3, "32"), (2 / 3, "64"), (1.0, "128")]
    assert [text for _, text in axis_ticks(fig, "n_layers")] == ["1", "2", "3"]  # an int range: whole ticks
    colorbar = fig.data[-1].marker
    assert colorbar.showscale and colorbar.colorbar.title.text == UNIT and colorbar.reversescale
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange and fig.layout.yaxis.visible is False
    assert (fig.layout.uirevision, fig.layout.height) == ("run", 400)
    band = fig.data[0]
    first = band.customdata[0]  # a vertex hovers with its trial, the parameter and its value
    lr = lines.loc[lines["number"] == first, "param_lr"].iloc[0]
    assert "trial %{customdata}" in band.hovertemplate and f"lr = {lr:.4g}" in band.text[: len(labels)]


@pytest.mark.parametrize("maximize", [False, True])
def test_the_best_trials_are_yellow_and_drawn_on_top(
    trials: list[optuna.trial.FrozenTrial], maximize: bool
) -> None:
    lines = parallel_frame(trials_frame(trials), maximize=maximize)
    fig = parallel_figure(lines, preset_spec("houses").space, UNIT, revision="run", maximize=maximize)
    bands, colorbar = [trace for trace in fig.data if trace.mode == "lines"], fig.data[-1]
    ranked = lines.sort_values("value", ascending=not maximize)["number"]
    assert ranked.iloc[0] in bands[-1].customdata and ranked.iloc[-1] in bands[0].customdata
    assert bands[-1].line.color == sample_colorscale("Viridis", 1 - 0.5 / PARALLEL_BANDS)[0]  # yellow end
    assert colorbar.marker.reversescale is not maximize  # the colour bar's best end is yellow too


def test_parallel_axes_of_values_the_space_does_not_describe() -> None:
    """A constant column sits in the middle; options only the trials hold are escaped text."""
    frame = pd.DataFrame(
        {
            "number": [0, 1, 2],
            "origin": "sampled",
            "param_activation": ["relu", "<b>x</b>", "relu"],
            "param_dropout": [0.2, 0.2, 0.2],
            "value": [3.0, 1.0, 2.0],
        }
    )
    fig = parallel_figure(frame, {}, UNIT, revision="r")
    assert axis_ticks(fig, "activation") == [(0.0, "&lt;b&gt;x&lt;/b&gt;"), (1.0, "relu")]
    assert axis_ticks(fig, "dropout") == [(0.5, "0.2")]
    assert drawn_lines(fig) == {0: [1.0, 0.5, 1.0], 1: [0.0, 0.5, 0.0], 2: [1.0, 0.5, 0.5]}
    assert all("<b>" not in text for trace in fig.data[:-1] for text in trace.text)  # hover and ticks


def test_hand_picked_trials_get_an_origin_axis_of_their_own(storage_url: str) -> None:
    run, number = with_hand_picked_best(storage_url)
    lines = parallel_frame(trials_frame(run.study.get_trials(deepcopy=False)))
    fig = parallel_figure(lines, run.spec.space, UNIT, "run")
    assert fig.layout.xaxis.ticktext[0] == "origin"
    assert axis_ticks(fig, "origin") == [(0.0, "sampled"), (1.0, "hand-picked")]
    assert {n: heights[0] for n, heights in drawn_lines(fig).items()} == {
        n: 1.0 if n == number else 0.0 for n in lines["number"]
    }
