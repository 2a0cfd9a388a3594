"""Best-so-far curves of repeated searches, and the PNG that shows them.

A search is its trials in order, each as (state, value, epochs trained). Computing is kept
apart from drawing so the numbers in the report and the lines in the plot are the same.
Drawing uses matplotlib (requirements-dev.txt): static PNGs without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

Trials = list[tuple[str, float | None, int]]
Searches = dict[str, list[Trials]]  # label → one search per seed


def best_so_far(trials: Trials) -> np.ndarray:
    """The lowest complete value after each trial; infinite before the first one."""
    values = [value if state == "complete" and value is not None else np.inf for state, value, _ in trials]
    return np.minimum.accumulate(np.array(values, dtype=float))


def first_reach(curve: np.ndarray, level: float) -> int | None:
    """The first trial count (1-based) at which ``curve`` is at or below ``level``."""
    reached = np.flatnonzero(curve <= level)
    return int(reached[0]) + 1 if reached.size else None


def best_by_epochs(searches: list[Trials], points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Median best-so-far against epochs trained so far: what a search got for its compute."""
    spent = [np.cumsum([epochs for _, _, epochs in trials]) for trials in searches]
    axis = np.linspace(0, max(s[-1] for s in spent), points)
    rows = []
    for trials, cumulative in zip(searches, spent, strict=True):
        done = np.searchsorted(cumulative, axis, side="right") - 1
        best = best_so_far(trials)
        rows.append(np.where(done >= 0, best[np.maximum(done, 0)], np.inf))
    return axis, np.median(np.array(rows), axis=0)


def plot_dataset(
    path: Path,
    dataset: str,
    searches: Searches,
    strategies: Sequence[str],
    pruning: Sequence[str],
    level: float,
) -> None:
    """Two panels: best-so-far by trial for ``strategies`` (median and quartiles over seeds),
    and by epochs trained for the ``pruning`` pair."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, (by_trial, by_epoch) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for label in strategies:
        curves = np.array([best_so_far(trials) for trials in searches[label]])
        x = np.arange(1, curves.shape[1] + 1)
        low, mid, high = np.percentile(curves, [25, 50, 75], axis=0)
        (line,) = by_trial.plot(x, mid, label=label, drawstyle="steps-post")
        by_trial.fill_between(x, low, high, step="post", alpha=0.15, color=line.get_color())
    by_trial.axhline(level, color="grey", linestyle="--", linewidth=1, label="random's final median")
    by_trial.set(xlabel="trial", ylabel="best validation MSE so far", title=f"{dataset}: by trial")
    for label in pruning:
        axis, curve = best_by_epochs(searches[label])
        by_epoch.plot(axis, curve, label=label, drawstyle="steps-post")
    by_epoch.set(xlabel="epochs trained", ylabel="best validation MSE so far", title=f"{dataset}: by compute")
    for axes in (by_trial, by_epoch):
        finite = [line.get_ydata() for line in axes.get_lines()]
        values = np.concatenate([np.asarray(y, dtype=float) for y in finite])
        values = values[np.isfinite(values)]
        if values.size:
            axes.set_ylim(values.min() * 0.95, np.percentile(values, 90) * 1.05)
        axes.grid(alpha=0.3)
        axes.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
