"""The live chart's contract with Streamlit: one element per key, whatever its data.

The browser test (tests/e2e/test_live_charts.py) shows the zoom surviving; this one
catches, without a browser, a Streamlit upgrade that would tie the element's identity to
its data again, and a plotly package that stopped shipping plotly.js.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import threading
import time

import plotly.graph_objects as go
import plotly.offline
import pytest
from streamlit.testing.v1 import AppTest

from pages._shared import live_chart
from pages._shared.live_chart import FRONTEND, PlotlyBundle


def chart_script() -> None:
    """One live chart whose data grows by a point on every run."""
    import plotly.graph_objects as go
    import streamlit as st

    from pages._shared.live_chart import live_plotly_chart

    points = st.session_state["points"] = st.session_state.get("points", 0) + 1
    live_plotly_chart(go.Figure(go.Scatter(y=list(range(points)))), key="growing", alt="a growing line")


def test_new_data_updates_the_same_element() -> None:
    at = AppTest.from_function(chart_script).run()
    first = at.get("bidi_component")[0].proto
    at.run()
    second = at.get("bidi_component")[0].proto
    assert not at.exception
    assert first.id == second.id  # the browser keeps its element, and with it the reader's zoom
    assert json.loads(json.loads(second.json)["spec"])["data"][0]["y"] == [0, 1]
    assert json.loads(second.json)["alt"] == "a growing line"


def test_plotly_js_comes_from_the_apps_own_folder() -> None:
    """A relative address: the page's own origin (and base path) serves it, never a CDN."""
    at = AppTest.from_function(chart_script).run()
    bundle = json.loads(at.get("bidi_component")[0].proto.json)["plotly"]
    assert bundle["src"].startswith("component/") and "//" not in bundle["src"]
    assert bundle["src"].split("?")[0].endswith("/plotly-cartesian.min.js") and bundle["full"] is False


@pytest.mark.parametrize(
    "traces, bundle",
    [
        ([go.Scatter(y=[1])], PlotlyBundle.CARTESIAN),
        (
            [go.Scatter(y=[1]), go.Bar(y=[1]), go.Heatmap(z=[[1]]), go.Contour(z=[[1, 2], [3, 4]])],
            PlotlyBundle.CARTESIAN,
        ),
        ([], PlotlyBundle.CARTESIAN),
        ([go.Scatter(y=[1]), go.Parcoords(dimensions=[{"values": [1]}])], PlotlyBundle.FULL),
        ([go.Scattergl(y=[1])], PlotlyBundle.FULL),
    ],
)
def test_a_figure_loads_the_smallest_bundle_that_draws_all_its_traces(
    traces: list, bundle: PlotlyBundle
) -> None:
    assert PlotlyBundle.for_figure(go.Figure(traces)) is bundle


def test_the_served_folders_hold_what_the_page_loads() -> None:
    assert (FRONTEND / "live_chart.js").read_text().startswith("// Draws each new figure")
    for bundle in PlotlyBundle:
        assert (bundle.folder / bundle.file).stat().st_size > 1_000_000


def test_the_vendored_cartesian_bundle_matches_the_plotly_package_and_its_trace_list() -> None:
    """The figures are plotly.py's, so plotly.js must be the version it ships; after an
    upgrade of plotly, scripts/vendor_plotly.sh fetches the matching bundle."""
    source = (PlotlyBundle.CARTESIAN.folder / PlotlyBundle.CARTESIAN.file).read_text()
    version = re.search(r"plotly\.js \(cartesian - minified\) v([\d.]+)", source[:200])
    assert version is not None and version.group(1) == plotly.offline.get_plotlyjs_version()
    assert set(re.findall(r'moduleType:"trace",name:"(\w+)"', source)) == PlotlyBundle.CARTESIAN.traces


def test_sessions_declaring_at_the_same_moment_all_get_the_chart(monkeypatch) -> None:
    """inspect.getmodule's cache is not thread-safe; the lock keeps a crowd from tripping it.

    The race is made wide on purpose: the first session's lookup of this module pauses
    mid-way, and a second session arrives meanwhile. Without the lock the second one
    skips the half-recorded module and Streamlit raises "module is None".
    """
    module = sys.modules[live_chart.__name__]
    inspect._filesbymodname.pop(module.__name__, None)  # forget it, as a fresh server has
    for file in [file for file, name in inspect.modulesbyfile.items() if name == module.__name__]:
        del inspect.modulesbyfile[file]
    first_is_looking = threading.Event()
    real_getabsfile = inspect.getabsfile

    def slow_for_this_module(obj: object, _filename: str | None = None) -> str:
        if obj is module and not first_is_looking.is_set():
            first_is_looking.set()
            time.sleep(0.3)
        return real_getabsfile(obj, _filename)

    monkeypatch.setattr(inspect, "getabsfile", slow_for_this_module)
    errors: list[Exception] = []

    def declare() -> None:
        try:
            live_chart.plotly_js(PlotlyBundle.CARTESIAN)
        except RuntimeError as error:
            errors.append(error)

    first = threading.Thread(target=declare)
    first.start()
    assert first_is_looking.wait(timeout=10)
    declare()
    first.join()
    assert errors == []
