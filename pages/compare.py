"""Compare: several runs raced on one chart, by trials spent and by wall time.

Grid, random and Bayesian searches of the same space side by side answer the question
the article leaves open: which strategy finds a good configuration sooner?
"""

from __future__ import annotations

from pages._shared.shell import within_app

within_app()  # first of all: on a freshly started server this file runs before app.py

import time

import pandas as pd
import streamlit as st

from pages._shared.common import (
    INFO,
    WARNING,
    end_live,
    engine_errors,
    live_panel,
    plain,
    refreshed_caption,
    run_names,
    storage_url,
)
from pages._shared.live_chart import chart_with_baselines
from tuning import (
    Run,
    RunSummary,
    baseline_lines,
    fmt_params,
    fmt_score,
    get_metric,
    loss_title,
    maximizing,
    race_figure,
    read_race,
    run_data,
    run_spec,
)

HYPERVOLUME = "hypervolume (share of the box of scaled objectives)"

st.title("Compare runs")
names = run_names()
if not names:
    st.info("No runs yet: launch two searches of the same space to race them here.", icon=INFO)
    st.stop()


def same_data(first: str) -> list[str]:
    """``first`` and up to three more runs on the same data: the ones worth racing against it."""
    with engine_errors():
        spec, data = run_spec(first, storage_url()), run_data(first, storage_url())
        same = [
            n for n in names
            if n != first and run_spec(n, storage_url()).selection == spec.selection
            and run_data(n, storage_url()) == data
        ]  # fmt: skip
    return [first, *same[:3]]


wanted = st.query_params.get("run")
if "compare_runs" not in st.session_state:
    st.session_state["compare_runs"] = same_data(wanted if wanted in names else names[0])
if wanted in names and wanted not in st.session_state["compare_runs"]:
    st.session_state["compare_runs"] = [wanted, *st.session_state["compare_runs"]]
chosen_col, log_col = st.columns([5, 1], vertical_alignment="bottom")
chosen = chosen_col.multiselect("Runs", names, key="compare_runs", placeholder="choose runs to race")
if wanted and wanted not in names:  # a link to a deleted run, or a mistyped one
    st.info(f"There is no run named **{plain(wanted)}** in this storage.", icon=INFO)
log_y = log_col.toggle("Log-scale score", key="compare_log_y")
if not chosen:
    st.info("Choose one or more runs.", icon=INFO)
    st.stop()


def race_scale(runs: list[Run], summaries: list[RunSummary]) -> tuple[str, list[tuple[str, float]], bool]:
    """The score axis's title, the baselines to draw, and whether one metric ranks the runs;
    warns when the runs' scores are not comparable."""
    datasets = {run_data(run.name, storage_url()) for run in runs}
    metrics = {run.spec.selection.name for run in runs}
    first = runs[0].spec
    if len(metrics) > 1:  # one metric's name would mislabel the other runs' lines
        labels = sorted({run.spec.selection.label for run in runs})
        title = f"validation score (per run: {', '.join(labels)})"
    else:
        title = loss_title(first) if len(datasets) == 1 else f"validation {first.selection.label}"
    if len(datasets) > 1 or len(metrics) > 1:
        what = "different data" if len(datasets) > 1 else f"different metrics ({', '.join(sorted(metrics))})"
        st.warning(f"These runs use {what}: their scores are not comparable.", icon=WARNING)
    elif len({(run.spec.goals, run.spec.constraints) for run in runs}) > 1:
        st.warning(
            "These runs trade off different objectives or bounds: they race by their selection metric alone.",
            icon=WARNING,
        )
    # Baselines depend on the data and the split: drawn when the runs share them.
    splits = {(r.spec.seed, r.spec.cv_folds, r.spec.val_fraction, r.spec.test_fraction) for r in runs}
    same = len(datasets) == 1 and len(metrics) == 1 and len(splits) == 1
    lines = baseline_lines(summaries[0].baselines or {}, first.selection) if same else []
    return title, lines, len(metrics) == 1


def race(live: bool) -> None:
    """Both race charts and the table of winners, from one read of each run (the page's own
    read on its first draw; the timer's reruns read afresh)."""
    started = time.perf_counter()
    with engine_errors():
        race_data = unread.pop() if unread else read_race(chosen, storage_url())
    runs, summaries, frame = race_data.runs, race_data.summaries, race_data.frame
    if live and not any(s.active for s in summaries):
        end_live()
    if race_data.hypervolume:  # runs of the same several objectives: how much their fronts cover
        lines: list[tuple[str, float]] = []  # no baselines: a hypervolume has none
        title, comparable, score = HYPERVOLUME, False, "hypervolume"
    else:
        title, lines, comparable = race_scale(runs, summaries)
        score = "best"
    shown = plain(title)  # a CSV's target name: Markdown in the tooltips
    what = "Hypervolume of the front" if race_data.hypervolume else "Best so far"
    by_trials, by_time = st.columns(2)
    with by_trials:
        st.markdown(f"**{what} by trials finished**")
        chart_with_baselines(
            race_figure(frame, "finished", "trials finished", title, log_y, score),
            lines,
            "race-trials",
            f"{score} of each run against trials finished",
        )
    with by_time:
        st.markdown(f"**{what} by wall time**")
        x_title = "seconds since the run's first trial started"
        figure = race_figure(frame, "elapsed_s", x_title, title, log_y, score)
        chart_with_baselines(figure, lines, "race-time", f"{score} of each run against wall time")
    if race_data.hypervolume:
        st.caption(
            "Each objective scaled to the lowest and highest value any of these runs reached within "
            "the bounds; the hypervolume is the share of that box (a tenth beyond it) the front dominates: "
            "higher is better."
        )
    if lines:
        st.caption("Dotted lines: the baselines' validation scores on these runs' data and splits.")
    st.subheader("Best configurations")
    rows = [
        {
            "run": s.name,
            "strategy": s.strategy,
            "state": s.state,
            "trials done": s.n_complete + s.n_failed + s.n_pruned,
            "metric": f"{get_metric(s.metric).label} ({s.metric_unit})",
            "best score": fmt_score(s.best_value),
            "test score": fmt_score(s.test_loss),
            "best trial": s.best_trial,
            "best configuration": fmt_params(s.best_params),
        }
        for s in summaries
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            "best score": st.column_config.TextColumn(help=shown, alignment="right"),
            "test score": st.column_config.TextColumn(help=f"{shown} on held-out rows", alignment="right"),
        },
    )
    if race_data.hypervolume and not frame.empty:
        last = frame.groupby("run", sort=False)["best_so_far"].last()
        st.caption(f"Largest hypervolume: {plain(last.idxmax())} with {last.max():.4g}.")
    scored = [s for s in summaries if s.best_value is not None]
    first = runs[0].spec
    if scored and comparable:
        pick = max if maximizing(first) else min
        best = pick(scored, key=lambda s: s.best_value)  # type: ignore[arg-type,return-value]
        score, name = fmt_score(best.best_value), plain(best.name)
        st.caption(f"Best validation {first.selection.label}: {name} ({best.strategy}) with {score}.")
    refreshed_caption(started, live)


with engine_errors():
    unread = [read_race(chosen, storage_url())]  # not drawn yet: the race's first draw takes it
live_panel(race, live=any(s.active for s in unread[0].summaries))
