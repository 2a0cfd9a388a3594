"""Analysis: Optuna's own views of one run, explained, and a message when one cannot be drawn.

Figures are cached per run and number of finished trials: reopening the page costs
nothing until the run has more trials to show. They are drawn like the Monitor's charts
(``live_chart``), so every chart of the app follows the same theme.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from pages._shared.common import INFO, WARNING, engine_errors, pick_run, run_names, storage_url
from pages._shared.live_chart import live_plotly_chart
from pages._shared.shell import within_app
from tuning import load_run
from tuning.views.analysis import VIEWS, sample_study, varying_params, view_figure, view_problem
from tuning.views.chart_data import loss_title

within_app()

st.title("Analysis")
names = run_names()
if not names:
    st.info("No runs yet: the views appear here once a run has complete trials.", icon=INFO)
    st.stop()

picker, view_col = st.columns([3, 4], vertical_alignment="bottom")
with picker:
    name = pick_run(names, key="analysis_run")
if "view" not in st.session_state:
    st.session_state["view"] = (
        st.query_params.get("view") if st.query_params.get("view") in VIEWS else "importance"
    )
with view_col:
    view = st.segmented_control(
        "View", list(VIEWS), format_func=lambda v: VIEWS[v].title, key="view", required=True
    )
st.query_params["view"] = view
with engine_errors():
    run = load_run(name, storage_url())
    trials = run.study.get_trials(deepcopy=False)


@st.cache_data(max_entries=64, show_spinner="Computing the view…")
def cached_view(
    url: str, name: str, view: str, params: tuple[str, ...], finished: int
) -> tuple[go.Figure, int]:
    """The figure and how many trials it drew on; ``finished`` keys the cache to the run's progress."""
    run = load_run(name, url)
    study, used = sample_study(run.study.get_trials(deepcopy=False), VIEWS[view].max_trials)
    return view_figure(view, study, list(params) or None, loss_title(run.spec)), used


st.caption(f"{VIEWS[view].title}: {VIEWS[view].explains}.")
problem = view_problem(view, trials)
if problem:
    st.info(problem, icon=":material/hourglass_empty:")
    st.stop()
params: list[str] = []
if view == "contour":
    varying = varying_params(trials)
    params = st.multiselect(
        "Hyperparameters", varying, default=varying[:2], key="contour_params", max_selections=4
    )
    if len(params) < 2:
        st.info("Choose two or more hyperparameters to draw their contour.", icon=INFO)
        st.stop()
finished = sum(t.state.is_finished() for t in trials)
complete = sum(t.state.name == "COMPLETE" for t in trials)
try:
    with engine_errors():
        figure, used = cached_view(storage_url(), name, view, tuple(params), finished)
except (ValueError, RuntimeError) as error:  # optuna refuses some degenerate studies this way
    st.warning(f"Optuna could not draw this view for this run: {error}", icon=WARNING)
    st.stop()
live_plotly_chart(figure, key=f"analysis-{view}", alt=f"{VIEWS[view].title} of run {name}")
note = f"Drawn from {used:,} of {complete:,} complete trials (a seeded sample)." if used < complete else ""
st.caption(f"{complete:,} complete trials of {len(trials):,}. {note}")
