"""Optuna's own analysis views of a run, with plain reasons when a run cannot fill one yet.

``optuna.visualization`` returns an empty figure (and logs a warning) when a study has
too few trials, and its contour plot grows with the square of the distinct values (in
the server, and again in the browser: ``views/contour.py`` draws ours). Here each view
first says whether it can be drawn, and draws from a seeded sample of the complete
trials beyond its limit.
Each view is one entry of ``VIEWS``, its figure function included.
"""

from __future__ import annotations

import copy
import datetime
import math
import random
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from optuna import visualization as vis
from optuna.distributions import CategoricalDistribution, IntDistribution
from optuna.trial import FrozenTrial, TrialState

from tuning.definition.metrics import Direction
from tuning.registry import Registry
from tuning.storage.runs import Run
from tuning.views.chart_data import axis_title, loss_title
from tuning.views.contour import contour_figure
from tuning.views.importance import importance_figure

if TYPE_CHECKING:  # plotly loads only when a view is drawn: workers import this package too
    import plotly.graph_objects as go

#: Draws a view from a study of complete trials, the chosen params (None: all), the loss's title.
Draw = Callable[[optuna.Study, "list[str] | None", str], "go.Figure"]


def _parallel(study: optuna.Study, params: list[str] | None, loss_title: str) -> go.Figure:
    """Brushable parallel coordinates: drag along an axis to keep only the trials in a range of it.

    Not ``plot_parallel_coordinate``: Optuna 5 draws it as one SVG scatter trace per trial,
    which cannot be brushed (the Monitor's own chart is such lines already). A WebGL
    ``go.Parcoords`` can, and this page draws one chart, on demand, so its first-draw
    cost (1.5 s in software rendering) is paid only by who asks for it. The best trials
    are yellow, as on the Monitor: the colour scale follows the study's direction.
    """
    import plotly.graph_objects as go

    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    names = params or sorted({name for trial in trials for name in trial.params})
    dimensions = [_parcoords_dimension(name, trials) for name in names]
    values = [trial.values[0] for trial in trials]  # the selection metric, of one objective or several
    dimensions.append(dict(label=loss_title, values=values))
    line = dict(
        color=values,
        colorscale="Viridis",
        reversescale=study.directions[0] is optuna.study.StudyDirection.MINIMIZE,
        showscale=True,
        colorbar=dict(title=dict(text=loss_title, side="right")),
    )
    # The domain leaves room inside the plot for the axis titles above and the first axis's ticks.
    parcoords = go.Parcoords(dimensions=dimensions, line=line, domain=dict(x=[0.04, 0.96], y=[0.0, 0.86]))
    fig = go.Figure(parcoords)
    fig.update_layout(height=450)
    return fig


#: A whole-number hyperparameter of this many values or fewer gets one tick per value: Plotly
#: put ticks such as 1.2 and 1.4 on a layer count of 1 to 3.
MOST_WHOLE_TICKS = 12


def _parcoords_dimension(name: str, trials: Sequence[FrozenTrial]) -> dict[str, Any]:
    """One axis of ``_parallel``: log10 with ``1e-3`` ticks for a log range, one tick per
    option for a choice, the values themselves otherwise. Names and options are escaped,
    since Plotly renders HTML in them."""
    from tuning.views.figures import plain_text  # plotly loads only when a view is drawn

    distribution = next((t.distributions[name] for t in trials if name in t.distributions), None)
    values = [trial.params.get(name) for trial in trials]
    if isinstance(distribution, CategoricalDistribution):
        codes = {option: i for i, option in enumerate(distribution.choices)}
        return dict(
            label=plain_text(name),
            values=[codes.get(value, -1) for value in values],
            tickvals=list(codes.values()),
            ticktext=[plain_text(option) for option in distribution.choices],
        )
    numbers = np.array([np.nan if value is None else float(value) for value in values])
    if isinstance(distribution, IntDistribution) and not distribution.log:
        whole = list(range(distribution.low, distribution.high + 1, distribution.step))
        if len(whole) <= MOST_WHOLE_TICKS:  # else Plotly's ticks are whole numbers already
            return dict(label=plain_text(name), values=numbers, tickvals=whole, range=[whole[0], whole[-1]])
    if not getattr(distribution, "log", False):
        return dict(label=plain_text(name), values=numbers)
    logs = np.log10(numbers)
    finite = logs[np.isfinite(logs)]
    decades = list(range(math.floor(finite.min()), math.ceil(finite.max()) + 1)) if finite.size else []
    return dict(
        label=plain_text(f"{name} (log)"),
        values=logs,
        range=[decades[0], decades[-1]]
        if decades
        else None,  # else the ticks stretch the axis out of the plot
        tickvals=decades,
        ticktext=[f"1e{decade}" for decade in decades],
    )


