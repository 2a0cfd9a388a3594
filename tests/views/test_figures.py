"""Figures: units on the axes, fixed colours, hover details, SVG at any size."""

from __future__ import annotations

import math

import optuna
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.colors import sample_colorscale

from tests.fake_runs import make_run
from tuning import preset_spec
from tuning.definition.space import Choice, Range
from tuning.definition.strategies import STRATEGIES, Strategy
from tuning.storage import record
from tuning.storage.lifecycle import enqueue
from tuning.storage.runs import load_run
from tuning.views.chart_data import (
    best_steps,
    curves_frame,
    history_frame,
    parallel_frame,
    race_frame,
    trials_frame,
)
from tuning.views.figures import (
    BEST_COLOR,
    DENSE_FROM,
    PARALLEL_BANDS,
    STATE_COLORS,
    curves_figure,
    history_figure,
    parallel_figure,
    params_hover,
    race_figure,
)
from tuning.views.history import history_points

UNIT = "validation MSE ($1000s²)"


@pytest.fixture
def trials(storage_url: str) -> list[optuna.trial.FrozenTrial]:
    study = make_run(storage_url, "run", 30, n_running=1, n_pruned=2, finished=False)
    return study.get_trials(deepcopy=False)


def test_history_draws_states_and_the_best_line(trials: list[optuna.trial.FrozenTrial]) -> None:
    frame = trials_frame(trials)
    fig = history_figure(
        history_points(history_frame(frame), best_steps(frame)), UNIT, log_y=True, revision="run"
    )
    complete, pruned, best = fig.data
    assert (complete.name, pruned.name, best.name) == ("complete", "pruned (last epoch)", "best so far")
    assert complete.marker.color == STATE_COLORS["complete"] and best.line.color == BEST_COLOR
    assert best.line.shape == "hv" and isinstance(complete, go.Scatter)
    assert fig.layout.uirevision == "run:log"  # a new scale resets the zoom
    assert fig.layout.yaxis.title.text == UNIT and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "trial number"
    assert "lr = " in complete.text[0] and "trial %{x}" in complete.hovertemplate


def test_a_big_history_stays_svg_with_small_markers(storage_url: str) -> None:
    """Decimated to at most ``MAX_POINTS`` points, a 10,000-trial history is cheap in SVG;
    WebGL would cost its first draw (0.3 s and more in software rendering) and the full
    plotly.js bundle (pages/_shared/live_chart.py)."""
    frame = trials_frame(make_run(storage_url, "big", DENSE_FROM).get_trials(deepcopy=False))
    history = history_points(history_frame(frame), best_steps(frame))
    fig = history_figure(history, UNIT, log_y=False, revision="big")
    assert {t.type for t in fig.data} == {"scatter"}
    small = history_points(history_frame(frame[:10]), best_steps(frame[:10]))
    assert fig.data[0].marker.size < history_figure(small, UNIT, False, "small").data[0].marker.size


def test_what_a_history_leaves_out_is_said_under_its_axis(storage_url: str) -> None:
    study = make_run(storage_url, "run", 40)
    model = study.get_trials(deepcopy=False)[0]
    study.add_trial(
        optuna.trial.create_trial(value=1e9, params=model.params, distributions=model.distributions)
    )
    frame = trials_frame(study.get_trials(deepcopy=False))
    fig = history_figure(history_points(history_frame(frame), best_steps(frame)), UNIT, False, "run")
    assert "1 point above" in fig.layout.xaxis.title.text
    assert max(max(trace.y) for trace in fig.data) < 1e6  # nothing drawn stretches the axis
    everything = history_figure(
        history_points(history_frame(frame), best_steps(frame), clip=False), UNIT, False, "r"
    )
    assert everything.layout.xaxis.title.text == "trial number"


def test_learning_curves_mark_the_running_and_the_best(trials: list[optuna.trial.FrozenTrial]) -> None:
    fig = curves_figure(curves_frame(trials, best_n=3), UNIT, log_y=False, revision="run")
    assert len(fig.data) == 4
    assert fig.data[0].line.color == BEST_COLOR and fig.data[0].line.width == 3
    assert fig.data[-1].line.dash == "dash" and fig.data[-1].line.color == STATE_COLORS["running"]
    assert fig.layout.xaxis.title.text == "epoch" and fig.layout.yaxis.title.text == UNIT


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


