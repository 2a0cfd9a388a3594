"""Analysis: Optuna's own views of one run, explained, and a message when one cannot be drawn.

Figures are cached per run and number of finished trials: reopening the page costs
nothing until the run has more trials to show. They are drawn like the Monitor's charts
(``live_chart``), so every chart of the app follows the same theme.
"""

from __future__ import annotations

from pages._shared.shell import within_app

within_app()  # first of all: on a freshly started server this file runs before app.py

import plotly.graph_objects as go
import streamlit as st

from pages._shared.common import INFO, WARNING, engine_errors, pick_run, plain, run_names, storage_url
from pages._shared.live_chart import live_plotly_chart
from tuning import VIEWS, analysis_trials, draw_view, load_run

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
    view = (
        st.segmented_control(
            "View", list(VIEWS), format_func=lambda v: VIEWS[v].title, key="view", required=True
        )
        or "importance"
    )  # required, and set above: never None
st.query_params["view"] = view
with engine_errors():
    trials = analysis_trials(load_run(name, storage_url()))


@st.cache_data(max_entries=64, show_spinner="Computing the view…")
def cached_view(
    url: str, name: str, view: str, params: tuple[str, ...], finished: int
) -> tuple[go.Figure, int]:
    """The figure and how many trials it drew on; ``finished`` keys the cache to the run's progress."""
    return draw_view(load_run(name, url), view, list(params))


info = VIEWS[view]
st.caption(f"{info.title}: {info.explains}.")
problem = trials.problem(view)
if problem:
    st.info(problem, icon=":material/hourglass_empty:")
    st.stop()
params: list[str] = []
pick = info.picks_params
if pick is not None:
    varying = trials.varying()
    params = st.multiselect(
        "Hyperparameters",
        varying,
        default=varying[: pick.fewest],
        key=f"{view}_params",
        max_selections=pick.most,
    )
    if len(params) < pick.fewest:
        st.info(pick.prompt, icon=INFO)
        st.stop()
try:
    with engine_errors():
        figure, used = cached_view(storage_url(), name, view, tuple(params), trials.finished)
except (ValueError, RuntimeError) as error:  # optuna refuses some degenerate studies this way
    st.warning(f"Optuna could not draw this view for this run: {plain(error)}", icon=WARNING)
    st.stop()
complete = trials.complete
caveat = trials.caveat(view)
if caveat:
    st.warning(caveat, icon=WARNING)
live_plotly_chart(figure, key=f"analysis-{view}", alt=f"{info.title} of run {name}")
note = f"Drawn from {used:,} of {complete:,} complete trials (a seeded sample)." if used < complete else ""
st.caption(f"{complete:,} complete trials of {trials.total:,}. {note}")
