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

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tuning.definition.strategies import STRATEGIES, Strategy
from tuning.reading.records import PARAM_PREFIX
from tuning.views.chart_data import CurveSelection, param_columns
from tuning.views.formatting import D3_SCORE
from tuning.views.history import HistoryPoints

STATE_COLORS = {
    "complete": "#56B4E9",
    "running": "#E69F00",
    "pruned": "#999999",
    "failed": "#D55E00",
    "waiting": "#BBBBBB",
}
BEST_COLOR = "#009E73"
#: One colour per running trial in the learning curves: Okabe-Ito's warm ones and blue, then
#: Paul Tol's muted ones, none of them the complete trials' sky blue or the best's green.
RUNNING_COLORS = (
    "#E69F00", "#D55E00", "#CC79A7", "#0072B2", "#332288", "#882255", "#44AA99", "#999933", "#DDCC77",
    "#CC6677",
)  # fmt: skip
DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
DENSE_FROM = 1000  # points: from here smaller, fainter markers, so a dense cloud stays readable
#: An axis of trial numbers or epochs up to this one ticks every whole number: left to
#: itself Plotly ticked a three-trial run at 0.5, 1, 1.5 and a few epochs at 1.2, 1.4, …
WHOLE_TICKS_UP_TO = 10
#: Room for the usual tick labels and axis titles, and per row of the legend above the plot
#: (``_margins``). The dashboard draws its axes with Plotly's automargin, so a longer label
#: still fits, but what does not fit the margins costs a second drawing pass: 40 % of a
#: chart's drawing time (history of 10,000 trials: 160 ms, 95 ms in one pass). Margins
#: wider than needed cost only space.
MARGIN = dict(l=60, r=20, b=50)
TOP_PX, LEGEND_ROW_PX = 22, 19
#: A chart's width beside another on a 1,400 px window (the Monitor's, Compare's), where
#: the legend's rows are counted; legend entries are about 40 px plus 6 px a character.
LEGEND_WIDTH_PX, ENTRY_PX, CHARACTER_PX = 540, 40, 6


def plain_text(text: object) -> str:
    """``text`` as Plotly shows it literally: Plotly renders a subset of HTML in titles,
    names and hover text (``<a href>`` links, ``<b>``, ``<br>``), so a CSV column named
    ``<a href="javascript:…">`` would be a link in every viewer's chart. Escaped, it is text.
    Every name from outside (a CSV's target, a run's name) reaches a figure through this."""
    return html.escape(str(text), quote=True)


def _layout(
    fig: go.Figure,
    revision: str,
    x_title: str,
    y_title: str,
    log_y: bool,
    height: int = 380,
    whole_x: bool = False,
) -> go.Figure:
    """The dashboard's layout of a chart; ``whole_x``: its x axis counts (trials, epochs)."""
    fig.update_layout(
        # A zoom on a linear axis means nothing on a log one: switching resets it.
        uirevision=f"{revision}:{'log' if log_y else 'linear'}",
        height=height,
        margin=_margins(fig),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        hovermode="closest",
    )
    fig.update_xaxes(title_text=plain_text(x_title))
    fig.update_yaxes(title_text=plain_text(y_title), type="log" if log_y else "linear")
    if whole_x:
        largest = max((max(trace.x, default=0) for trace in fig.data if trace.x is not None), default=0)
        if largest <= WHOLE_TICKS_UP_TO:
            fig.update_xaxes(dtick=1)
    return fig


def _margins(fig: go.Figure) -> dict[str, int]:
    """``MARGIN`` with room above for the legend's rows, its entries laid out as Plotly lays
    out a horizontal legend (left to right, a new row when one is full)."""
    rows, used = 1, 0
    for trace in fig.data:
        if trace.showlegend is False or not trace.name:
            continue
        entry = ENTRY_PX + CHARACTER_PX * len(trace.name)
        if used and used + entry > LEGEND_WIDTH_PX:
            rows, used = rows + 1, 0
        used += entry
    return {**MARGIN, "t": TOP_PX + LEGEND_ROW_PX * rows}


