"""Plotly charts that keep the reader's zoom and legend choices while a run refreshes them.

``st.plotly_chart`` mounts a new graph whenever its figure changes (Streamlit 1.67 builds
the element's id from the figure), so a live refresh that brings a trial throws away
the reader's zoom: Plotly's ``uirevision`` needs the same graph to be updated in place.
This is a small version-2 custom component that does exactly that: one element per chart
key, kept across refreshes, whose script (``live_chart_frontend/live_chart.js``) hands each
new figure to ``Plotly.react`` on the same graph div. It runs in the app's page, not in an
iframe, so a page with three charts loads plotly.js once, not three times, and no window
message is ever needed (see docs/dashboard.md).

Which plotly.js a page loads, and the component itself, are in ``plotly_js.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import plotly.graph_objects as go

from pages._shared.plotly_js import CHART, PlotlyBundle, plotly_js
from tuning import RunSnapshot, add_baselines


@dataclass(frozen=True)
class Encoded:
    """A figure as the browser gets it: its JSON, and the plotly.js bundle that draws it."""

    spec: str
    bundle: PlotlyBundle

    @classmethod
    def of(cls, figure: go.Figure) -> Encoded:
        return cls(figure.to_json(), PlotlyBundle.for_figure(figure))


def live_plotly_chart(figure: go.Figure | Encoded, key: str, alt: str) -> None:
    """Draw ``figure``; on later runs with the same ``key``, update that graph in place.

    Only ``key`` identifies the chart, so its data can change from run to run without
    remounting it. The figure's ``uirevision`` decides what survives an update: keep it
    while the reader looks at the same thing, change it to reset their zoom.
    """
    chart = figure if isinstance(figure, Encoded) else Encoded.of(figure)
    data = {"spec": chart.spec, "alt": alt, "key": key, "plotly": plotly_js(chart.bundle)}
    CHART(key=key, data=data, height="content")


def shared_chart(
    snapshot: RunSnapshot, key: str, alt: str, make: Callable[[], go.Figure], *choices: Hashable
) -> None:
    """A live chart of ``snapshot``, made by ``make()`` and encoded once for every session
    that draws this snapshot with the same ``choices`` (the reader's toggles that ``make``
    depends on): a live run's visitors share its snapshot between two of its changes, and
    building and encoding a figure is most of what a refresh costs the server."""
    live_plotly_chart(snapshot.derived((key, *choices), lambda: Encoded.of(make())), key=key, alt=alt)


def chart_with_baselines(figure: go.Figure, lines: list[tuple[str, float]], key: str, alt: str) -> None:
    """A live trial chart with the run's baselines as labelled dotted reference lines."""
    live_plotly_chart(add_baselines(figure, lines), key=key, alt=alt)
