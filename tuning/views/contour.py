"""The Analysis page's contour: the loss over pairs of hyperparameters, interpolated here.

Optuna's ``plot_contour`` puts every trial on a grid of every distinct value of each
hyperparameter and leaves the rest of the grid empty for plotly.js to fill
(``connectgaps``) and smooth: a sample of 300 trials over two ranges is a 302 × 302 grid
of gaps, which took plotly.js 14 s on one core to fill (measured in headless Chromium,
against under a second for the slice view of the same trials). Here each pair is
interpolated with scipy on a fixed ``GRID`` × ``GRID`` grid (linearly inside the trials'
hull, from the nearest trial outside it), so the browser draws the same small grid
whatever the run's size. Log ranges are interpolated and drawn on log axes, choices on
one tick per option; every panel shares one colour scale, the best scores yellow as on
the Monitor.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

from tuning.storage.record import score
from tuning.views.formatting import D3_SCORE

if TYPE_CHECKING:
    import plotly.graph_objects as go

GRID = 60  # points per axis: a 60 × 60 grid draws in milliseconds and looks smooth at ~400 px
COLUMNS = 3  # panels per row when more than two hyperparameters are chosen


@dataclass(frozen=True)
class Axis:
    """One hyperparameter as an axis: its values in the space interpolation works in
    (log10 for a log range, the option's index for a choice) and how to label them."""

    name: str
    values: np.ndarray
    log: bool
    ticktext: list[str] | None = None

    @classmethod
    def of(cls, name: str, trials: Sequence[FrozenTrial]) -> Axis:
        from tuning.views.figures import plain_text  # plotly loads only when a view is drawn

        distribution: BaseDistribution = next(
            t.distributions[name] for t in trials if name in t.distributions
        )
        raw = [trial.params.get(name) for trial in trials]
        if isinstance(distribution, CategoricalDistribution):
            codes = {option: i for i, option in enumerate(distribution.choices)}
            ticks = [plain_text(option) for option in distribution.choices]
            return cls(name, np.array([codes.get(v, np.nan) for v in raw], dtype=float), False, ticks)
        numbers = np.array([np.nan if v is None else float(v) for v in raw])
        log = bool(getattr(distribution, "log", False))
        return cls(name, np.log10(numbers) if log else numbers, log)

    def grid(self) -> np.ndarray:
        finite = self.values[np.isfinite(self.values)]
        return np.linspace(finite.min(), finite.max(), GRID)

    def shown(self, values: np.ndarray) -> np.ndarray:
        """Values as the axis draws them: a log range's in its own units, on a log axis."""
        return 10**values if self.log else values


def interpolated(x: np.ndarray, y: np.ndarray, z: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """``z`` of the points (x, y) on the grid ``gx`` × ``gy``: linear inside their hull, the
    nearest point's outside it (and everywhere when they lie on one line)."""
    from scipy.interpolate import griddata
    from scipy.spatial import QhullError

    points = np.column_stack([x, y])
    mesh = tuple(np.meshgrid(gx, gy))
    nearest = griddata(points, z, mesh, method="nearest")
    try:
        linear = griddata(points, z, mesh, method="linear")
    except QhullError:  # too few distinct points, or all on one line
        return nearest
    return np.where(np.isfinite(linear), linear, nearest)


def contour_figure(study: optuna.Study, params: list[str] | None, loss_title: str) -> go.Figure:
    """One panel per pair of ``params`` (two to four), trials as dots, one colour scale."""
    from plotly.subplots import make_subplots

    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    names = params or sorted({name for trial in trials for name in trial.params})
    axes = {name: Axis.of(name, trials) for name in names}
    scores = np.array([score(trial) for trial in trials], dtype=float)
    pairs = list(itertools.combinations(names, 2))
    columns = min(len(pairs), COLUMNS)
    fig = make_subplots(rows=math.ceil(len(pairs) / columns), cols=columns, horizontal_spacing=0.08)
    for index, (x_name, y_name) in enumerate(pairs):
        row, col = divmod(index, columns)
        _panel(fig, axes[x_name], axes[y_name], scores, row + 1, col + 1)
    fig.update_layout(
        coloraxis=dict(
            colorscale="Viridis",
            reversescale=study.directions[0] is optuna.study.StudyDirection.MINIMIZE,  # the selection metric
            colorbar=dict(title=dict(text=loss_title, side="right")),
        ),
        height=max(420, 330 * math.ceil(len(pairs) / columns)),
        showlegend=False,
    )
    return fig


def _panel(fig: go.Figure, x: Axis, y: Axis, scores: np.ndarray, row: int, col: int) -> None:
    """One pair: the interpolated scores, the trials as dots, both axes titled and scaled."""
    import plotly.graph_objects as go

    from tuning.views.figures import plain_text

    known = np.isfinite(x.values) & np.isfinite(y.values) & np.isfinite(scores)
    gx, gy = x.grid(), y.grid()
    z = interpolated(x.values[known], y.values[known], scores[known], gx, gy)
    fig.add_trace(
        go.Contour(
            x=x.shown(gx), y=y.shown(gy), z=z, coloraxis="coloraxis", contours_coloring="heatmap",
            connectgaps=False, line=dict(width=0.5, smoothing=0), hoverinfo="skip",
        ),
        row=row, col=col,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=x.shown(x.values[known]), y=y.shown(y.values[known]), mode="markers",
            marker=dict(color="black", size=5, line=dict(color="white", width=0.5)),
            customdata=scores[known], hovertemplate=f"score %{{customdata:{D3_SCORE}}}<extra></extra>",
        ),
        row=row, col=col,
    )  # fmt: skip
    for axis, update in ((x, fig.update_xaxes), (y, fig.update_yaxes)):
        ticks = (
            dict(tickvals=list(range(len(axis.ticktext))), ticktext=axis.ticktext) if axis.ticktext else {}
        )
        update(title_text=plain_text(axis.name), type="log" if axis.log else None, row=row, col=col, **ticks)
