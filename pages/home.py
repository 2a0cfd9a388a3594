"""Home: every run in the storage at a glance, and the way to start one.

With no runs yet it offers the article's presets, each one click from a live Monitor.
The table refreshes itself while any run is active.
"""

from __future__ import annotations

from pages._shared.shell import ANALYSIS, COMPARE, LAUNCH, MONITOR, within_app

within_app()  # first of all: on a freshly started server this file runs before app.py

import time

import pandas as pd
import streamlit as st

from pages._shared.common import (
    end_live,
    engine_errors,
    fmt_age,
    live_panel,
    plain,
    refreshed_caption,
    storage_caption,
    storage_url,
    visitor,
)
from tuning import (
    PRESET_HELP,
    DemoLimits,
    RunSpec,
    RunSummary,
    data_label,
    fmt_score,
    get_metric,
    launch,
    note_line,
    preset_code,
    preset_spec,
    run_summaries,
)

#: What "the article" of the presets is, said where they are offered (and in the README).
ARTICLE = (
    "**The article** the presets follow is the tutorial Sweetspot grew out of: a small house-price "
    "MLP on four houses, tuned first with a grid of 24 configurations, then with a 20-trial Optuna "
    "study. Its presets run both, without its mistakes (validation for selection, one test at the end)."
)

title, new = st.columns([4, 1], vertical_alignment="center")
with title:
    st.title("Sweetspot")
    st.caption("Hyperparameter searches you launch from the browser and watch as they run.")
    st.caption(ARTICLE)
if new.button("New run", type="primary", icon=":material/add:", width="stretch"):
    st.switch_page(LAUNCH)


def demo_preset(name: str, limits: DemoLimits) -> RunSpec | None:
    """The preset as the public demo starts it: no model file, and within the caps (the
    houses search's 60 trials and 2 workers become the caps' 40 and 1); None if it cannot."""
    return limits.fit(preset_spec(name)) if preset_code(name) is None else None


def start_preset(name: str, limits: DemoLimits | None) -> None:
    spec = demo_preset(name, limits) if limits else preset_spec(name)  # a preset's model file
    # is described only when it starts, never while the page is drawn
    with engine_errors():
        run = launch(spec, storage_url=storage_url(), owner=visitor())
    st.switch_page(MONITOR, query_params={"run": run.name})


def offered_presets(limits: DemoLimits | None) -> dict[str, str]:
    """The presets to offer, each with the text its card shows (in the demo, what the caps
    change)."""
    if limits is None:
        return dict(PRESET_HELP)
    offered = {}
    for name, text in PRESET_HELP.items():
        fitted = demo_preset(name, limits)
        if fitted is None:
            continue
        if fitted != preset_spec(name):
            workers = f"{fitted.workers} worker" + ("s" if fitted.workers > 1 else "")
            text += f". In this demo: {fitted.n_trials_planned()} trials, {workers}"
        offered[name] = text
    return offered


def empty_state() -> None:
    st.subheader("No runs yet")
    st.write("Start with one of the presets; each one opens the Monitor at once.")
    limits = DemoLimits.from_env()
    offered = offered_presets(limits)
    for column, (name, text) in zip(st.columns(len(offered)), offered.items(), strict=True):
        with column.container(border=True, height="stretch"):
            st.markdown(f"**{name}**")
            st.caption(text)
            if st.button("Start", key=f"preset-{name}", icon=":material/play_arrow:"):
                start_preset(name, limits)


def summaries() -> list[RunSummary]:
    with engine_errors():
        return run_summaries(storage_url())


def filtered(runs: list[RunSummary]) -> list[RunSummary]:
    """The runs carrying every chosen tag and whose note or name holds the search text."""
    tags = sorted({tag for s in runs for tag in s.tags})
    by_tag, by_text = st.columns([2, 3])
    chosen = by_tag.multiselect("Filter by tag", tags, key="tag_filter", disabled=not tags,
                                placeholder="no tags yet" if not tags else "any tag")  # fmt: skip
    text = by_text.text_input("Search notes and names", key="note_filter").strip().lower()
    return [
        s
        for s in runs
        if set(chosen) <= set(s.tags) and (not text or text in s.note.lower() or text in s.name.lower())
    ]


def runs_table(runs: list[RunSummary]) -> None:
    """The runs as a table, with their tags and notes (plain text); selecting one offers its pages."""
    runs = filtered(runs)
    rows = [
        {
            "run": s.name,
            "strategy": s.strategy,
            "state": s.state,
            "progress": min(100 * done // s.trials_planned, 100) if s.trials_planned else None,
            "trials": f"{done} / {s.trials_planned or '–'}",
            "metric": (
                " + ".join(o["name"] for o in s.objectives)
                if s.objectives
                else f"{get_metric(s.metric).label} ({s.metric_unit})"
            ),
            "best score": fmt_score(s.best_value),
            "test score": fmt_score(s.test_loss),
            "dataset": data_label(s),
            "started": fmt_age(s.created_at),
            "tags": ", ".join(s.tags),
            "note": note_line(s.note),
        }
        for s in runs
        for done in [s.n_complete + s.n_failed + s.n_pruned]
    ]
    text = st.column_config.TextColumn
    event = st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="runs",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "progress": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%d%%"),
            "metric": text(help="the run's selection metric and its units (its objectives, when several)"),
            "best score": text(
                help="best validation score so far, in the run's (selection) metric; a run of several "
                "objectives shows its winner's",
                alignment="right",
            ),
            "test score": text(
                help="the winner's score on held-out rows, in the run's metric", alignment="right"
            ),
            "dataset": text(
                help="a built-in dataset's name, the uploaded file's, or the code that brings its own data"
            ),
            "note": text(help="the first line of the run's note, as text"),
        },
    )
    chosen = event.selection.rows  # type: ignore[union-attr]
    if not chosen:
        st.caption("Select a run to open it.")
        return
    name = rows[chosen[0]]["run"]
    pages = (("Monitor", MONITOR), ("Analysis", ANALYSIS), ("Compare", COMPARE))
    for column, (label, page) in zip(st.columns(len(pages)), pages, strict=True):
        if column.button(f"{label}: {plain(name)}", key=f"open-{label}", width="stretch"):
            st.switch_page(page, query_params={"run": name})


def overview(live: bool) -> None:
    started = time.perf_counter()
    runs = summaries()
    active = [s for s in runs if s.active]
    if live and not active:
        end_live()
    total, running, trials = st.columns(3)
    total.metric("Runs", len(runs), border=True)
    running.metric("Active now", len(active), border=True)
    finished = sum(s.n_complete + s.n_failed + s.n_pruned for s in runs)
    trials.metric("Trials finished", f"{finished:,}", border=True)
    runs_table(runs)
    refreshed_caption(started, live)


known_runs = summaries()
if not known_runs:
    empty_state()
else:
    live_panel(overview, live=any(s.active for s in known_runs))
storage_caption()
