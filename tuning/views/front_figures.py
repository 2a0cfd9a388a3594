"""Plotly figures of a run's trade-offs (``tuning.views.front_data``): drawing only.

Two objectives: a scatter of every trial with the front as a step line, the boundary of
what the front dominates. Three: one such scatter per pair of objectives, the front's
trials marked (a projection of a front of three is no front of two, so no line). A run of
one objective with bounds: its score by trial number, the trials that break a bound drawn
apart. Like every live chart, stable ``uid``s and ``uirevision`` keep a reader's zoom.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tuning.views.figures import BEST_COLOR, STATE_COLORS, _layout, plain_text
from tuning.views.front_data import FrontPoints, PointKind

#: kind → (legend name, colour, symbol, size)
MARKS = {
    PointKind.OTHER: ("other trials", STATE_COLORS["complete"], "circle", 6),
    PointKind.INFEASIBLE: ("breaks a bound", STATE_COLORS["failed"], "x", 7),
    PointKind.FRONT: ("the front", BEST_COLOR, "circle", 9),
}
WINNER_COLOR = "#d62728"


def front_figure(points: FrontPoints, x: str, y: str, revision: str) -> go.Figure:
    """Objective ``y`` against ``x`` for every drawn trial; the front's step line when the run
    has exactly these two objectives; the winner as a star."""
    frame = points.frame
    fig = go.Figure()
    for kind, (name, colour, symbol, size) in MARKS.items():
        part = frame[frame["kind"] == kind.value]
        fig.add_trace(_markers(part, x, y, points, name, kind.value, colour, symbol, size))
    if points.axes == [(x, y)] and x in points.minimised:
        line = frame[frame["kind"] == PointKind.FRONT.value].sort_values([x, y])
        shape = "hv" if points.minimised[x] else "vh"  # the boundary of what the front dominates
        fig.add_trace(
            go.Scatter(
                x=line[x].to_numpy(), y=line[y].to_numpy(), mode="lines", name="front line", uid="front-line",
                line=dict(color=BEST_COLOR, width=2, shape=shape), hoverinfo="skip", showlegend=False,
            )
        )  # fmt: skip
    winner = frame[frame["winner"]]
    fig.add_trace(_markers(winner, x, y, points, "winner (tested)", "winner", WINNER_COLOR, "star", 16))
    x_title = points.titles[x] + (f" · {points.note}" if points.note else "")
    fig = _layout(fig, f"{revision}:{x}:{y}", x_title, points.titles[y], log_y=y in points.logs, height=400)
    return fig.update_xaxes(type="log" if x in points.logs else "linear")


def _markers(
    part: pd.DataFrame,
    x: str,
    y: str,
    points: FrontPoints,
    name: str,
    uid: str,
    colour: str,
    symbol: str,
    size: int,
) -> go.Scatter:
    """One group of points, each hovering with its trial number and every objective."""
    names = [c for c in points.minimised]
    hover = "trial %{customdata[0]}" + "".join(
        f"<br>{plain_text(points.titles[c])}: %{{customdata[{i + 1}]:.5g}}" for i, c in enumerate(names)
    )
    data = np.column_stack([part["number"].to_numpy(), *(part[c].to_numpy() for c in names)])
    return go.Scatter(
        x=part[x].to_numpy(),
        y=part[y].to_numpy(),
        mode="markers",
        name=name,
        uid=uid,
        ids=part["number"].astype(str).to_numpy(dtype=object),  # each point's trial, stable across refreshes
        marker=dict(color=colour, symbol=symbol, size=size, line=dict(width=0)),
        opacity=0.55 if uid == PointKind.OTHER.value else 1.0,
        customdata=data,
        hovertemplate=hover + "<extra></extra>",
    )
