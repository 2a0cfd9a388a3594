"""Live charts keep what the reader did: a zoom and a hidden legend entry outlast refreshes
that bring new trials, in the same graph (``pages/_shared/live_chart.py``); so does an
opened trials table, a lazy expander of the live panel."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.charts import live_chart, trace_length
from tests.fake_runs import make_run
from tuning import RunSpec, delete_run, load_run, preset_spec, request_stop
from tuning.launcher import launch
from tuning.storage import record

pytestmark = pytest.mark.browser


def drag_zoom(page: Page, plot: Locator) -> list[float]:
    """Zoom into a box with the mouse, as a reader would; returns the new x range."""
    plot.scroll_into_view_if_needed()
    box = plot.locator(".nsewdrag").first.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + box["width"] * 0.4, y + box["height"] * 0.6, steps=8)
    page.mouse.up()
    return x_range(plot)


def hide_in_legend(page: Page, plot: Locator, name: str) -> None:
    """Click a legend entry with the mouse (Plotly ignores synthetic click events there)."""
    box = plot.locator(".traces", has_text=name).locator(".legendtoggle").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 10, box["y"] + box["height"] / 2)


def x_range(plot: Locator) -> list[float]:
    return list(plot.evaluate("plot => plot._fullLayout.xaxis.range"))


def wait_for_more_points(plot: Locator, than: int, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while (count := trace_length(plot, "complete")) <= than:
        assert time.monotonic() < deadline, f"the chart stayed at {count} trials"
        time.sleep(0.3)
    return count


def test_zoom_legend_and_an_opened_table_survive_refreshes_with_new_trials(
    new_page: Callable[[str], Page], server: SimpleNamespace
) -> None:
    spec = preset_spec("article-optuna").to_dict()
    spec["budget"] = {"n_trials": 1000}  # outlasts the test; stopped at the end
    run = launch(RunSpec.from_dict(spec), storage_url=server.storage)
    try:
        page = new_page(f"monitor?run={run.name}")
        plot = live_chart(page, "history")
        expect(plot).to_be_visible(timeout=60_000)
        count = wait_for_more_points(plot, 1)
        plot.evaluate("plot => { plot.sweetspotMarker = 'the same graph'; }")

        table = page.get_by_test_id("stDataFrame")
        expect(table).to_have_count(0)  # the trials table opens on demand
        page.get_by_text("Table of the trials").click()
        expect(table).to_be_visible(timeout=30_000)
        page.get_by_text("Filter trials").click()  # an expander within the lazy one
        expect(page.get_by_test_id("stMultiSelect").filter(has_text="State")).to_be_visible()

        zoomed = drag_zoom(page, plot)
        hide_in_legend(page, plot, "best so far")
        for _ in range(2):  # two refreshes, each with new trials
            count = wait_for_more_points(plot, count)

        expect(table).to_be_visible()  # still open, over more trials

        assert plot.evaluate("plot => plot.sweetspotMarker") == "the same graph"
        assert x_range(plot) == pytest.approx(zoomed)
        visible = plot.evaluate("plot => plot._fullData.find(t => t.name === 'best so far').visible")
        assert visible == "legendonly"

        # A zoom on a linear axis means nothing on a log one: the scale toggle resets it.
        page.get_by_text("Log-scale score").click()
        page.wait_for_function("plot => plot._fullLayout.yaxis.type === 'log'", arg=plot.element_handle())
        assert plot.evaluate("plot => plot._fullLayout.xaxis.autorange") is True
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        request_stop(load_run(run.name, server.storage))


def test_a_population_in_flight_is_watched_epoch_by_epoch(
    new_page: Callable[[str], Page], server: SimpleNamespace
) -> None:
    """Fifteen trials training as one population, none finished: the Monitor used to say
    "0 / 15 trials done", draw an empty score chart and the same orange dash fifteen times.
    The run is written as a worker leaves one (its worker is this process), and its curves
    grow as a worker's do, about once a second."""
    spec = preset_spec("houses").to_dict()
    spec["budget"] = {"n_trials": 15}  # 30 epochs a trial
    make_run(
        server.storage, "population", 0, spec=RunSpec.from_dict(spec), n_running=15, finished=False,
        trial_s=0.0, worker_pid=os.getpid(),
    )  # fmt: skip
    run = load_run("population", server.storage)
    try:
        page = new_page("monitor?run=population")
        bar = page.get_by_test_id("stProgress")
        expect(bar).to_contain_text("0 / 15 trials done · 225 / 450 epochs")  # 15 epochs each so far
        expect(bar).to_contain_text(" left")
        history = live_chart(page, "history")
        expect(history).to_be_visible()
        assert trace_length(history, "running (latest epoch, provisional)") == 15
        curves = live_chart(page, "curves")
        running = curves.evaluate(
            "plot => plot._fullData.filter(t => t.line.dash === 'dash').map(t => [t.name, t.line.color])"
        )
        assert len(running) == 10 and len({name for name, _ in running}) == 10
        assert len({color for _, color in running}) == 10

        for trial in run.study.get_trials(deepcopy=False):  # five more epochs each, as a worker publishes
            trial_id = run.storage.get_trial_id_from_study_id_trial_number(run.study_id, trial.number)
            curve = [*trial.user_attrs[record.CURVE.key], *[150.0] * 5]
            run.storage.set_trial_user_attr(trial_id, record.CURVE.key, curve)
        expect(bar).to_contain_text("300 / 450 epochs")  # the next refresh
        lowest = "Math.min(...plot._fullData.find(t => t.name.startsWith('running')).y)"
        page.wait_for_function(f"plot => {lowest} === 150", arg=history.element_handle())
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:  # its worker is this process: left behind, the session's teardown would kill it
        delete_run(run)
