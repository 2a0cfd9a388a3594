"""Optuna's own analysis views of a run, with plain reasons when a run cannot fill one yet.

``optuna.visualization`` returns an empty figure (and logs a warning) when a study has
too few trials, and its contour plot grows with the square of the distinct values, which
takes minutes and hundreds of MB at 5,000 trials. Here each view first says whether it
can be drawn, and draws from a seeded sample of the complete trials beyond its limit.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import optuna
import plotly.graph_objects as go
from optuna.trial import FrozenTrial, TrialState

from tuning.views.figures import plain_text


@dataclass(frozen=True)
class View:
    """One analysis view: its title, what it needs, and how many trials it draws at most."""

    title: str
    min_complete: int
    min_varying: int
    max_trials: int
    explains: str


VIEWS: dict[str, View] = {
    "importance": View(
        "Parameter importances",
        5,
        1,
        2000,
        "how much of the loss's variation each hyperparameter explains (PED-ANOVA)",
    ),
    "slice": View("Slice", 1, 1, 2000, "the loss of every trial against each hyperparameter on its own"),
    "contour": View("Contour", 3, 2, 300, "the loss over two hyperparameters at once, interpolated"),
    "edf": View(
        "Empirical distribution",
        1,
        0,
        5000,
        "the share of trials below each loss: a curve further left means a better search",
    ),
}


def varying_params(trials: Sequence[FrozenTrial]) -> list[str]:
    """Hyperparameters that took at least two different values in the complete trials."""
    seen: dict[str, set[str]] = {}
    for trial in trials:
        if trial.state is TrialState.COMPLETE:
            for name, value in trial.params.items():
                seen.setdefault(name, set()).add(repr(value))
    return sorted(name for name, values in seen.items() if len(values) >= 2)


def view_problem(view: str, trials: Sequence[FrozenTrial]) -> str | None:
    """Why ``view`` cannot be drawn from these trials yet, in words; None when it can."""
    spec = VIEWS[view]
    complete = sum(t.state is TrialState.COMPLETE for t in trials)
    if complete < spec.min_complete:
        return (
            f"{spec.title} needs at least {spec.min_complete} complete trial(s); "
            f"this run has {complete} so far."
        )
    varying = len(varying_params(trials))
    if varying < spec.min_varying:
        return (
            f"{spec.title} needs {spec.min_varying} hyperparameter(s) that took two or more "
            f"different values; this run has {varying}."
        )
    return None


def sample_study(trials: Sequence[FrozenTrial], limit: int, seed: int = 0) -> tuple[optuna.Study, int]:
    """An in-memory study of the complete trials, a seeded sample of ``limit`` when more.

    Returns the study and how many trials it holds.
    """
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    if len(complete) > limit:
        complete = random.Random(seed).sample(complete, limit)
    study = optuna.create_study(storage=optuna.storages.InMemoryStorage(), direction="minimize")
    study.add_trials(complete)
    return study, len(complete)


def view_figure(view: str, study: optuna.Study, params: list[str] | None, loss_title: str) -> go.Figure:
    """Optuna's figure for ``view``, its loss axis titled with units (escaped: it may hold
    a CSV's target name)."""
    from optuna import visualization as vis

    loss_title = plain_text(loss_title)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna's experimental-feature and few-trials notices
        if view == "importance":
            fig = vis.plot_param_importances(study, params=params)
            fig.update_xaxes(title_text=f"importance for {loss_title}")
        elif view == "slice":
            fig = vis.plot_slice(study, params=params, target_name=loss_title)
        elif view == "contour":
            fig = vis.plot_contour(study, params=params, target_name=loss_title)
        else:
            fig = vis.plot_edf(study, target_name=loss_title)
    fig.update_layout(title=None, margin=dict(l=10, r=10, t=30, b=10))
    return fig
