"""The Monitor's trade-offs: the front drawn and listed, the winner picked (pages/_shared/front_panel.py)."""

from __future__ import annotations

import os
from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from pages._shared.front_panel import PICK_KEY
from tests.fake_runs import make_run
from tests.pages.page_helpers import click, figure, figures, texts
from tuning import RunSpec, load_run, preset_spec, summarize

TRADEOFF = {"strategy": "nsga2", "objectives": ["mse", "params"], "constraints": {"max_params": 3000}}


def tradeoff_spec(**changes: object) -> RunSpec:
    return RunSpec.from_dict({**preset_spec("houses").to_dict(), **TRADEOFF, **changes})


def test_two_objectives_draw_the_front_as_a_step_line_and_list_its_trials(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(
        storage_url, "pareto", 60, spec=tradeoff_spec(), n_failed=2, finished=False, worker_pid=os.getpid()
    )
    summary = summarize(load_run("pareto", storage_url))
    at = open_page("pages/monitor.py", run="pareto")
    front = figure(at, "front")
    traces = {trace["name"]: trace for trace in front["data"]}
    assert sorted(
        traces["the front"]["customdata"][i][0] for i in range(len(traces["the front"]["x"]))
    ) == sorted(entry["number"] for entry in summary.pareto)
    assert traces["front line"]["line"]["shape"] == "hv"
    assert len(traces["breaks a bound"]["x"]) == summary.n_infeasible > 0
    assert traces["winner (tested)"]["customdata"][0][0] == summary.winner
    assert front["layout"]["xaxis"]["title"]["text"] == "validation MSE ($1000s²)"
    assert front["layout"]["yaxis"]["title"]["text"] == "parameters (count)"
    assert f"The winner is trial #{summary.winner}" in texts(at)
    assert "| trial | winner | validation MSE ($1000s²) | parameters (count) |" in texts(at)
    assert len(figures(at)) == 4  # the loss, the curves, the parallel coordinates and the front


def test_picking_a_trial_of_the_front_stores_it_as_the_winner(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    make_run(storage_url, "pareto", 40, spec=tradeoff_spec(), finished=False, worker_pid=os.getpid())
    before = summarize(load_run("pareto", storage_url))
    other = next(entry["number"] for entry in before.pareto if entry["number"] != before.winner)
    at = open_page("pages/monitor.py", run="pareto")
    at.selectbox(key=PICK_KEY).set_value(other).run()
    click(at, "Make it the winner")
    assert not at.exception
    after = summarize(load_run("pareto", storage_url))
    assert (after.winner, after.picked) == (other, True)
    assert f"Trial {other} is the winner: it is tested on the held-out rows when the run ends." in texts(at)
    # The tiles name it the winner, not "best": the chart's best so far is another trial.
    tiles = {metric.label: metric.value for metric in at.metric}
    assert tiles["Winner"] == f"#{other}" and "Best trial" not in tiles
    assert "Winner's validation MSE" in tiles and "Test MSE of the winner" in tiles
    assert "The winner's configuration" in [s.value for s in at.subheader]
    assert no_workers == []  # a run still going tests its winner when it ends


def test_three_objectives_are_drawn_pair_by_pair(open_page: Callable[..., AppTest], storage_url: str) -> None:
    spec = tradeoff_spec(objectives=["mse", "params", "latency_ms"], constraints=None)
    make_run(storage_url, "three", 30, spec=spec)
    at = open_page("pages/monitor.py", run="three")
    pairs = [
        figure(at, key) for key in ("front-mse-params", "front-mse-latency_ms", "front-params-latency_ms")
    ]
    assert all("front line" not in {t["name"] for t in fig["data"]} for fig in pairs)
    assert pairs[2]["layout"]["xaxis"]["title"]["text"] == "parameters (count)"


def test_a_run_of_one_objective_shows_no_trade_offs(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "plain", 10)
    at = open_page("pages/monitor.py", run="plain")
    assert "Trade-offs" not in [h.value for h in at.subheader]
    assert len(figures(at)) == 3
