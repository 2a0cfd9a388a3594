"""Reading the dashboard's charts in the browser: each is a Plotly graph in the page.

``pages/_shared/live_chart.py`` draws every chart in the element container that carries
the chart's key (``.st-key-history``).
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def live_chart(page: Page, key: str) -> Locator:
    """The Plotly graph div of the chart with Streamlit key ``key``."""
    return page.locator(f".st-key-{key} .js-plotly-plot")


def trace_length(plot: Locator, name: str) -> int:
    """How many points the trace called ``name`` draws (0 when there is no such trace)."""
    return int(
        plot.evaluate(
            "(plot, name) => { const t = plot._fullData.find(t => t.name === name); return t ? t._length : 0; }",
            name,
        )
    )


# Every script the page fetched whose name says Plotly: our two bundles, and the chunk in
# which Streamlit's own st.plotly_chart carries a plotly.js of its own (PlotlyChart.*.js).
_PLOTLY_FILES = (
    "() => performance.getEntriesByType('resource').map(e => e.name.split('?')[0].split('/').pop())"
    ".filter(n => n.toLowerCase().includes('plotly'))"
)


def plotly_files(page: Page) -> list[str]:
    """The plotly.js the page fetched, sorted: "cartesian", "full", "st.plotly_chart"."""
    kinds = {"plotly-cartesian.min.js": "cartesian", "plotly.min.js": "full"}
    return sorted(kinds.get(name, "st.plotly_chart") for name in page.evaluate(_PLOTLY_FILES))
