"""The Monitor's lifecycle panels: extend a run, fork it, queue a configuration, annotate it.

They are drawn once per page run, outside the live fragment, so what someone is typing
is not redrawn under them every refresh. Every action calls one guarded function of the
engine (``tuning.actions``) and shows its refusal beside the widget; in the public demo
the notes are shown as plain text, never rendered as Markdown.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from pages._shared.common import (
    ERROR,
    SUCCESS,
    WRAPPED_ROW,
    admin_token,
    on_demand,
    plain,
    storage_url,
    visitor,
)
from pages._shared.model_form import spec_form_state
from pages._shared.monitor_panels import PICKED_ROW_KEY, TRY_OPEN_KEY
from pages._shared.shell import LAUNCH
from tuning import (
    Actor,
    DemoLimits,
    Extension,
    NotAllowed,
    Run,
    RunSnapshot,
    RunSummary,
    Strategy,
    TuningError,
    annotate_run,
    annotate_trial,
    check_control,
    enqueue_params,
    extend_run,
    fmt_params,
    fmt_score,
    fork_source,
    get_metric,
    plan_extension,
    trial_table,
)

MESSAGE_KEY = "lifecycle_message"
#: Whether the reader opened Extend and the note editor. Like the trials table, these are
#: lazy: closed, their widgets are neither built nor sent (docs/dashboard.md).
EXTEND_OPEN_KEY = "extend_open"
NOTES_OPEN_KEY = "notes_edit_open"


def refusal(run: Run) -> str | None:
    """Why this visitor may not change the run (demo mode, someone else's), or None."""
    try:
        check_control(run, visitor(), admin_token())
    except NotAllowed as error:
        return str(error)
    return None


def actor() -> Actor:
    """This session as the engine's actions see it: the storage, the visitor, the admin token."""
    return Actor(storage_url(), visitor(), admin_token())


def guarded_button(label: str, why_not: str | None, help: str | None = None, **kwargs: Any) -> bool:
    """A button that is disabled, saying why, when this visitor may not change the run."""
    return st.button(label, disabled=why_not is not None, help=why_not or help, **kwargs)


def attempt(action: Callable[[], str]) -> None:
    """Run ``action`` (an engine call that returns what it did): show its refusal beside the
    button, or remember what it did and rerun the whole page (the run may be live again)."""
    try:
        message = action()
    except TuningError as error:  # it may quote what was typed: text, never Markdown
        st.error(plain(str(error)), icon=ERROR)
    else:
        st.session_state[MESSAGE_KEY] = message
        st.rerun(scope="app")


def lifecycle_actions(snapshot: RunSnapshot) -> None:
    """Above the live view: what the last action did, Extend and Edit as a new run."""
    run, summary = snapshot.run, snapshot.summary
    why_not = refusal(run)
    message = st.session_state.pop(MESSAGE_KEY, None)
    # One slot whether or not there is a message: an element that came and went here would
    # move every element below it, and the live panel's charts would be mounted anew (the
    # reader's zoom lost, the old chart shown stale beside the new one while the page runs).
    notice = st.empty()
    if message:
        notice.success(message, icon=SUCCESS)
    extend_col, fork_col, _ = st.columns([1, 1, 2])
    with extend_col:
        extend_panel(run, summary, why_not)
    with fork_col:
        fork_button(run, why_not)


def lifecycle_panels(snapshot: RunSnapshot) -> None:
    """Below the live view: earlier results, notes and tags, a configuration to try."""
    run, summary = snapshot.run, snapshot.summary
    why_not = refusal(run)
    st.subheader("Notes, earlier results, your own configurations")
    history_panel(summary)
    notes_panel(run, summary, why_not)
    try_panel(run, snapshot.frame, why_not)


def extend_panel(run: Run, summary: RunSummary, why_not: str | None) -> None:
    """More trials or time for an ended run, with workers started at once."""
    blocked = why_not or (
        f"the run is {summary.state}; extend it once it has ended" if summary.active else None
    )
    grid = run.spec.strategy is Strategy.GRID
    popover = st.popover(
        "Extend run",
        icon=":material/add_circle:",
        disabled=blocked is not None,
        help=blocked,
        width="stretch",
        key=EXTEND_OPEN_KEY,
        on_change="rerun",
    )
    if not popover.open:
        return
    with popover:
        label = "Untried grid combinations to queue" if grid else "Trials to add"
        trials = st.number_input(label, 0, 100_000, value=10, key="extend_trials", help="0 = none")
        minutes = st.number_input(
            "Minutes to add",
            0.0,
            10_000.0,
            value=0.0,
            step=5.0,
            key="extend_minutes",
            help="0 = none; with trials alone, a spent time limit is lifted",
        )
        workers = st.number_input("Workers", 1, 64, value=run.spec.workers, key="extend_workers")
        resumed = _resumed(run, trials, minutes)
        if resumed:
            st.caption(resumed)
        if st.button("Extend", type="primary", key="extend_go"):

            def go() -> str:
                extension = Extension(trials or None, minutes or None, int(workers))
                extend_run(run.name, extension, actor())
                return " ".join(
                    filter(
                        None,
                        [f"Run {run.name} {extension.describe()}.", resumed, "Its workers are starting."],
                    )
                )

            attempt(go)


def _resumed(run: Run, trials: int, minutes: float) -> str:
    """What a stop left unrun and the extension resumes besides what it adds, or ""."""
    if not trials and not minutes:
        return ""
    try:
        return plan_extension(run, Extension(trials or None, minutes or None)).says()
    except TuningError:  # nothing to add: Extend says why
        return ""


def fork_button(run: Run, why_not: str | None) -> None:
    """ "Edit as a new run": the Launch form filled with this run's spec and data."""
    help = "opens Launch with this run's settings and data; warm start is offered there"
    if guarded_button("Edit as a new run", why_not, help, icon=":material/fork_right:", width="stretch"):
        try:
            source = fork_source(run.name, actor())
        except TuningError as error:
            st.error(plain(str(error)), icon=ERROR)
            return
        st.session_state.update(spec_form_state(source.spec))
        st.session_state["f_name"] = ""
        st.session_state["f_preset"] = None  # a copy, not a preset: the box said "article-grid"
        st.session_state["fork"] = {
            "name": source.name,
            "csv": source.csv_text,
            "filename": source.spec.dataset.filename,
            "target": source.spec.dataset.target,
        }
        if source.spec.dataset.target:
            st.session_state["f_target"] = source.spec.dataset.target
        st.switch_page(LAUNCH)


def history_panel(summary: RunSummary) -> None:
    """Results the run had before it was extended or reopened: which winner, its test loss, when."""
    if not summary.history:
        return
    st.markdown("**Earlier results**")
    rows = [
        {
            "ended (UTC)": _utc(past["finished_at"]),
            "state": past["state"],
            "best trial": past["best_trial"],
            "validation score": fmt_score(past["best_value"]),
            "test score": fmt_score(past["test_loss"]),
            "best configuration": fmt_params(past["best_params"]),
            "superseded": f"{_utc(past['superseded_at'])}: {past['reason']}",
        }
        for past in summary.history
    ]
    unit = f"{get_metric(summary.metric).label} ({summary.metric_unit})"
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="history",
        row_height=WRAPPED_ROW,  # long cells wrap onto a second line instead of being cut off
        column_config={
            "validation score": st.column_config.TextColumn(help=unit, alignment="right"),
            "test score": st.column_config.TextColumn(help=unit, alignment="right"),
            "best configuration": st.column_config.TextColumn(width=360),  # wrapped: 3 lines
            "superseded": st.column_config.TextColumn("superseded (UTC): why", width=360),
        },
    )
    if summary.active:  # this panel is not refreshed: a trial named now would go stale
        st.caption("Now: going again; its winner is tested when it ends (the best so far is above).")
    else:
        st.caption(f"Now: test score {fmt_score(summary.test_loss)} of trial #{summary.best_trial}.")


