"""Which plotly.js a page loads (``pages/_shared/plotly_js.py``): the smallest bundle that
draws a figure, served from the app's own folders at the plotly package's version, and a
component that a crowd of sessions declares safely."""

from __future__ import annotations

import inspect
import re
import sys
import threading
import time

import plotly.graph_objects as go
import plotly.offline
import pytest

from pages._shared import plotly_js
from pages._shared.plotly_js import FRONTEND, PlotlyBundle


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
    module = sys.modules[plotly_js.__name__]
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
            plotly_js.plotly_js(PlotlyBundle.CARTESIAN)
        except RuntimeError as error:
            errors.append(error)

    first = threading.Thread(target=declare)
    first.start()
    assert first_is_looking.wait(timeout=10)
    declare()
    first.join()
    assert errors == []