def test_races_colour_by_strategy_and_dash_repeats(storage_url: str) -> None:
    strategies = {"g": "grid", "r1": "random", "r2": "random"}
    race = race_frame([(n, s, make_run(storage_url, n, 5).get_trials()) for n, s in strategies.items()])
    fig = race_figure(race, "finished", "trials finished", UNIT, log_y=False)
    colors = [t.line.color for t in fig.data]
    assert colors == [STRATEGIES[Strategy.GRID].colour, *[STRATEGIES[Strategy.RANDOM].colour] * 2]
    assert [t.line.dash for t in fig.data] == ["solid", "solid", "dash"]
    assert [t.uid for t in fig.data] == ["g", "r1", "r2"]  # a hidden run stays hidden
    fewer = race_figure(race[race["run"] != "r2"], "finished", "trials finished", UNIT, log_y=False)
    assert fewer.layout.uirevision != fig.layout.uirevision  # other runs: the zoom starts afresh


def test_hover_lines_name_every_parameter() -> None:
    frame = pd.DataFrame({"param_lr": [0.001234567, 0.1], "param_activation": ["relu", "tanh"]})
    assert params_hover(frame) == ["activation = relu<br>lr = 0.001235", "activation = tanh<br>lr = 0.1"]
    assert params_hover(pd.DataFrame({"number": [1]})) == [""]


def test_hand_picked_and_inherited_trials_have_their_own_markers(storage_url: str) -> None:
    make_run(storage_url, "run", 6)
    run = load_run("run", storage_url)
    best = min((t for t in run.study.get_trials() if t.value is not None), key=lambda t: t.value)
    number = enqueue(run, best.params)
    trial_id = run.storage.get_trial_id_from_study_id_trial_number(run.study_id, number)
    run.storage.set_trial_state_values(trial_id, optuna.trial.TrialState.RUNNING)
    run.storage.set_trial_user_attr(trial_id, record.CURVE.key, [300.0, 200.0])
    run.storage.set_trial_state_values(trial_id, optuna.trial.TrialState.COMPLETE, [100.0])
    trials = run.study.get_trials(deepcopy=False)
    frame = trials_frame(trials)
    fig = history_figure(
        history_points(history_frame(frame), best_steps(frame)), UNIT, log_y=False, revision="run"
    )
    (picked,) = [t for t in fig.data if t.name == "hand-picked"]
    assert list(picked.x) == [number] and picked.marker.symbol == "star"
    assert number not in list(next(t for t in fig.data if t.name == "complete").x)
    labels = set(curves_frame(trials).frame["label"])
    assert f"#{number} (best 1, hand-picked)" in labels
    lines = parallel_frame(frame)
    fig = parallel_figure(lines, run.spec.space, UNIT, "run")
    assert fig.layout.xaxis.ticktext[0] == "origin"
    assert axis_ticks(fig, "origin") == [(0.0, "sampled"), (1.0, "hand-picked")]
    assert {n: heights[0] for n, heights in drawn_lines(fig).items()} == {
        n: 1.0 if n == number else 0.0 for n in lines["number"]
    }


HOSTILE_UNIT = 'validation MSE (<a href="javascript:alert(1)">x</a><img src=http://127.0.0.1:9/i.png> units²)'
ESCAPED_UNIT = "validation MSE (&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;&lt;img"


def test_titles_from_a_csv_are_text_not_plotly_html(trials: list[optuna.trial.FrozenTrial]) -> None:
    """Issue 15.7: Plotly renders <a href> in titles; a CSV's target name is escaped in every figure."""
    frame = trials_frame(trials)
    drawn = [
        history_figure(history_points(history_frame(frame), best_steps(frame)), HOSTILE_UNIT, False, "r"),
        curves_figure(curves_frame(trials, best_n=3), HOSTILE_UNIT, log_y=False, revision="r"),
        race_figure(race_frame([("r", "random", trials)]), "finished", "<b>x</b>", HOSTILE_UNIT, log_y=False),
    ]
    for fig in drawn:
        assert fig.layout.yaxis.title.text.startswith(ESCAPED_UNIT)
        assert "<" not in fig.layout.xaxis.title.text
    parallel = parallel_figure(parallel_frame(frame), preset_spec("houses").space, HOSTILE_UNIT, revision="r")
    assert parallel.data[-1].marker.colorbar.title.text.startswith(ESCAPED_UNIT)
    assert "&lt;b&gt;x&lt;/b&gt;: %{x" in drawn[2].data[0].hovertemplate