def params_hover(frame: pd.DataFrame) -> list[str]:
    """One hover line per parameter, e.g. ``lr = 0.001``, for each trial row.

    Built column by column (vectorised), since a Python loop over 5,000 trials × 7
    parameters would cost a live refresh about a tenth of a second.
    """
    lines = [
        f"{column[len(PARAM_PREFIX) :]} = " + formatted_values(frame[column])
        for column in param_columns(frame)
    ]
    if not lines:
        return [""] * len(frame)
    text = lines[0]
    for line in lines[1:]:
        text = text + "<br>" + line
    return text.tolist()


def formatted_values(column: pd.Series) -> pd.Series:
    """Each value as hover text shows it: 4 significant digits for floats."""
    if pd.api.types.is_float_dtype(column):
        return column.map("{:.4g}".format)
    return column.astype(str)


HISTORY_TRACES = {  # state → legend name, marker symbol
    "complete": ("complete", "circle"),
    "pruned": ("pruned (last epoch)", "x"),
    "failed": ("failed (last epoch)", "square"),
    "running": ("running (latest epoch, provisional)", "circle-open"),
}
HOVER = f"trial %{{x}}<br>loss %{{y:{D3_SCORE}}}<br>%{{customdata:.1f}} s<br>%{{text}}<extra></extra>"
RUNNING_HOVER = (
    f"trial %{{x}}, still training<br>latest epoch's loss %{{y:{D3_SCORE}}}<br>%{{text}}<extra></extra>"
)


def history_figure(history: HistoryPoints, loss_title: str, log_y: bool, revision: str) -> go.Figure:
    """Each trial's loss against its number, by state, with the best-so-far staircase.

    What ``history`` left out (slices of a big run, clipped wild losses) is said on the
    chart itself, in the x axis's title. It is SVG at any size: decimated to at most
    ``history.MAX_POINTS`` points it draws in a few hundred milliseconds, where WebGL
    would add its start-up (0.3 s and more in software rendering) and the full plotly.js
    bundle (pages/_shared/live_chart.py). Past ``DENSE_FROM`` points the markers are smaller.
    """
    fig = go.Figure()
    points, steps = history.points, history.steps
    size, opacity = (7, 0.9) if len(points) < DENSE_FROM else (4, 0.6)
    groups = {uid: (name, color, symbol, part) for uid, name, color, symbol, part in _point_groups(points)}
    running = groups.pop("running")
    for uid, (name, color, symbol, part) in groups.items():
        if not part.empty:
            fig.add_trace(_points(uid, name, color, symbol, part, size, opacity))
    if not steps.empty:
        fig.add_trace(
            go.Scatter(
                x=steps["number"].to_numpy(dtype=np.int32),
                y=steps["best_so_far"].to_numpy(),
                mode="lines",
                name="best so far",
                uid="best",
                line=dict(color=BEST_COLOR, width=3, shape="hv"),
                hovertemplate=f"best so far %{{y:{D3_SCORE}}} (after trial %{{x}})<extra></extra>",
            )
        )
    name, color, symbol, part = running
    if not part.empty:  # last: it comes and goes between refreshes; the legend before it stays put
        fig.add_trace(_points("running", name, color, symbol, part, size, opacity))
    x_title = "trial number" + (f" · {history.note}" if history.note else "")
    return _layout(fig, revision, x_title, loss_title, log_y, whole_x=True)


def _points(
    uid: str, name: str, color: str, symbol: str, part: pd.DataFrame, size: float, opacity: float
) -> go.Scatter:
    """One group of the history's points; an open marker gets an outline to be seen by."""
    return go.Scatter(
        x=part["number"].to_numpy(dtype=np.int32),
        y=part["loss"].to_numpy(dtype=np.float32),
        mode="markers",
        name=name,
        uid=uid,
        marker=dict(
            color=color,
            symbol=symbol,
            size=size * (1.6 if symbol == "star" else 1),
            line=dict(width=1.5 if symbol.endswith("-open") else 0, color=color),
        ),
        opacity=opacity,
        text=params_hover(part),
        customdata=part["duration_s"].to_numpy(dtype=np.float32),
        hovertemplate=RUNNING_HOVER if uid == "running" else HOVER,
    )


