"""Plotly charts that keep the reader's zoom and legend choices while a run refreshes them.

``st.plotly_chart`` mounts a new graph whenever its figure changes (Streamlit 1.67 builds
the element's id from the figure), so a live refresh that brings a trial throws away
the reader's zoom: Plotly's ``uirevision`` needs the same graph to be updated in place.
This is a small custom component that does exactly that: one iframe per chart key, kept
across refreshes, whose script (``live_chart_frontend/live_chart.js``) hands each new
figure to ``Plotly.react`` on the same graph div. See docs/dashboard.md.
"""

from __future__ import annotations

import threading
from pathlib import Path

import plotly
import plotly.graph_objects as go
import streamlit.components.v1 as components
from streamlit.components.v1.custom_component import CustomComponent

from tuning import add_baselines

FRONTEND = Path(__file__).with_name("live_chart_frontend")
PLOTLY_JS_FOLDER = Path(plotly.__file__).parent / "package_data"  # holds plotly.min.js
# declare_component names a component after its caller's module, found with
# inspect.getmodule, whose module cache is not thread-safe: sessions declaring at the same
# moment (a demo's visitors arriving together) could get "module is None" from it.
DECLARING = threading.Lock()


def declared_components() -> tuple[CustomComponent, CustomComponent]:
    """The chart component and the one serving plotly.js, registered with this runtime.

    Declared on every run: declaring only records a folder, and each Streamlit runtime (one
    per AppTest) keeps its own records. plotly.js (4.8 MB) is served straight from the
    plotly package, which is why it is a second "component": Streamlit serves a
    component's files from one folder, and we would rather not copy it into ours.
    """
    with DECLARING:
        plotly_js = components.declare_component("plotly_js", path=str(PLOTLY_JS_FOLDER))
        chart = components.declare_component("live_plotly_chart", path=str(FRONTEND))
    return chart, plotly_js


def live_plotly_chart(figure: go.Figure, key: str, alt: str) -> None:
    """Draw ``figure``; on later runs with the same ``key``, update that graph in place.

    Only ``key`` identifies the chart, so its data can change from run to run without
    remounting it. The figure's ``uirevision`` decides what survives an update: keep it
    while the reader looks at the same thing, change it to reset their zoom.
    """
    chart, plotly_js = declared_components()
    chart(
        spec=figure.to_json(),
        alt=alt,
        plotly_src=f"../{plotly_js.name}/plotly.min.js?v={plotly.__version__}",
        key=key,
        default=None,
    )


def chart_with_baselines(figure: go.Figure, lines: list[tuple[str, float]], key: str, alt: str) -> None:
    """A live trial chart with the run's baselines as labelled dotted reference lines."""
    live_plotly_chart(add_baselines(figure, lines), key=key, alt=alt)