@dataclass(frozen=True)
class ParamPick:
    """A view drawn over hyperparameters the user picks: how few, how many, and what to ask."""

    fewest: int
    most: int
    prompt: str


@dataclass(frozen=True)
class Rough:
    """Below ``complete`` complete trials a view is a rough estimate, for the reason ``why``."""

    complete: int
    why: str


@dataclass(frozen=True)
class View:
    """One analysis view: its title, what it needs, how many trials it draws at most, and its figure.

    ``picks_params``: the hyperparameters the user picks for it, or None when it shows all.
    ``rough``: how few complete trials make it a rough estimate the page warns of, or None.
    """

    title: str
    min_complete: int
    min_varying: int
    max_trials: int
    explains: str
    draw: Draw
    picks_params: ParamPick | None = None
    rough: Rough | None = None


VIEWS: Registry[str, View] = Registry(
    "analysis view",
    {
        "importance": View(
            "Parameter importances",
            5,
            1,
            2000,
            "how much of the loss's variation each hyperparameter explains (PED-ANOVA), for each "
            "objective of a run of several",
            importance_figure,
            rough=Rough(
                30,
                "a handful of trials cannot tell a hyperparameter that moves an objective from chance, "
                "and the importances always add up to 1: even one that cannot move it (the learning "
                "rate, for the network's size) gets a share",
            ),
        ),
        "slice": View(
            "Slice",
            1,
            1,
            1000,
            "the loss of every trial against each hyperparameter on its own",
            lambda study, params, loss: vis.plot_slice(
                study, params=params, target=_selection(study), target_name=loss
            ),
        ),
        "contour": View(
            "Contour",
            3,
            2,
            1000,
            "the loss over two hyperparameters at once, interpolated between the trials (the dots)",
            contour_figure,
            picks_params=ParamPick(2, 4, "Choose two or more hyperparameters to draw their contour."),
        ),
        "parallel": View(
            "Parallel coordinates",
            1,
            1,
            1000,
            "each trial as a line through its hyperparameters to its loss; drag along an axis to keep "
            "only the trials in that range of it",
            _parallel,
        ),
        "edf": View(
            "Empirical distribution",
            1,
            0,
            1000,
            "the share of trials below each loss: a curve further left means a better search",
            lambda study, _, loss: vis.plot_edf(study, target=_selection(study), target_name=loss),
        ),
    },
)


def _selection(study: optuna.Study) -> Callable[[FrozenTrial], float] | None:
    """What Optuna's plots draw of a study of several objectives: the selection metric, its
    first (a study of one needs no target)."""
    return None if len(study.directions) == 1 else lambda trial: trial.values[0]


def varying_params(trials: Sequence[FrozenTrial]) -> list[str]:
    """Hyperparameters that took at least two different values in the complete trials.

    Compares each value with the parameter's first one and stops looking at a parameter
    once it varies: a 10,000-trial run is read in milliseconds.
    """
    first: dict[str, object] = {}
    varying: set[str] = set()
    for trial in trials:
        if trial.state is not TrialState.COMPLETE:
            continue
        for name, value in trial.params.items():
            if name in varying:
                continue
            if name not in first:
                first[name] = value
            elif first[name] != value:
                varying.add(name)
    return sorted(varying)


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


def view_caveat(view: str, trials: Sequence[FrozenTrial]) -> str | None:
    """What to read ``view`` with when these trials are too few for more than a rough
    estimate; None otherwise."""
    rough = VIEWS[view].rough
    complete = sum(t.state is TrialState.COMPLETE for t in trials)
    if rough is None or complete >= rough.complete:
        return None
    return (
        f"Only {complete} complete trial(s): {VIEWS[view].title.lower()} from fewer than "
        f"{rough.complete} are a rough estimate; {rough.why}."
    )


