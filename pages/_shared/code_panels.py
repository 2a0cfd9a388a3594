"""The Monitor's view of a run of the user's own code: which file, its text, its tracebacks.

A run of a model file or an Optuna objective shows its reference and hash (the file's
text on demand), and an objective's run says that it has no test rows, weights or
baselines rather than leaving blanks. Failed trials are one line under the progress (how
many, and why most of them failed) and their tracebacks, cut to the frames of the user's
own code, open on demand, only off the public demo (which runs no user code, and whose
visitors need not see server paths): three of them, whole, once pushed the charts a
screen down the page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._shared.common import INFO, code_span, on_demand, plain
from tuning import DemoLimits, Run, RunSummary, failure_headline, user_tracebacks

CODE_OPEN_KEY = "monitor_code_open"
TRACEBACKS_OPEN_KEY = "monitor_tracebacks_open"


def code_caption(run: Run, summary: RunSummary) -> None:
    """Which model file or objective the run tunes, with its text on demand."""
    source = run.spec.source
    if source is None or summary.code is None:
        return
    st.caption(
        f"Your {source.kind.value}: {code_span(source.reference)} · sha256 `{source.sha256[:12]}…` "
        "(workers whose copy differs refuse to join)"
    )
    on_demand(
        f"The {source.kind.value}'s file, as stored with the run",
        ":material/code:",
        CODE_OPEN_KEY,
        lambda: st.code(source.text, language="python"),
    )


def no_test_note(summary: RunSummary) -> None:
    """Say why an objective's run has no test score, weights or baselines."""
    if not summary.tests_winner:
        st.info(
            "An Optuna objective is scored by the value it returns: Sweetspot sees no data or model "
            "of it, so this run has no test rows, no weights and no baselines.",
            icon=INFO,
        )


def failures_panel(run: Run, summary: RunSummary, frame: pd.DataFrame) -> None:
    """One line on the failed trials, and their tracebacks read only while the reader has
    them open (local mode only). The expander's label is fixed: a label that changed with
    the count would close it at every refresh (docs/dashboard.md)."""
    headline = failure_headline(frame) if summary.n_failed else None
    if headline is None:
        return
    st.caption(f":material/bug_report: {plain(headline)}")
    if DemoLimits.from_env() is not None:
        return

    def draw() -> None:
        tracebacks = user_tracebacks(run)
        if not tracebacks:
            st.caption("No failed trial has a stored traceback (they failed by divergence or a dead worker).")
        for number, text in sorted(tracebacks.items()):
            st.markdown(f"**Trial #{number}**")
            st.code(text, language="python")

    on_demand("Tracebacks of failed trials", ":material/bug_report:", TRACEBACKS_OPEN_KEY, draw)
