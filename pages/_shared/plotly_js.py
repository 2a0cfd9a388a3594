"""Which plotly.js a page loads, and the version-2 component that draws every chart with it.

plotly.js comes in two sizes: the full bundle (4.8 MB, every trace type) and plotly.js's
own "cartesian" bundle (1.5 MB: scatter, bar, heatmap, contour, …), vendored by
``scripts/vendor_plotly.sh``. A page parses plotly.js before its first chart can draw
(0.8 s for the full bundle in headless Chromium, a quarter of that for the cartesian one),
so each figure names the smaller bundle whenever it covers all its traces; a page that
draws one trace beyond it (the Analysis page's brushable parallel coordinates) loads the
full bundle, which then serves every chart of the page.

Nothing here imports the engine: app.py starts plotly.js loading (``preload_plotly``)
before anything heavy is imported. ``live_chart.py`` draws the figures.
"""

from __future__ import annotations

import threading
from enum import Enum
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import streamlit as st
import streamlit.components.v1 as components

FRONTEND = Path(__file__).with_name("live_chart_frontend")


class PlotlyBundle(Enum):
    """The two builds of plotly.js a page can load: (served folder, file, the traces it draws)."""

    #: plotly.js's cartesian dist, vendored at the plotly package's plotly.js version
    #: (its README and the tests list these trace modules).
    CARTESIAN = (
        FRONTEND / "vendor",
        "plotly-cartesian.min.js",
        frozenset({
            "bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
            "image", "pie", "scatter", "scatterternary", "violin",
        }),
    )  # fmt: skip
    FULL = (Path(plotly.__file__).parent / "package_data", "plotly.min.js", None)  # None: every trace

    def __init__(self, folder: Path, file: str, traces: frozenset[str] | None) -> None:
        self.folder, self.file, self.traces = folder, file, traces

    @classmethod
    def for_figure(cls, figure: go.Figure) -> PlotlyBundle:
        """The smallest bundle that draws every trace of ``figure``."""
        types = {trace.type for trace in figure.data}
        return cls.CARTESIAN if types <= (cls.CARTESIAN.traces or frozenset()) else cls.FULL


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


def plotly_js(bundle: PlotlyBundle) -> dict[str, Any]:
    """Where the page loads ``bundle`` from, served by this app, and whether it is the full one.

    Declared on every run: declaring only records a folder, and each Streamlit runtime (one
    per AppTest) keeps its own records. The full bundle is served straight from the plotly
    package, as a version-1 component's folder, rather than copied into ours. The address
    is relative to the page, so the app's own origin and base path serve it.
    """
    with DECLARING:
        served = components.declare_component(f"plotly_js_{bundle.name.lower()}", path=str(bundle.folder))
    return {
        "src": f"component/{served.name}/{bundle.file}?v={plotly.__version__}",
        "full": bundle.traces is None,
    }


def preload_plotly() -> None:
    """Start loading plotly.js (the cartesian bundle, which most charts need) now, before
    the page's charts are computed; draws nothing.

    app.py calls it before it runs a page with charts: the browser then loads and parses
    plotly.js (a second on a busy laptop) while the server imports the page, reads the run
    and builds figures.
    """
    data = {"preload": True, "plotly": plotly_js(PlotlyBundle.CARTESIAN)}
    CHART(key="plotly-preload", data=data, height="content")