def sample_study(
    trials: Sequence[FrozenTrial],
    limit: int,
    seed: int = 0,
    directions: Sequence[Direction] = (Direction.MINIMIZE,),
    names: Sequence[str] = (),
) -> tuple[optuna.Study, int]:
    """An in-memory study of the complete trials, a seeded sample of ``limit`` when more.

    ``directions`` are the run's (the parallel coordinates colour the best trials by the
    first); ``names`` label its objectives (the importances of a run of several name each).
    Returns the study and how many trials it holds.
    """
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    if len(complete) > limit:
        complete = random.Random(seed).sample(complete, limit)
    study = optuna.create_study(
        storage=optuna.storages.InMemoryStorage(), directions=[d.value for d in directions]
    )
    if len(names) > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names(list(names))
    study.add_trials([_bare(t) for t in complete])
    return study, len(complete)


class _SampledTrial(FrozenTrial):
    """A trial made for one sampled study alone, copied by reference.

    Optuna's in-memory storage deep-copies every trial it is given (``add_trials``), and
    its importance plot deep-copies the study's trials again for its hover text. These are
    built from scratch for the sample and never changed by anyone (the views only read
    them), so a copy may share their parameters and values: deep copies were 0.3 s of the
    importance view's 0.6 s at 10,000 trials (benchmark 4).
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> _SampledTrial:
        return copy.copy(self)


def _bare(trial: FrozenTrial) -> FrozenTrial:
    """The trial without its attributes (learning curve, worker, timings): what the views use.

    Optuna's importance plot deep-copies every trial once per hyperparameter (its hover
    text reads ``study.trials``): with 30-epoch curves attached, 2,000 trials took 5.9 s of
    a 10,000-trial run's importance view, against 0.26 s for the importances themselves.
    """
    now = datetime.datetime.now()
    return _SampledTrial(
        number=-1,  # the study numbers it
        trial_id=-1,
        state=TrialState.COMPLETE,
        value=None,
        values=trial.values,
        datetime_start=now,
        datetime_complete=now,
        params=trial.params,
        distributions=trial.distributions,
        user_attrs={},
        system_attrs={},
        intermediate_values={},
    )


def view_figure(view: str, study: optuna.Study, params: list[str] | None, loss_title: str) -> go.Figure:
    """The registered figure for ``view``, its loss axis titled with units, escaped: the
    title may hold a CSV's target name, and Plotly renders HTML in titles."""
    from tuning.views.figures import plain_text  # plotly loads only when a view is drawn

    draw = VIEWS[view].draw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna's experimental-feature and few-trials notices
        fig = draw(study, params, plain_text(loss_title))
    fig.update_layout(title=None, margin=dict(l=10, r=10, t=30, b=10))
    return fig


@dataclass(frozen=True)
class AnalysisTrials:
    """A run's trials as the Analysis page needs them; the Optuna objects stay inside."""

    trials: tuple[FrozenTrial, ...]

    @property
    def total(self) -> int:
        return len(self.trials)

    @property
    def complete(self) -> int:
        return sum(t.state is TrialState.COMPLETE for t in self.trials)

    @property
    def finished(self) -> int:
        return sum(t.state.is_finished() for t in self.trials)

    def varying(self) -> list[str]:
        return varying_params(self.trials)

    def problem(self, view: str) -> str | None:
        return view_problem(view, self.trials)

    def caveat(self, view: str) -> str | None:
        return view_caveat(view, self.trials)


def analysis_trials(run: Run) -> AnalysisTrials:
    """The run's trials, read once, for the Analysis page's checks and counts."""
    return AnalysisTrials(tuple(run.study.get_trials(deepcopy=False)))


def draw_view(run: Run, view: str, params: list[str] | None = None) -> tuple[go.Figure, int]:
    """``view`` of ``run`` from a seeded sample of its complete trials, and how many it used."""
    trials = run.study.get_trials(deepcopy=False)
    spec = run.spec
    names = [loss_title(spec), *(axis_title(spec, goal.name) for goal in spec.goals[1:])]
    study, used = sample_study(trials, VIEWS[view].max_trials, directions=spec.directions, names=names)
    return view_figure(view, study, params or None, loss_title(spec)), used
