"""Figures: units on the axes, fixed colours, hover details, SVG at any size."""

from __future__ import annotations

import optuna
import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.fake_runs import make_run, with_hand_picked_best
from tuning import preset_spec
from tuning.definition.strategies import STRATEGIES, Strategy
from tuning.reading.records import TrialTable
from tuning.views.chart_data import (
    CurveSelection,
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
    LEGEND_ROW_PX,
    RUNNING_COLORS,
    STATE_COLORS,
    curves_figure,
    history_figure,
    params_hover,
    race_figure,
    running_colors,
)
from tuning.views.history import history_points
from tuning.views.parallel_figure import parallel_figure

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
    complete, pruned, best, running = fig.data  # running last: it comes and goes
    assert (complete.name, pruned.name, best.name) == ("complete", "pruned (last epoch)", "best so far")
    assert running.name == "running (latest epoch, provisional)" and running.marker.symbol == "circle-open"
    assert "still training" in running.hovertemplate and len(running.x) == 1
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


def test_a_few_trials_and_epochs_are_ticked_as_whole_numbers(storage_url: str) -> None:
    """Three trials were ticked at 0.5, 1, 1.5 and a few epochs at 1.2, 1.4, …"""
    few = trials_frame(make_run(storage_url, "few", 3, epochs=4).get_trials(deepcopy=False))
    history = history_figure(history_points(history_frame(few), best_steps(few)), UNIT, False, "few")
    curves = curves_figure(curves_frame(TrialTable.of(make_run(storage_url, "c", 3, epochs=4).get_trials())),
                           UNIT, False, "c")  # fmt: skip
    assert history.layout.xaxis.dtick == 1 and curves.layout.xaxis.dtick == 1
    many = trials_frame(make_run(storage_url, "many", 30).get_trials(deepcopy=False))
    assert (
        history_figure(
            history_points(history_frame(many), best_steps(many)), UNIT, False, "m"
        ).layout.xaxis.dtick
        is None
    )


def test_learning_curves_mark_the_running_and_the_best(trials: list[optuna.trial.FrozenTrial]) -> None:
    fig = curves_figure(curves_frame(TrialTable.of(trials), best_n=3), UNIT, log_y=False, revision="run")
    assert len(fig.data) == 4
    assert fig.data[0].line.color == BEST_COLOR and fig.data[0].line.width == 3
    assert fig.data[-1].line.dash == "dash" and fig.data[-1].line.color in RUNNING_COLORS
    assert fig.layout.xaxis.title.text == "epoch" and fig.layout.yaxis.title.text == UNIT


def test_each_running_trial_has_a_colour_and_a_name_of_its_own(storage_url: str) -> None:
    """A population's curves were identical orange dashes, told apart by nothing."""
    study = make_run(storage_url, "pop", 3, n_running=12, finished=False)
    fig = curves_figure(
        curves_frame(TrialTable.of(study.get_trials()), best_n=1), UNIT, log_y=False, revision="pop"
    )
    running = [trace for trace in fig.data if trace.line.dash == "dash"]
    assert len(running) == 10  # the latest ten
    assert len({trace.line.color for trace in running}) == 10
    assert len({trace.name for trace in running}) == 10
    assert not {trace.line.color for trace in running} & {BEST_COLOR, STATE_COLORS["complete"]}


def test_a_running_trial_keeps_its_colour_while_others_finish() -> None:
    before = running_colors([20, 21, 22, 30])
    assert len(set(before.values())) == 4  # 20 and 30 share a first choice: 30 takes the next free
    after = running_colors([21, 22])
    assert {n: before[n] for n in (21, 22)} == after


def test_races_give_every_run_a_colour_of_its_own(storage_url: str) -> None:
    """Two random searches were drawn in one colour, told apart only by a dash."""
    strategies = {"g": "grid", "r1": "random", "r2": "random"}
    race = race_frame(
        [(n, s, trials_frame(make_run(storage_url, n, 5).get_trials())) for n, s in strategies.items()]
    )
    fig = race_figure(race, "finished", "trials finished", UNIT, log_y=False)
    colors = [t.line.color for t in fig.data]
    assert colors[:2] == [STRATEGIES[Strategy.GRID].colour, STRATEGIES[Strategy.RANDOM].colour]
    assert len(set(colors)) == 3 and colors[2] not in {entry.colour for entry in STRATEGIES.values()}
    assert [t.line.dash for t in fig.data] == ["solid", "solid", "dash"]
    assert [t.uid for t in fig.data] == ["g", "r1", "r2"]  # a hidden run stays hidden
    fewer = race_figure(race[race["run"] != "r2"], "finished", "trials finished", UNIT, log_y=False)
    assert fewer.layout.uirevision != fig.layout.uirevision  # other runs: the zoom starts afresh


