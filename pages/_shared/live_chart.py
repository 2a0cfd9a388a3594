"""Plotly charts that keep the reader's zoom and legend choices while a run refreshes them.

``st.plotly_chart`` mounts a new graph whenever its figure changes (Streamlit 1.67 builds
the element's id from the figure), so a live refresh that brings a trial throws away
the reader's zoom: Plotly's ``uirevision`` needs the same graph to be updated in place.
This is a small version-2 custom component that does exactly that: one element per chart
key, kept across refreshes, whose script (``live_chart_frontend/live_chart.js``) hands each
new figure to ``Plotly.react`` on the same graph div. It runs in the app's page, not in an
iframe, so a page with three charts loads plotly.js once, not three times, and no window
message is ever needed (see docs/dashboard.md).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import streamlit as st
import streamlit.components.v1 as components

from tuning import add_baselines

FRONTEND = Path(__file__).with_name("live_chart_frontend")
PLOTLY_JS_FOLDER = Path(plotly.__file__).parent / "package_data"  # holds plotly.min.js
CHART_NAME = "sweetspot_live_chart"
# declare_component names a component after its caller's module, found with
# inspect.getmodule, whose module cache is not thread-safe: sessions declaring at the same
# moment (a demo's visitors arriving together) could get "module is None" from it.
DECLARING = threading.Lock()
# isolate_styles=False: Plotly puts its styles (modebar, hover) in the page's head, which a
# shadow root would not see.
CHART = st.components.v2.component(
    CHART_NAME, js=(FRONTEND / "live_chart.js").read_text(), isolate_styles=False
)


def plotly_js_source() -> str:
    """Where the page loads plotly.js from: the plotly package's copy, served by this app.

    Declared on every run: declaring only records a folder, and each Streamlit runtime (one
    per AppTest) keeps its own records. plotly.js (4.8 MB) is served straight from the
    plotly package, as a version-1 component's folder, rather than copied into ours.
    The address is relative to the page, so the app's own origin and base path serve it.
    """
    with DECLARING:
        served = components.declare_component("plotly_js", path=str(PLOTLY_JS_FOLDER))
    return f"component/{served.name}/plotly.min.js?v={plotly.__version__}"


def preload_plotly() -> None:
    """Start loading plotly.js now, before the page's charts are computed; draws nothing.

    Call it early on a page with charts: the browser then parses plotly.js (4.8 MB, a
    second or more on a busy laptop) while the server reads the run and builds figures.
    """
    CHART(key="plotly-preload", data={"preload": True, "plotly_src": plotly_js_source()}, height="content")


def live_plotly_chart(figure: go.Figure, key: str, alt: str) -> None:
    """Draw ``figure``; on later runs with the same ``key``, update that graph in place.

    Only ``key`` identifies the chart, so its data can change from run to run without
    remounting it. The figure's ``uirevision`` decides what survives an update: keep it
    while the reader looks at the same thing, change it to reset their zoom.
    """
    spec = figure.to_json()
    data: dict[str, Any] = {"spec": spec, "alt": alt, "key": key, "plotly_src": plotly_js_source()}
    CHART(key=key, data=data, height="content")


def chart_with_baselines(figure: go.Figure, lines: list[tuple[str, float]], key: str, alt: str) -> None:
    """A live trial chart with the run's baselines as labelled dotted reference lines."""
    live_plotly_chart(add_baselines(figure, lines), key=key, alt=alt)
