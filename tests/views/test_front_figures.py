"""The trade-off charts' data and figures (tuning/views/front_data.py, front_figures.py)."""

from __future__ import annotations

import numpy as np

from tuning import RunSpec, preset_spec
from tuning.views import front_data
from tuning.views.front_data import front_points
from tuning.views.front_figures import front_figure
from tuning.views.pareto import Tradeoffs


def spec_of(**changes: object) -> RunSpec:
    return RunSpec.from_dict({**preset_spec("houses").to_dict(), "strategy": "nsga2", **changes})


def points_of(
    values: list[tuple[float, ...]], on_front: list[bool], feasible: list[bool], signs: list[float]
) -> Tradeoffs:
    n = len(values)
    return Tradeoffs(
        np.arange(n), np.array(values, dtype=float), np.array(feasible), np.array(on_front), np.array(signs)
    )


def test_the_front_and_the_infeasible_are_always_drawn_the_others_thinned(monkeypatch) -> None:
    monkeypatch.setattr(front_data, "MAX_OTHERS", 10)
    n = 100
    values = [(float(i), float(n - i)) for i in range(n)]
    points = points_of(values, [i < 5 for i in range(n)], [i != 50 for i in range(n)], [1.0, 1.0])
    drawn = front_points(spec_of(objectives=["mse", "params"]), points, winner=3)
    by_kind = drawn.frame.groupby("kind")["number"].apply(list).to_dict()
    assert by_kind["front"] == [0, 1, 2, 3, 4] and by_kind["breaks a bound"] == [50]
    assert by_kind["dominated"] == [10, 20, 30, 40, 60, 70, 80, 90]  # every 10th of the 94 others
    assert drawn.note == "1 in 10 of the 94 dominated trials drawn"
    assert drawn.frame.loc[drawn.frame["winner"], "number"].tolist() == [3]
    assert drawn.axes == [("mse", "params")]


def test_the_step_line_bounds_what_the_front_dominates_whichever_way_x_improves() -> None:
    values = [(1.0, 0.9), (2.0, 0.8), (3.0, 0.95)]
    for objectives, shape in ((["mse", "params"], "hv"), (["r2", "params"], "vh")):
        signs = [1.0, 1.0] if shape == "hv" else [-1.0, 1.0]
        points = points_of(values, [True, True, True], [True] * 3, signs)
        drawn = front_points(spec_of(objectives=objectives), points, winner=0)
        figure = front_figure(drawn, *drawn.axes[0], revision="run")
        line = next(trace for trace in figure.data if trace.name == "front line")
        assert line.line.shape == shape and list(line.x) == [1.0, 2.0, 3.0]
        assert figure.layout.uirevision == f"run:{objectives[0]}:params:linear"


def test_one_objective_within_bounds_is_drawn_by_trial_number() -> None:
    points = points_of([(5.0,), (3.0,), (4.0,)], [False, True, False], [True, False, True], [1.0])
    drawn = front_points(spec_of(constraints={"max_params": 500}), points, winner=2)
    figure = front_figure(drawn, *drawn.axes[0], revision="run")
    assert drawn.axes == [("number", "mse")] and figure.layout.xaxis.title.text == "trial number"
    assert not [trace for trace in figure.data if trace.name == "front line"]
    infeasible = next(trace for trace in figure.data if trace.name == "breaks a bound")
    assert list(infeasible.x) == [1] and infeasible.marker.symbol == "x"


def test_an_objective_over_two_decades_gets_a_log_axis() -> None:
    values = [(200.0, 50.0), (210.0, 900.0), (190.0, 20_000.0)]
    points = points_of(values, [True, False, True], [True] * 3, [1.0, 1.0])
    figure = front_figure(
        front_points(spec_of(objectives=["mse", "params"]), points, 0), "mse", "params", "r"
    )
    assert (figure.layout.xaxis.type, figure.layout.yaxis.type) == ("linear", "log")