#: Trials the strategy did not propose get their own marker and legend entry.
ORIGIN_MARKS = {"hand-picked": ("star", "#d62728"), "inherited": ("diamond", "#7f7f7f")}


def _point_groups(points: pd.DataFrame) -> list[tuple[str, str, str, str, pd.DataFrame]]:
    """(uid, legend name, colour, symbol, rows) of each group of points the history draws:
    a running trial is provisional whatever its origin; the others are grouped by origin,
    then by state."""
    origin = points["origin"] if "origin" in points else pd.Series("sampled", index=points.index)
    running = points["state"] == "running"
    sampled = (origin == "sampled") | running
    groups = [
        (state, name, STATE_COLORS[state], symbol, points[sampled & (points["state"] == state)])
        for state, (name, symbol) in HISTORY_TRACES.items()
    ]
    for name, (symbol, color) in ORIGIN_MARKS.items():
        groups.append((name, name, color, symbol, points[(origin == name) & ~running]))
    return groups


def curves_figure(selection: CurveSelection, loss_title: str, log_y: bool, revision: str) -> go.Figure:
    """Per-epoch validation loss of the chosen trials; running ones dashed, each in a colour
    of its own (``running_colors``), the best bold."""
    fig = go.Figure()
    frame = selection.frame
    colors = running_colors(frame.loc[frame["state"] == "running", "number"].unique().tolist())
    for rank, (number, part) in enumerate(frame.groupby("number", sort=False)):
        running = part["state"].iloc[0] == "running"
        color = colors[number] if running else (BEST_COLOR if rank == 0 else STATE_COLORS["complete"])
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
                hovertemplate=f"trial {number}<br>epoch %{{x}}<br>loss %{{y:{D3_SCORE}}}<extra></extra>",
            )
        )
    return _layout(fig, revision, "epoch", loss_title, log_y, whole_x=True)


def running_colors(numbers: list[int]) -> dict[int, str]:
    """A distinct colour for each running trial, the same one on every refresh while the
    trial runs (chosen by its number; the next free one when two numbers collide)."""
    taken: dict[int, str] = {}
    for number in sorted(numbers):
        start = number % len(RUNNING_COLORS)
        free = [RUNNING_COLORS[(start + i) % len(RUNNING_COLORS)] for i in range(len(RUNNING_COLORS))]
        taken[number] = next((c for c in free if c not in taken.values()), free[0])
    return taken


def race_colors(runs: list[tuple[str, str]]) -> dict[str, str]:
    """A colour per run of (name, strategy): its strategy's for the first run of each
    strategy, then colours no strategy has. Two random searches used to share one colour,
    told apart only by their dashes."""
    used = {entry.colour for entry in STRATEGIES.values()}
    spare = [color for color in RUNNING_COLORS if color not in used]
    colors: dict[str, str] = {}
    extra = 0
    for name, strategy in runs:
        own = STRATEGIES[Strategy(strategy)].colour
        if own in colors.values():
            own, extra = spare[extra % len(spare)], extra + 1
        colors[name] = own
    return colors


def race_figure(
    race: pd.DataFrame, x: str, x_title: str, loss_title: str, log_y: bool, score: str = "best"
) -> go.Figure:
    """Best-so-far (or another ``score``, e.g. the hypervolume) of several runs on one axis: a
    colour per run (``race_colors``), and a dash for each further run of a strategy."""
    fig = go.Figure()
    seen: dict[str, int] = {}
    parts = list(race.groupby("run", sort=False))
    colors = race_colors([(str(name), str(part["strategy"].iloc[0])) for name, part in parts])
    for run_name, part in parts:
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
                line=dict(color=colors[str(run_name)], width=2.5, shape="hv", dash=dash),
                marker=dict(size=5),
                customdata=part["number"].to_numpy(),
                hovertemplate=f"{run}<br>{plain_text(x_title)}: %{{x:.4g}}<br>{score} %{{y:{D3_SCORE}}}"
                "<br>found by trial %{customdata}<extra></extra>",
            )
        )
    runs = "|".join(sorted(str(run) for run in race["run"].unique()))
    return _layout(  # new runs: a new view
        fig, f"race-{x}:{runs}", x_title, loss_title, log_y, height=360, whole_x=x == "finished"
    )