def test_the_top_margin_holds_the_legend_rows(storage_url: str) -> None:
    """Ten best trials' curves fill three legend rows beside another chart; a finished run's
    history, one. Too small a margin made Plotly draw every chart twice (automargin)."""
    frame = trials_frame(make_run(storage_url, "run", 30, n_pruned=2, n_failed=1).get_trials())
    history = history_figure(history_points(history_frame(frame), best_steps(frame)), UNIT, False, "r")
    assert len(history.data) == 4
    ten = pd.DataFrame({"number": range(10), "epoch": 1, "loss": 1.0, "state": "complete"})
    ten["label"] = [f"#{10000 + n} (best {n + 1})" for n in range(10)]
    curves = curves_figure(CurveSelection(ten, 10, 10, 0, 0), UNIT, False, "r")
    one_row, three_rows = history.layout.margin.t, curves.layout.margin.t
    assert three_rows - one_row == 2 * LEGEND_ROW_PX
    assert history.layout.margin.l >= 55 and history.layout.margin.b >= 45  # tick labels and titles


def test_hover_lines_name_every_parameter() -> None:
    frame = pd.DataFrame({"param_lr": [0.001234567, 0.1], "param_activation": ["relu", "tanh"]})
    assert params_hover(frame) == ["activation = relu<br>lr = 0.001235", "activation = tanh<br>lr = 0.1"]
    assert params_hover(pd.DataFrame({"number": [1]})) == [""]


def test_hand_picked_and_inherited_trials_have_their_own_markers(storage_url: str) -> None:
    run, number = with_hand_picked_best(storage_url)
    trials = run.study.get_trials(deepcopy=False)
    frame = trials_frame(trials)
    fig = history_figure(
        history_points(history_frame(frame), best_steps(frame)), UNIT, log_y=False, revision="run"
    )
    (picked,) = [t for t in fig.data if t.name == "hand-picked"]
    assert list(picked.x) == [number] and picked.marker.symbol == "star"
    assert number not in list(next(t for t in fig.data if t.name == "complete").x)
    labels = set(curves_frame(TrialTable.of(trials)).frame["label"])
    assert f"#{number} (best 1, hand-picked)" in labels


HOSTILE_UNIT = 'validation MSE (<a href="javascript:alert(1)">x</a><img src=http://127.0.0.1:9/i.png> units²)'
ESCAPED_UNIT = "validation MSE (&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;&lt;img"


def test_titles_from_a_csv_are_text_not_plotly_html(trials: list[optuna.trial.FrozenTrial]) -> None:
    """Issue 15.7: Plotly renders <a href> in titles; a CSV's target name is escaped in every figure."""
    frame = trials_frame(trials)
    drawn = [
        history_figure(history_points(history_frame(frame), best_steps(frame)), HOSTILE_UNIT, False, "r"),
        curves_figure(curves_frame(TrialTable.of(trials), best_n=3), HOSTILE_UNIT, log_y=False, revision="r"),
        race_figure(
            race_frame([("r", "random", trials_frame(trials))]),
            "finished",
            "<b>x</b>",
            HOSTILE_UNIT,
            log_y=False,
        ),
    ]
    for fig in drawn:
        assert fig.layout.yaxis.title.text.startswith(ESCAPED_UNIT)
        assert "<" not in fig.layout.xaxis.title.text
    parallel = parallel_figure(parallel_frame(frame), preset_spec("houses").space, HOSTILE_UNIT, revision="r")
    assert parallel.data[-1].marker.colorbar.title.text.startswith(ESCAPED_UNIT)
    assert "&lt;b&gt;x&lt;/b&gt;: %{x" in drawn[2].data[0].hovertemplate