def _utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def notes_panel(run: Run, summary: RunSummary, why_not: str | None) -> None:
    """The run's note and tags, and its trials' notes; editable by whoever may change the run."""
    st.markdown("**Notes and tags**")
    as_text = DemoLimits.from_env() is not None  # strangers' text is never rendered in the demo
    with st.container(key="run-notes"):
        if summary.tags:
            st.text("Tags: " + ", ".join(summary.tags))
        if summary.note:
            st.text(summary.note) if as_text else st.markdown(summary.note)
        if not summary.note and not summary.tags:
            st.caption("No note yet.")
    if summary.trial_notes:
        rows = [{"trial": number, "note": note} for number, note in summary.trial_notes.items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="trial-notes")
    on_demand(
        "Edit notes and tags",
        ":material/edit_note:",
        NOTES_OPEN_KEY,
        lambda: note_form(run, summary, why_not),
    )


def note_form(run: Run, summary: RunSummary, why_not: str | None) -> None:
    note = st.text_area("Note (Markdown)", value=summary.note, key=f"note:{run.name}")
    tags = st.text_input("Tags, comma-separated", value=", ".join(summary.tags), key=f"tags:{run.name}")
    if guarded_button("Save note and tags", why_not, key="save_note"):

        def save() -> str:
            annotate_run(run.name, note, [t for t in tags.split(",") if t.strip()], actor())
            return f"Saved the note and tags of {run.name}."

        attempt(save)
    number_col, text_col = st.columns([1, 3], vertical_alignment="bottom")
    number = number_col.number_input("Trial", 0, value=summary.best_trial or 0, key="note_trial")
    trial_note = text_col.text_input("Short note on that trial", key="trial_note_text")
    if guarded_button("Save trial note", why_not, key="save_trial_note"):

        def save() -> str:
            annotate_trial(run.name, int(number), trial_note, actor())
            return f"Saved the note of trial #{int(number)}."

        attempt(save)


