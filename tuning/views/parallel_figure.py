"""Parallel coordinates for the Monitor, in SVG: one line per trial through its
hyperparameters to its score.

Drawn with cartesian scatter lines, not ``go.Parcoords``: the WebGL parcoords took 1.5 s of
a Monitor's first draw in software rendering (500 lines × 7 axes; this figure about
0.25 s, see docs/dashboard.md), needs WebGL, and is the Monitor's only trace outside
plotly.js's cartesian bundle. The brushable parcoords is the Analysis page's "Parallel
coordinates" view (``tuning/views/analysis.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from tuning.definition.space import Choice, Param, Range
from tuning.reading.records import PARAM_PREFIX
from tuning.views.chart_data import param_columns
from tuning.views.figures import ORIGIN_MARKS, formatted_values, plain_text


def parallel_figure(
    frame: pd.DataFrame, space: dict[str, Param], loss_title: str, revision: str, *, maximize: bool = False
) -> go.Figure:
    """One line per complete trial through its parameters to its score, coloured by score.

    Drawn in SVG with cartesian scatter lines, not ``go.Parcoords``: the WebGL parcoords
    took 1.5 s of a Monitor's first draw in software rendering (500 lines × 7 axes; this
    figure about 0.25 s, see docs/dashboard.md), needs WebGL, and is the Monitor's only
    trace outside plotly.js's cartesian bundle. The brushable parcoords is the Analysis
    page's "Parallel coordinates" view.

    Each axis is scaled to [0, 1] on its own: log10 for log ranges, one position per option
    for choices, linear between the space's bounds otherwise. When some trials were
    hand-picked or inherited, a first axis says which. The best scores (the lowest, or the
    highest when ``maximize``) are yellow and drawn on top.
    """
    axes = _parallel_axes(frame, space)
    score = axes[-1].y
    goodness = np.nan_to_num(score if maximize else 1 - score, nan=0.0)
    numbers = frame["number"].to_numpy(dtype=np.int64)
    fig = go.Figure(
        [
            *_line_traces(axes, numbers, goodness),
            _tick_labels(axes),
            _colorbar_trace(frame, len(axes), maximize, loss_title),
        ]
    )
    fig.update_layout(
        uirevision=revision,
        height=400,
        margin=dict(l=16, r=120, t=40, b=10),  # the colour bar's labels, in one drawing pass (figures.MARGIN)
        showlegend=False,
        hovermode="closest",
        shapes=[_axis_line(i) for i in range(len(axes))],
    )
    fig.update_xaxes(
        range=[-0.15, len(axes) - 0.4],  # room right of the score axis for its tick labels
        tickvals=list(range(len(axes))),
        ticktext=[axis.label for axis in axes],
        side="top",
        showgrid=False,
        zeroline=False,
        fixedrange=True,
    )
    fig.update_yaxes(visible=False, range=[-0.04, 1.04], fixedrange=True)
    return fig


PARALLEL_BANDS = 9  # colour bands, one trace each: 500 lines cost nine SVG paths, not 500
PARALLEL_TICKS = 5  # the most tick labels on a numeric axis
AXIS_LINE_COLOR = "rgba(128, 128, 128, 0.9)"  # reads on the light and the dark theme


@dataclass(frozen=True)
class ParallelAxis:
    """One vertical axis of the parallel coordinates, every text already escaped.

    ``y``: each trial's height on it, in [0, 1] (NaN where the trial has no value);
    ``shown``: each trial's hover text, ``lr = 0.001``; ``ticks``: (height, label) pairs.
    """

    label: str
    y: np.ndarray
    shown: np.ndarray
    ticks: list[tuple[float, str]]


def _parallel_axes(frame: pd.DataFrame, space: dict[str, Param]) -> list[ParallelAxis]:
    """The origin axis (only when some trials were not sampled), each parameter's, the score's."""
    origins = frame["origin"] if "origin" in frame else pd.Series("sampled", index=frame.index)
    marked = [o for o in ORIGIN_MARKS if (origins == o).any()]
    axes = [_choice_axis("origin", origins, ("sampled", *marked))] if marked else []
    for column in param_columns(frame):
        name = column[len(PARAM_PREFIX) :]
        axes.append(_param_axis(name, frame[column], space.get(name)))
    axes.append(_number_axis("score", frame["value"], None))
    return axes


def _param_axis(name: str, values: pd.Series, param: Param | None) -> ParallelAxis:
    """A log, choice or linear axis, as the space says (as the values say when it does not)."""
    if isinstance(param, Range) and param.log:
        return _log_axis(name, values, param)
    if isinstance(param, Choice) or not pd.api.types.is_numeric_dtype(values):
        options = param.options if isinstance(param, Choice) else ()
        return _choice_axis(name, values, options)
    if isinstance(param, Range):
        return _number_axis(name, values, (param.low, param.high), whole=param.kind is int)
    return _number_axis(name, values, None, whole=pd.api.types.is_integer_dtype(values))


def _extent(values: np.ndarray, bounds: tuple[float, float] | None) -> tuple[float, float]:
    """The axis's ends: the space's bounds when known (they never move, so a live refresh
    does not shift every line), widened to any value beyond them; else the values' own."""
    finite = values[np.isfinite(values)]
    ends = [*bounds] if bounds else []
    ends += [float(finite.min()), float(finite.max())] if finite.size else []
    return (min(ends), max(ends)) if ends else (0.0, 0.0)


