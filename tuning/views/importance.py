"""Parameter importances: how much of each objective's variation each hyperparameter explains.

Optuna's own importances (PED-ANOVA in Optuna 5), computed once per objective of the run
and drawn as horizontal bars, largest on top by the selection metric: which settings move
the score, and which move the size or the speed of the model instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial

if TYPE_CHECKING:  # plotly loads only when a view is drawn: workers import this package too
    import plotly.graph_objects as go

#: Bar colours per objective, in order (Okabe-Ito: distinct for colour-blind readers).
COLOURS = ("#0072B2", "#E69F00", "#009E73")


def importance_figure(study: optuna.Study, params: list[str] | None, loss_title: str) -> go.Figure:
    """The importances of every objective of ``study`` (its ``metric_names`` label them).

    Not ``plot_param_importances``: its hover text deep-copies every trial once per
    hyperparameter, 2.2 s per copy of 2,000 trials on a busy 2-core machine, against
    0.26 s for the importances themselves.
    """
    import plotly.graph_objects as go

    from tuning.views.figures import plain_text  # plotly loads only when a view is drawn

    labels = study.metric_names if len(study.directions) > 1 and study.metric_names else [loss_title]
    by_objective = [
        optuna.importance.get_param_importances(study, params=params, target=_objective(study, index))
        for index in range(len(labels))
    ]
    names = list(by_objective[0])[::-1]  # the selection metric's most important on top
    fig = go.Figure()
    for index, (label, importances) in enumerate(zip(labels, by_objective, strict=True)):
        values = [importances.get(name, 0.0) for name in names]
        fig.add_trace(
            go.Bar(
                x=values,
                y=names,
                orientation="h",
                name=plain_text(label) if len(labels) > 1 else None,
                text=[f"{v:.2f}" if v >= 0.01 else "<0.01" for v in values],
                textposition="outside",
                marker_color=COLOURS[index],
                hovertemplate="%{y}: %{x:.3f}<extra></extra>",
            )
        )
    largest = max((v for importances in by_objective for v in importances.values()), default=1)
    title = f"importance for {loss_title}" if len(labels) == 1 else "importance for each objective"
    fig.update_xaxes(title_text=title, range=[0, largest * 1.15])
    fig.update_layout(height=max(250, 60 + 40 * len(names) * len(labels)), barmode="group")
    return fig


def _objective(study: optuna.Study, index: int) -> Callable[[FrozenTrial], float] | None:
    """Optuna's target for objective ``index``: none for a study of one objective.

    PED-ANOVA ranks what reaches the low end of a target it is given, so an objective to
    maximise (accuracy) is handed over negated.
    """
    if len(study.directions) == 1:
        return None
    sign = -1.0 if study.directions[index] is StudyDirection.MAXIMIZE else 1.0
    return lambda trial: sign * trial.values[index]
