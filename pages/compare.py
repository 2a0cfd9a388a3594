"""Compare: several runs raced on one chart, by trials spent and by wall time.

Grid, random and Bayesian searches of the same space side by side answer the question
the article leaves open: which strategy finds a good configuration sooner?
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from pages._shared.common import (
    INFO,
    WARNING,
    end_live,
    engine_errors,
    fmt_loss,
    fmt_params,
    live_panel,
    plain,
    refreshed_caption,
    run_names,
    storage_url,
)
from pages._shared.live_chart import live_plotly_chart, preload_plotly
from pages._shared.shell import within_app
from tuning import load_run, loss_title, race_figure, read_race, summarize

within_app()

st.title("Compare runs")
preload_plotly()
names = run_names()
if not names:
    st.info("No runs yet: launch two searches of the same space to race them here.", icon=INFO)
    st.stop()


def same_data(first: str) -> list[str]:
    """``first`` and up to three more runs on the same data: the ones worth racing against it."""
    with engine_errors():
        dataset = load_run(first, storage_url()).spec.dataset
        same = [n for n in names if n != first and load_run(n, storage_url()).spec.dataset == dataset]
    return [first, *same[:3]]


wanted = st.query_params.get("run")
if "compare_runs" not in st.session_state:
    st.session_state["compare_runs"] = same_data(wanted if wanted in names else names[0])
if wanted in names and wanted not in st.session_state["compare_runs"]:
    st.session_state["compare_runs"] = [wanted, *st.session_state["compare_runs"]]
chosen_col, log_col = st.columns([5, 1], vertical_alignment="bottom")
chosen = chosen_col.multiselect("Runs", names, key="compare_runs", placeholder="choose runs to race")
log_y = log_col.toggle("Log-scale loss", key="compare_log_y")
if not chosen:
    st.info("Choose one or more runs.", icon=INFO)
    st.stop()


def race(live: bool) -> None:
    """Both race charts and the table of winners, from one read of each run."""
    started = time.perf_counter()
    with engine_errors():
        race_data = read_race(chosen, storage_url())
    runs, summaries, frame = race_data.runs, race_data.summaries, race_data.frame
    if live and not any(s.active for s in summaries):
        end_live()
    datasets = {run.spec.dataset for run in runs}
    title = loss_title(runs[0].spec.dataset) if len(datasets) == 1 else "validation MSE"
    shown = plain(title)  # a CSV's target name: Markdown in the tooltips
    if len(datasets) > 1:
        st.warning("These runs train on different data: their losses are not comparable.", icon=WARNING)
    by_trials, by_time = st.columns(2)
    with by_trials:
        st.markdown("**Best so far by trials finished**")
        live_plotly_chart(
            race_figure(frame, "finished", "trials finished", title, log_y),
            key="race-trials",
            alt="best loss so far of each run against trials finished",
        )
    with by_time:
        st.markdown("**Best so far by wall time**")
        figure = race_figure(frame, "elapsed_s", "seconds since the run's first trial started", title, log_y)
        live_plotly_chart(figure, key="race-time", alt="best loss so far of each run against wall time")
    st.subheader("Best configurations")
    rows = [
        {
            "run": s.name,
            "strategy": s.strategy,
            "state": s.state,
            "trials done": s.n_complete + s.n_failed + s.n_pruned,
            "best loss": s.best_value,
            "test loss": s.test_loss,
            "best trial": s.best_trial,
            "best configuration": fmt_params(s.best_params),
        }
        for s in summaries
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            "best loss": st.column_config.NumberColumn(format="%.5g", help=shown),
            "test loss": st.column_config.NumberColumn(format="%.5g", help=f"{shown} on held-out rows"),
        },
    )
    best = min((s for s in summaries if s.best_value is not None), key=lambda s: s.best_value, default=None)
    if best is not None:
        st.caption(
            f"Lowest validation loss: {plain(best.name)} ({best.strategy}) with {fmt_loss(best.best_value)}."
        )
    refreshed_caption(started, live)


with engine_errors():
    any_active = any(summarize(load_run(name, storage_url())).active for name in chosen)
live_panel(race, live=any_active)
