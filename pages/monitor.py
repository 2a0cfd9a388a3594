"""Monitor: one run, live. Refreshes itself while the run is active, then stops.

Only a fragment reruns on the timer, so the picker and toggles keep their state, and the
charts are updated in place, so they keep the reader's zoom and legend choices
(``pages/_shared/live_chart.py``). Everything is drawn from one read of the storage per
refresh; the journal storage replays only the lines added since the last.
"""

from __future__ import annotations

from pages._shared.shell import LAUNCH, within_app

within_app()  # first of all: on a freshly started server this file runs before app.py

import time

import streamlit as st

from pages._shared.code_panels import failures_panel
from pages._shared.common import (
    INFO,
    end_live,
    engine_errors,
    live_panel,
    pick_run,
    refreshed_caption,
    run_names,
    storage_url,
)
from pages._shared.delete_panel import delete_panel
from pages._shared.front_panel import front_panel, pick_panel
from pages._shared.lifecycle_panels import lifecycle_actions, lifecycle_panels
from pages._shared.monitor_panels import best_panel, charts, header, progress, trials_panel
from pages._shared.winner_panels import winner_panels
from tuning import RunSnapshot, shared_watcher

st.title("Monitor")
names = run_names()
if not names:
    st.info("No runs yet.", icon=INFO)
    st.page_link(LAUNCH, label="Launch a run", icon=":material/rocket_launch:")
    st.stop()

picker, live_toggle, log_toggle = st.columns([4, 1, 1], vertical_alignment="bottom")
with picker:
    name = pick_run(names, key="monitor_run")
wants_live = live_toggle.toggle(
    "Live refresh", value=True, key="live", help="pause the updates; charts keep your zoom either way"
)
log_y = log_toggle.toggle("Log-scale score", key="log_y")


def read() -> RunSnapshot:
    """One read of the run's trials, by the watcher every session of this server shares for
    the run: a new visitor reuses its rows."""
    with engine_errors():
        return shared_watcher(name, storage_url()).read()


def panel(live: bool) -> None:
    """One refresh: a single read of the run's trials, drawn into every panel.

    The page's own run has just read the run (``first``, below) and hands that read over;
    the timer's reruns of this fragment alone read afresh. A second read of a
    10,000-trial run cost every page load 0.15 s of server time.
    """
    started = time.perf_counter()
    snapshot = unread.pop() if unread else read()
    run, summary = snapshot.run, snapshot.summary
    if live and not summary.active:
        end_live()
    header(run, summary)
    progress(run, summary, snapshot.frame)
    failures_panel(run, summary, snapshot.frame)  # under the progress: closed, it is one line
    charts(run, snapshot, log_y)
    front_panel(run, snapshot)
    best_panel(run, summary)
    trials_panel(run, snapshot.frame, summary.trial_notes)
    refreshed_caption(started, live)


first = read()
unread = [first]  # not drawn yet: the live panel's first draw takes it
lifecycle_actions(first)
live_panel(panel, live=first.summary.active and wants_live)
pick_panel(first)  # outside the live fragment, as the lifecycle panels: a refresh would close its list
winner_panels(first)  # outside the live fragment too: an upload is not redrawn under the reader
lifecycle_panels(first)  # outside the live fragment: what people type is not redrawn under them
delete_panel(first)  # far from Stop, once the run has ended
