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
