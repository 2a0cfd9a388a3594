"""Plotly figures of the frames in ``tuning.views.chart_data``: drawing only, no computing.

Every figure sets ``uirevision`` and gives its traces stable ``uid``s, so a renderer
that updates one graph in place (the dashboard's live chart, see docs/dashboard.md)
keeps the user's zoom and hidden legend entries across refreshes. Each figure titles its
axes with units and explains each point on hover. Colours are fixed per strategy (its registry entry) and per
trial state, from the Okabe-Ito palette, which stays distinct for colour-blind readers
and on light and dark backgrounds alike.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tuning.definition.space import Choice, Param, Range
from tuning.definition.strategies import STRATEGIES, Strategy
from tuning.views.chart_data import CurveSelection, param_columns
from tuning.views.history import HistoryPoints
from tuning.views.summary import PARAM_PREFIX

STATE_COLORS = {
    "complete": "#56B4E9",
    "running": "#E69F00",
    "pruned": "#999999",
    "failed": "#D55E00",
    "waiting": "#BBBBBB",
}
BEST_COLOR = "#009E73"
DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
WEBGL_FROM = 1000  # points; SVG draws one DOM node per point, WebGL does not


def plain_text(text: object) -> str:
    """``text`` as Plotly shows it literally: Plotly renders a subset of HTML in titles,
    names and hover text (``<a href>`` links, ``<b>``, ``<br>``), so a CSV column named
    ``<a href="javascript:…">`` would be a link in every viewer's chart. Escaped, it is text.
    Every name from outside (a CSV's target, a run's name) reaches a figure through this."""
    return html.escape(str(text), quote=True)


def _layout(
    fig: go.Figure, revision: str, x_title: str, y_title: str, log_y: bool, height: int = 380
) -> go.Figure:
    fig.update_layout(
        # A zoom on a linear axis means nothing on a log one: switching resets it.
        uirevision=f"{revision}:{'log' if log_y else 'linear'}",
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        hovermode="closest",
    )
    fig.update_xaxes(title_text=plain_text(x_title))
    fig.update_yaxes(title_text=plain_text(y_title), type="log" if log_y else "linear")
    return fig


def _scatter(count: int) -> type[go.Scatter] | type[go.Scattergl]:
    return go.Scattergl if count >= WEBGL_FROM else go.Scatter


def params_hover(frame: pd.DataFrame) -> list[str]:
    """One hover line per parameter, e.g. ``lr = 0.001``, for each trial row.

    Built column by column (vectorised), since a Python loop over 5,000 trials × 7
    parameters would cost a live refresh about a tenth of a second.
    """
    lines = [
        f"{column[len(PARAM_PREFIX) :]} = " + _formatted(frame[column]) for column in param_columns(frame)
    ]
    if not lines:
        return [""] * len(frame)
    text = lines[0]
    for line in lines[1:]:
        text = text + "<br>" + line
    return text.tolist()


def _formatted(column: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(column):
        return column.map("{:.4g}".format)
    return column.astype(str)


HISTORY_TRACES = {  # state → legend name, marker symbol
    "complete": ("complete", "circle"),
    "pruned": ("pruned (last epoch)", "x"),
    "failed": ("failed (last epoch)", "square"),
}


def history_figure(history: HistoryPoints, loss_title: str, log_y: bool, revision: str) -> go.Figure:
    """Each trial's loss against its number, by state, with the best-so-far staircase.

    What ``history`` left out (slices of a big run, clipped wild losses) is said on the
    chart itself, in the x axis's title. Past ``WEBGL_FROM`` points everything is drawn with
    WebGL (which Plotly layers above SVG, so the best line must be WebGL too to stay on top),
    with smaller markers.
    """
    fig = go.Figure()
    points, steps = history.points, history.steps
    trace = _scatter(len(points))
    size, opacity = (7, 0.9) if trace is go.Scatter else (4, 0.6)
    for uid, name, color, symbol, part in _point_groups(points):
        if part.empty:
            continue
        fig.add_trace(
            trace(
                x=part["number"].to_numpy(dtype=np.int32),
                y=part["loss"].to_numpy(dtype=np.float32),
                mode="markers",
                name=name,
                uid=uid,
                marker=dict(
                    color=color,
                    symbol=symbol,
                    size=size * (1.6 if symbol == "star" else 1),
                    line=dict(width=0),
                ),
                opacity=opacity,
                text=params_hover(part),
                customdata=part["duration_s"].to_numpy(dtype=np.float32),
                hovertemplate="trial %{x}<br>loss %{y:.5g}<br>%{customdata:.1f} s<br>%{text}<extra></extra>",
            )
        )
    if not steps.empty:
        fig.add_trace(
            trace(
                x=steps["number"].to_numpy(dtype=np.int32),
                y=steps["best_so_far"].to_numpy(),
                mode="lines",
                name="best so far",
                uid="best",
                line=dict(color=BEST_COLOR, width=3, shape="hv"),
                hovertemplate="best so far %{y:.5g} (after trial %{x})<extra></extra>",
            )
        )
    x_title = "trial number" + (f" · {history.note}" if history.note else "")
    return _layout(fig, revision, x_title, loss_title, log_y)


#: Trials the strategy did not propose get their own marker and legend entry.
ORIGIN_MARKS = {"hand-picked": ("star", "#d62728"), "inherited": ("diamond", "#7f7f7f")}


def _point_groups(points: pd.DataFrame) -> list[tuple[str, str, str, str, pd.DataFrame]]:
    """(uid, legend name, colour, symbol, rows) of each group of points the history draws."""
    origin = points["origin"] if "origin" in points else pd.Series("sampled", index=points.index)
    sampled = origin == "sampled"
    groups = [
        (state, name, STATE_COLORS[state], symbol, points[sampled & (points["state"] == state)])
        for state, (name, symbol) in HISTORY_TRACES.items()
    ]
    for name, (symbol, color) in ORIGIN_MARKS.items():
        groups.append((name, name, color, symbol, points[origin == name]))
    return groups


def curves_figure(selection: CurveSelection, loss_title: str, log_y: bool, revision: str) -> go.Figure:
    """Per-epoch validation loss of the chosen trials; running ones dashed, the best bold."""
    fig = go.Figure()
    for rank, (number, part) in enumerate(selection.frame.groupby("number", sort=False)):
        running = part["state"].iloc[0] == "running"
        color = (
            STATE_COLORS["running"] if running else (BEST_COLOR if rank == 0 else STATE_COLORS["complete"])
        )
        fig.add_trace(
            go.Scatter(
                x=part["epoch"].to_numpy(),
                y=part["loss"].to_numpy(),
                mode="lines",
                name=str(part["label"].iloc[0]),
                uid=f"trial-{number}",  # a trial hidden in the legend stays hidden
                line=dict(
                    color=color,
                    width=3 if rank == 0 and not running else 1.5,
                    dash="dash" if running else "solid",
                ),
                opacity=1.0 if running or rank == 0 else 0.7,
                hovertemplate=f"trial {number}<br>epoch %{{x}}<br>loss %{{y:.5g}}<extra></extra>",
            )
        )
    return _layout(fig, revision, "epoch", loss_title, log_y)


def parallel_figure(
    frame: pd.DataFrame, space: dict[str, Param], loss_title: str, revision: str
) -> go.Figure:
    """One line per complete trial through its parameters to its loss, coloured by loss.

    Log-scaled ranges are drawn on log10 axes with readable ticks; categorical values get
    one tick each. When some trials were hand-picked or inherited, a first axis says which
    (drag along it to see only those).
    """
    origins = frame["origin"] if "origin" in frame else pd.Series(dtype=object)
    marked = [o for o in ORIGIN_MARKS if (origins == o).any()]
    dimensions = [_dimension("origin", origins, Choice(("sampled", *marked)))] if marked else []
    dimensions += [
        _dimension(name[len(PARAM_PREFIX) :], frame[name], space.get(name[len(PARAM_PREFIX) :]))
        for name in param_columns(frame)
    ]
    dimensions.append(dict(label="score", values=frame["value"].to_numpy()))
    fig = go.Figure(
        go.Parcoords(
            dimensions=dimensions,
            uirevision=revision,
            line=dict(
                color=frame["value"].to_numpy(),
                colorscale="Viridis",
                reversescale=True,
                showscale=True,
                colorbar=dict(title=dict(text=plain_text(loss_title), side="right")),
            ),
        )
    )
    fig.update_layout(uirevision=revision, height=400, margin=dict(l=60, r=40, t=50, b=20))
    return fig


def _dimension(label: str, values: pd.Series, param: Param | None) -> dict[str, Any]:
    if isinstance(param, Range) and param.log:
        logs = np.log10(values.astype(float).to_numpy())
        ticks = list(range(math.floor(np.nanmin(logs)), math.ceil(np.nanmax(logs)) + 1)) if len(logs) else []
        return dict(label=f"{label} (log)", values=logs, tickvals=ticks, ticktext=[f"1e{t}" for t in ticks])
    numeric = pd.api.types.is_numeric_dtype(values) and not isinstance(param, Choice)
    if numeric:
        return dict(label=label, values=values.to_numpy())
    options = list(param.options) if isinstance(param, Choice) else sorted(values.dropna().unique(), key=str)
    codes = {option: i for i, option in enumerate(options)}
    return dict(
        label=label,
        values=[codes.get(v, -1) for v in values],
        tickvals=list(codes.values()),
        ticktext=[str(o) for o in options],
    )


def race_figure(race: pd.DataFrame, x: str, x_title: str, loss_title: str, log_y: bool) -> go.Figure:
    """Best-so-far of several runs on one axis: a colour per strategy, a dash per run."""
    fig = go.Figure()
    seen: dict[str, int] = {}
    for run_name, part in race.groupby("run", sort=False):
        run = plain_text(run_name)
        strategy = str(part["strategy"].iloc[0])
        dash = DASHES[seen.get(strategy, 0) % len(DASHES)]
        seen[strategy] = seen.get(strategy, 0) + 1
        fig.add_trace(
            go.Scatter(
                x=part[x].to_numpy(),
                y=part["best_so_far"].to_numpy(),
                mode="lines+markers" if len(part) <= 60 else "lines",
                name=f"{run} ({strategy})",
                uid=str(run_name),
                line=dict(color=STRATEGIES[Strategy(strategy)].colour, width=2.5, shape="hv", dash=dash),
                marker=dict(size=5),
                customdata=part["number"].to_numpy(),
                hovertemplate=f"{run}<br>{plain_text(x_title)}: %{{x:.4g}}<br>best %{{y:.5g}}"
                "<br>found by trial %{customdata}<extra></extra>",
            )
        )
    runs = "|".join(sorted(str(run) for run in race["run"].unique()))
    return _layout(fig, f"race-{x}:{runs}", x_title, loss_title, log_y, height=360)  # new runs: new view
