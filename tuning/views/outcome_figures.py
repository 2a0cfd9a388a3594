"""Figures of the winner on test rows and of the baselines: drawing only (``views.outcome`` computes).

Baselines are horizontal reference lines (layout shapes, labelled), so they sit behind
the trials on any trial chart, span its whole width whatever the zoom, and add no trace
that would shift the chart's legend or trace order between refreshes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tuning.views.figures import plain_text
from tuning.views.formatting import fmt_score

BASELINE_COLOR = "#6C6C6C"
DIAGONAL_COLOR = "#999999"
POINT_COLOR = "#0072B2"
BASELINE_DASHES = ("dot", "dash", "dashdot")
#: Where each line's label sits, so three close lines keep their labels apart: at the left
#: above the line, at the left below it, at the right above it (x across the chart's width).
LABEL_POSITIONS = ((0, "left", "bottom"), (0, "left", "top"), (1, "right", "bottom"))


#: How far below the chart's top each label of a baseline above it sits (a share of its height).
ABOVE_STEP = 0.07


def add_baselines(fig: go.Figure, lines: list[tuple[str, float]], ceiling: float | None = None) -> go.Figure:
    """A labelled dotted line at each baseline's score (e.g. "baseline: logistic regression").

    A baseline above ``ceiling`` (the loss chart's fence) is a label at the chart's top
    instead ("baseline: mean 11,640, above the chart"): its line stretched the axis ten
    times past the trials, which lay flat along the bottom.

    The lines and labels are what ``fig.add_hline`` makes, written as layout entries in one
    update: ``add_hline`` checks the whole layout again for each line, 10 ms a line on
    every live refresh of a chart.
    """
    shapes, labels = [], []
    above = [(label, value) for label, value in lines if ceiling is not None and value > ceiling]
    for i, (label, value) in enumerate(above):
        labels.append(
            dict(
                text=f"baseline: {plain_text(label)} {fmt_score(value)}, above the chart",
                font=dict(size=11, color=BASELINE_COLOR), showarrow=False,
                xref="x domain", x=1, xanchor="right", yref="y domain", y=1 - i * ABOVE_STEP, yanchor="top",
            )
        )  # fmt: skip
    drawn = [(label, value) for label, value in lines if (label, value) not in above]
    for i, (label, value) in enumerate(drawn):
        dash = BASELINE_DASHES[i % len(BASELINE_DASHES)]
        x, xanchor, yanchor = LABEL_POSITIONS[i % len(LABEL_POSITIONS)]
        shapes.append(
            dict(
                type="line", name=f"baseline: {label}", xref="x domain", x0=0, x1=1, yref="y", y0=value,
                y1=value, line=dict(color=BASELINE_COLOR, width=1.5, dash=dash),
            )
        )  # fmt: skip
        labels.append(
            dict(
                text=f"baseline: {plain_text(label)} {fmt_score(value)}",
                font=dict(size=11, color=BASELINE_COLOR), showarrow=False,
                xref="x domain", x=x, xanchor=xanchor, yref="y", y=value, yanchor=yanchor,
            )
        )  # fmt: skip
    if shapes:
        fig.update_layout(
            shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *labels]
        )
    return fig


def confusion_figure(frame: pd.DataFrame) -> go.Figure:
    """Test rows by actual class (rows) and predicted class (columns); the diagonal is right."""
    counts = frame.to_numpy()
    classes = [str(c) for c in frame.columns]  # a class label comes from the user's file
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig = go.Figure(
        go.Heatmap(
            z=shares,
            x=[plain_text(c) for c in classes],
            y=[plain_text(c) for c in frame.index],
            text=counts,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar=dict(title=dict(text="share of the actual class", side="right")),
            hovertemplate="actual %{y}<br>predicted %{x}<br>%{text} rows (%{z:.0%})<extra></extra>",
            uid="confusion",
        )
    )
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=30, b=10), uirevision="confusion")
    # category axes: classes 0, 1, 2 are names, and plotly.js would space them as numbers
    fig.update_xaxes(title_text="predicted class", side="bottom", type="category")
    fig.update_yaxes(title_text="actual class", autorange="reversed", type="category")
    return fig


def prediction_figure(frame: pd.DataFrame, unit: str) -> go.Figure:
    """Predicted against actual target values of the test rows, with the line of perfect predictions."""
    unit = plain_text(unit)  # a CSV's target name
    low = float(min(frame["actual"].min(), frame["predicted"].min()))
    high = float(max(frame["actual"].max(), frame["predicted"].max()))
    fig = go.Figure(
        [
            go.Scatter(
                x=[low, high], y=[low, high], mode="lines", name="perfect prediction", uid="diagonal",
                line=dict(color=DIAGONAL_COLOR, dash="dash"), hoverinfo="skip",
            ),
            go.Scatter(
                x=frame["actual"].to_numpy(), y=frame["predicted"].to_numpy(), mode="markers",
                name="test rows", uid="test-rows", marker=dict(color=POINT_COLOR, size=6, opacity=0.7),
                hovertemplate=f"actual %{{x:.4g}} {unit}<br>predicted %{{y:.4g}} {unit}<extra></extra>",
            ),
        ]
    )  # fmt: skip
    fig.update_layout(
        height=360, margin=dict(l=10, r=10, t=30, b=10), uirevision="predictions",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
    )  # fmt: skip
    fig.update_xaxes(title_text=f"actual ({unit})")
    fig.update_yaxes(title_text=f"predicted ({unit})")
    return fig