def try_panel(run: Run, frame: pd.DataFrame, why_not: str | None) -> None:
    """Queue a hand-picked configuration: a trial's (the best by default) edited, or typed.

    On demand: it opens on a click, or when a trial is selected in the trials table.
    """
    on_demand(
        "Try a configuration",
        ":material/playlist_add:",
        TRY_OPEN_KEY,
        lambda: configuration_form(run, frame, why_not),
    )


def configuration_form(run: Run, frame: pd.DataFrame, why_not: str | None) -> None:
    """A trial to start from (the one selected in the trials table, else the best), its
    configuration as editable JSON, and the button that queues it."""
    table = trial_table(frame)
    complete = table[table["state"] == "complete"].sort_values("loss")
    choices = [int(n) for n in complete["number"]]
    key = f"try:{run.name}"

    def fill() -> None:
        row = complete[complete["number"] == st.session_state.get("try_from")]
        st.session_state[key] = json.dumps(_params(run, row.iloc[0]) if not row.empty else {}, indent=1)

    picked = st.session_state.get(PICKED_ROW_KEY)
    if key not in st.session_state or (picked in choices and picked != st.session_state.get(f"{key}:row")):
        st.session_state[f"{key}:row"] = picked  # a row selected in the trials table wins, once
        st.session_state["try_from"] = picked if picked in choices else (choices[0] if choices else None)
        fill()
    if choices:
        st.selectbox(  # labels that never change: the browser sends a choice back as its label
            "Start from trial (the best first)",
            choices,
            key="try_from",
            on_change=fill,
            format_func=lambda n: f"#{n}",
        )
    picked = table[table["origin"] == "hand-picked"]
    if not picked.empty:
        with st.container(key="hand-picked"):
            st.caption("Hand-picked so far (queued ones appear once they start):")
            columns = ["number", "state", "loss", *run.spec.searched()]
            st.dataframe(picked[columns], hide_index=True, column_config={"number": "trial"})
    text = st.text_area("Configuration (JSON): edit any value within the search space", key=key, height=150)
    help = "runs next; a worker starts if none is alive"
    if guarded_button(
        "Queue this configuration", why_not, help, icon=":material/playlist_add:", key="try_go"
    ):

        def queue() -> str:
            try:
                params = json.loads(text)
            except json.JSONDecodeError as error:
                raise TuningError(f"The configuration is not JSON: {error}") from None
            number = enqueue_params(run.name, params, actor())
            return f"Queued trial #{number} (hand-picked) in {run.name}: it runs next."

        attempt(queue)


def _params(run: Run, row: pd.Series) -> dict[str, Any]:
    """A trial table row's searched hyperparameters as JSON values (whole numbers as ints)."""
    params: dict[str, Any] = {}
    for name in run.spec.searched():
        value = row.get(name)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        value = value.item() if hasattr(value, "item") else value
        params[name] = int(value) if isinstance(value, float) and value.is_integer() else value
    return params