def _scaled(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``values`` mapped from [low, high] onto [0, 1]; a constant axis puts them in the middle."""
    if high <= low:
        return np.where(np.isfinite(values), 0.5, np.nan)
    return (values - low) / (high - low)


def _number_axis(
    label: str, values: pd.Series, bounds: tuple[float, float] | None, whole: bool = False
) -> ParallelAxis:
    """A linear axis with 3-5 round tick values between its ends (whole ones when ``whole``)."""
    raw = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    low, high = _extent(raw, bounds)
    ticks = [(float(y), f"{t:.4g}") for t, y in zip(*_round_ticks(low, high, whole), strict=True)]
    return ParallelAxis(plain_text(label), _scaled(raw, low, high), _shown(label, values), ticks)


def _round_ticks(low: float, high: float, whole: bool) -> tuple[np.ndarray, np.ndarray]:
    """Round values (steps of 1, 2, 2.5 or 5 × 10^k, at least 1 when ``whole``) from ``low``
    to ``high``, and their heights."""
    if high <= low:
        return np.array([low]), np.array([0.5])
    wanted = max((high - low) / (PARALLEL_TICKS - 1), 1.0 if whole else 0.0)
    magnitude = 10 ** math.floor(math.log10(wanted))
    steps = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)  # 2.5 × 1 is not whole
    step = next(m * magnitude for m in steps if m * magnitude >= wanted * (1 - 1e-9))
    values = np.arange(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1) * step
    return values, _scaled(values, low, high)


def _log_axis(label: str, values: pd.Series, param: Range) -> ParallelAxis:
    """A log10 axis ticked at its whole decades (``1e-3``), and at its ends when it spans
    too few decades to read a value from."""
    raw = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    logs = np.full(len(raw), np.nan)
    np.log10(raw, out=logs, where=raw > 0)
    low, high = _extent(logs, (math.log10(param.low), math.log10(param.high)))
    decades = list(range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1))
    marks = [(float(d), f"1e{d}") for d in decades[:: max(1, math.ceil(len(decades) / PARALLEL_TICKS))]]
    if len(marks) < 3:
        marks += [
            (end, _power_text(end))
            for end in dict.fromkeys((low, high))
            if all(abs(end - at) > 0.1 * (high - low) for at, _ in marks)
        ]
    heights = _scaled(np.array([at for at, _ in marks]), low, high)
    ticks = sorted(zip(heights.tolist(), (text for _, text in marks), strict=True))
    return ParallelAxis(plain_text(f"{label} (log)"), _scaled(logs, low, high), _shown(label, values), ticks)


def _power_text(log10_value: float) -> str:
    """10**``log10_value`` in two digits, short: ``8``, ``2.6e2``, ``3e-5``."""
    text = f"{10**log10_value:.2g}"
    return text.replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")


def _choice_axis(label: str, values: pd.Series, options: Sequence[object]) -> ParallelAxis:
    """One evenly spaced position per option, in the space's order; values the space does
    not list (a trial of an older space) come after, by name, rather than disappear."""
    extra = sorted((v for v in values.dropna().unique() if v not in options), key=str)
    known = [*options, *extra]
    codes = {option: i for i, option in enumerate(known)}
    heights = [i / (len(known) - 1) if len(known) > 1 else 0.5 for i in range(len(known))]
    y = values.map(codes).to_numpy(dtype=float)
    y = np.where(np.isnan(y), np.nan, np.take(heights, np.nan_to_num(y).astype(int)))
    ticks = [(heights[i], plain_text(option)) for i, option in enumerate(known)]
    return ParallelAxis(plain_text(label), y, _shown(label, values), ticks)


def _shown(name: str, values: pd.Series) -> np.ndarray:
    """Each trial's hover line, ``lr = 0.001`` (4 significant digits for floats), escaped: only
    text can hold markup, and escaping numbers too would cost a live refresh milliseconds for nothing."""
    shown = formatted_values(values)
    if not pd.api.types.is_numeric_dtype(values):
        shown = shown.map(plain_text)
    return (f"{plain_text(name)} = " + shown).to_numpy(dtype=object)


def _line_traces(axes: list[ParallelAxis], numbers: np.ndarray, goodness: np.ndarray) -> list[go.Scatter]:
    """The trials' lines in colour bands, worst first so the best are drawn on top.

    Each band is one trace whose lines are separated by a NaN gap; each vertex hovers
    with its trial's number, the axis and the value.
    """
    count = len(axes)
    gap = np.full(len(numbers), np.nan)
    y = np.column_stack([*(axis.y for axis in axes), gap])
    text = np.column_stack([*(axis.shown for axis in axes), np.full(len(numbers), "", dtype=object)])
    x = np.append(np.arange(count, dtype=float), np.nan)
    bands = np.minimum((goodness * PARALLEL_BANDS).astype(int), PARALLEL_BANDS - 1)
    colors = sample_colorscale("Viridis", [(band + 0.5) / PARALLEL_BANDS for band in range(PARALLEL_BANDS)])
    traces = []
    for band in range(PARALLEL_BANDS):
        rows = bands == band
        if not rows.any():
            continue
        traces.append(
            go.Scatter(
                x=np.tile(x, int(rows.sum())).astype(np.float32),  # half the JSON of float64
                y=y[rows].ravel().astype(np.float32),
                text=text[rows].ravel(),
                customdata=np.repeat(numbers[rows], count + 1).astype(np.int32),
                mode="lines",
                uid=f"band-{band}",
                line=dict(color=colors[band], width=1.2),
                opacity=0.6,
                hovertemplate="trial %{customdata}<br>%{text}<extra></extra>",
            )
        )
    return traces


def _colorbar_trace(frame: pd.DataFrame, count: int, maximize: bool, loss_title: str) -> go.Scatter:
    """An invisible trace that only carries the score's colour bar: the best end yellow."""
    low, high = _extent(pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float), None)
    return go.Scatter(
        x=[count - 1, count - 1],
        y=[0.0, 1.0],
        mode="markers",
        uid="colorbar",
        hoverinfo="skip",
        marker=dict(
            size=1,
            opacity=0,
            color=[low, high],
            cmin=low,
            cmax=high,
            colorscale="Viridis",
            reversescale=not maximize,
            showscale=True,
            colorbar=dict(title=dict(text=plain_text(loss_title), side="right"), thickness=14),
        ),
    )


def _axis_line(index: int) -> dict[str, Any]:
    return dict(
        type="line",
        xref="x",
        yref="y",
        x0=index,
        x1=index,
        y0=0,
        y1=1,
        line=dict(color=AXIS_LINE_COLOR, width=1.5),
    )


def _tick_labels(axes: list[ParallelAxis]) -> go.Scatter:
    """Every axis's tick labels, just right of its line, as one text trace: in Chromium it
    draws in a fraction of the time of one layout annotation per label."""
    ticks = [(index, y, text) for index, axis in enumerate(axes) for y, text in axis.ticks]
    return go.Scatter(
        x=[index for index, _, _ in ticks],
        y=[y for _, y, _ in ticks],
        text=[text for _, _, text in ticks],
        mode="text",
        textposition="middle right",
        textfont=dict(size=10),
        uid="ticks",
        hoverinfo="skip",
        cliponaxis=False,  # a label at an axis's end may reach past the plot's edge
    )
