"""The Monitor's panels, drawn on every refresh from one read of the run's trials."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages._shared.code_panels import code_caption, no_test_note
from pages._shared.common import (
    ADMIN_TOKEN_KEY,
    ERROR,
    WARNING,
    admin_token,
    on_demand,
    plain,
    state_badge,
    visitor,
)
from pages._shared.live_chart import live_plotly_chart, shared_chart
from pages._shared.trial_filters import trial_filter
from tuning import (
    DemoLimits,
    HiddenState,
    NotAllowed,
    Run,
    RunSnapshot,
    RunState,
    RunSummary,
    SpecError,
    Task,
    TuningError,
    WinnerOutcome,
    add_baselines,
    baseline_lines,
    baseline_notes,
    best_steps,
    check_control,
    column_format,
    confusion_figure,
    curves_figure,
    data_label,
    export_run,
    filter_fields,
    fmt_duration,
    fmt_score,
    get_metric,
    history_figure,
    history_frame,
    history_points,
    loss_title,
    maximizing,
    parallel_figure,
    parallel_frame,
    param_columns,
    prediction_figure,
    reproduce_command,
    reproduce_spec,
    request_stop,
    run_progress,
    safe_csv,
    shown_rows,
    space_label,
    trial_table,
    winner_outcome,
)

#: The trial last selected in the trials table; "Try a configuration" opens and starts from it.
PICKED_ROW_KEY = "trials_picked_row"
TRY_OPEN_KEY = "try_open"
#: Whether the reader opened the trials table, and the command that reproduces the best.
#: Both are lazy expanders: closed, nothing of theirs is computed or sent to the browser.
TRIALS_OPEN_KEY = "monitor_trials_open"
REPRODUCE_OPEN_KEY = "monitor_reproduce_open"
#: The Admin popover's box, and a mark that a token was just typed there.
ADMIN_INPUT_KEY, ADMIN_TYPED_KEY = "admin_token_input", "admin_token_typed"


def header(run: Run, summary: RunSummary) -> None:
    """State, what the run is, and Stop while it is active (Delete is at the foot of the page:
    in this place it came up under the pointer of whoever had just pressed Stop)."""
    title, control = st.columns([5, 1], vertical_alignment="center")
    with title:
        state_badge(summary.state)
        spec = run.spec
        st.caption(
            f"{spec.strategy.value} search on {data_label(summary)} · {space_label(spec, summary)} · "
            f"{spec.workers} worker(s), {summary.workers_alive} alive · pruner {spec.pruner.value}"
        )
    try:
        check_control(run, visitor(), admin_token())
        refusal = None
    except NotAllowed as error:  # demo mode: only the visitor who started it (or the admin)
        refusal = str(error)
    if st.session_state.pop(ADMIN_TYPED_KEY, False) and refusal is None:
        st.rerun(scope="app")  # the buttons outside this live panel (Extend, Delete) follow it too
    if refusal and DemoLimits.from_env() is not None:
        with control.popover("Admin", icon=":material/key:"):
            st.text_input("Admin token", type="password", key=ADMIN_INPUT_KEY, on_change=_keep_admin_token)
    if summary.active:
        control.button(
            "Stop run",
            icon=":material/stop:",
            on_click=_stop,
            args=(run,),
            width="stretch",
            disabled=summary.state == RunState.STOPPING or refusal is not None,
            help=plain(refusal) if refusal else "workers finish their current trial, then the run ends",
        )
    if summary.error and summary.state in (RunState.FAILED, RunState.INTERRUPTED):
        st.error(plain(summary.error), icon=ERROR)
    code_caption(run, summary)


def _keep_admin_token() -> None:
    """Keep the typed token where ``admin_token`` reads it: a widget's own state is dropped
    on the first rerun that does not draw it, and the box is drawn only while refused."""
    st.session_state[ADMIN_TOKEN_KEY] = st.session_state.get(ADMIN_INPUT_KEY) or None
    st.session_state[ADMIN_TYPED_KEY] = True


def _stop(run: Run) -> None:
    try:
        check_control(run, visitor(), admin_token())  # the button's state may be a refresh old
        request_stop(run)
    except TuningError as error:  # not allowed, or a read-only journal: a message, not a traceback
        st.error(plain(str(error)), icon=ERROR)


def progress(run: Run, summary: RunSummary, frame: pd.DataFrame) -> None:
    """The progress bar (in epochs: a population's trials all finish at once) with every
    state's count, the epochs trained and the time left at the run's pace."""
    now = time.time()
    made = run_progress(run.spec, summary, frame, now)
    parts = [
        f"{made.trials_done} / {made.trials_planned or '–'} trials done",
        f"{summary.n_complete} complete",
        f"{summary.n_running} running",
        f"{summary.n_pruned} pruned",
        f"{summary.n_failed} failed",
    ]
    if made.epochs_planned and summary.active:
        parts.insert(1, f"{made.epochs_done:,} / {made.epochs_planned:,} epochs")
    if summary.n_hand_picked:
        parts.append(f"{summary.n_hand_picked} hand-picked")
    if summary.warm_start:
        parts.append(f"{summary.n_inherited} inherited from {summary.warm_start['from']}")
    left = made.seconds_left
    if left is not None:
        parts.append(f"about {fmt_duration(left)} left" if left >= 1 else "finishing")
    st.progress(made.fraction, text=" · ".join(parts))
    best, trial, test, elapsed = st.columns(4)
    unit = plain(loss_title(run.spec))  # a CSV's target name: Markdown in tooltips
    label = get_metric(summary.metric).label
    # A trade-off's winner is a trial of the front, the best in the selection metric until
    # someone picks another: "best" would name a trial that another beats on the chart.
    tradeoff = summary.objectives is not None
    number = "–" if summary.best_trial is None else f"#{summary.best_trial}"
    if tradeoff:
        how = "picked by hand from the front" if summary.picked else f"the front's best in validation {label}"
        best.metric(f"Winner's validation {label}", fmt_score(summary.best_value), help=unit, border=True)
        trial.metric("Winner", number, help=how, border=True)
    else:
        best.metric(f"Best validation {label}", fmt_score(summary.best_value), help=unit, border=True)
        trial.metric("Best trial", number, border=True)
    test.metric(
        f"Test {label} of the {'winner' if tradeoff else 'best'}",
        fmt_score(summary.test_loss),
        border=True,
        help=f"{unit} on held-out rows, computed once when the run ends",
    )
    elapsed.metric(
        "Elapsed",
        fmt_duration(summary.active_seconds(now)),
        border=True,
        help="while the run was going; the time it sat ended before an extension is left out",
    )


def charts(run: Run, snapshot: RunSnapshot, log_y: bool) -> None:
    """Score by trial with the best so far and the baselines, learning curves, and parallel
    coordinates; each built once per snapshot and choice of toggles (``shared_chart``), for
    every session watching the run."""
    frame = snapshot.frame
    unit = loss_title(run.spec)
    lines = baseline_lines(snapshot.summary.baselines or {}, get_metric(snapshot.summary.metric))
    left, right = st.columns(2)
    with left:
        history_chart(run, snapshot, unit, log_y, lines)
        dotted = ["Dotted lines: the baselines' validation scores on the same splits and preprocessing."]
        notes = (dotted if lines else []) + baseline_notes(snapshot.summary.baselines)
        if notes:
            st.caption(plain(" ".join(notes)))
    with right:
        selection = snapshot.curves
        st.markdown("**Learning curves**")
        shared_chart(
            snapshot,
            "curves",
            "validation loss per epoch of the best and the running trials",
            lambda: curves_figure(selection, unit, log_y, run.name),
            log_y,
        )
        st.caption(selection.caption())
    maximize = maximizing(run.spec)
    best_lines = snapshot.derived("parallel-lines", lambda: parallel_frame(frame, maximize=maximize))
    if len(best_lines) >= 2 and param_columns(frame):
        st.markdown("**Parameters against the score**")
        shared_chart(
            snapshot,
            "parallel",
            "parallel coordinates of the hyperparameters and the loss",
            lambda: parallel_figure(best_lines, run.spec.space, unit, run.name, maximize=maximize),
        )
        complete = int((frame["state"] == "complete").sum())
        shown = (
            f"The {len(best_lines):,} best of {complete:,} complete trials. "
            if len(best_lines) < complete
            else ""
        )
        st.caption(
            f"{shown}To filter by dragging along an axis, open the Analysis page's Parallel coordinates."
        )


def history_chart(
    run: Run, snapshot: RunSnapshot, unit: str, log_y: bool, lines: list[tuple[str, float]]
) -> None:
    """Score of each trial with the baselines, with switches for the states it shows and for
    clipping wild scores."""
    frame = snapshot.frame
    title, states, clip_col = st.columns([3, 3, 2], vertical_alignment="center")
    title.markdown(f"**{_initial(get_metric(snapshot.summary.metric).label)} of each trial**")
    optional = [state.value for state in HiddenState]
    shown = states.pills(
        "Also show", optional, selection_mode="multi", default=optional, key="history_states",
        label_visibility="collapsed", help="pruned and failed trials are drawn at their last epoch's loss",
    )  # fmt: skip
    clip = clip_col.toggle(
        "Clip outliers", value=True, key="history_clip", help="end the loss axis above the bulk of the losses"
    )
    hide = frozenset(state for state in HiddenState if state.value not in shown)

    def figure() -> go.Figure:
        history = history_points(history_frame(frame), best_steps(frame), hide=hide, clip=clip)
        drawn = history_figure(history, unit, log_y, f"{run.name}:{'clipped' if clip else 'all'}")
        return add_baselines(drawn, lines, ceiling=history.fence)

    alt = "validation score of each trial and the best so far"
    shared_chart(snapshot, "history", alt, figure, hide, clip, log_y)


def best_panel(run: Run, summary: RunSummary) -> None:
    """The winner so far: its configuration, losses, how to reproduce it, its weights.

    No code block is drawn until asked for: the first one on a page loads Streamlit's
    syntax highlighter (1.5 MB of script, every language Prism knows), a third of a second
    of a new visitor's browser before the charts can draw (docs/dashboard.md).
    """
    st.subheader("The winner's configuration" if summary.objectives is not None else "Best configuration")
    no_test_note(summary)
    if summary.best_params is None:
        st.info("No trial has completed yet; the best configuration appears with the first.")
        return
    params = {**run.spec.fixed_values(), **summary.best_params}
    label = get_metric(summary.metric).label
    config, reproduce = st.columns(2)
    with config:
        tested = (
            f", test {label} **{fmt_score(summary.test_loss)}**"
            + (" (computed when the run ends)" if summary.test_loss is None else "")
            if summary.tests_winner
            else ""
        )
        st.markdown(
            f"Trial **#{summary.best_trial}**: validation {label} **{fmt_score(summary.best_value)}**"
            f"{tested} ({plain(summary.metric_unit)})"
        )
        st.markdown(params_table(params))
    with reproduce:
        reproduce_panel(run, summary, params)
    outcome = None if summary.active else winner_outcome(run, summary)
    if outcome is not None:
        on_test(outcome)


def params_table(params: dict[str, Any]) -> str:
    """A configuration as a Markdown table: each hyperparameter and its value."""
    return markdown_table(
        ("hyperparameter", "value"), ((f"`{name}`", table_cell(v)) for name, v in params.items())
    )


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A small table as Markdown: a few rows read at a glance need no data grid, whose
    1.5 MB of script a new visitor's browser would load first (docs/dashboard.md)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def table_cell(value: Any) -> str:
    """A value as it reads in a table: scores as every page writes them, none as a dash,
    text as plain text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return fmt_score(value) if isinstance(value, float) else plain(str(value))


def reproduce_panel(run: Run, summary: RunSummary, params: dict[str, Any]) -> None:
    """How to train the best configuration again (on demand), and its model once the run ended."""
    if run.spec.objective is not None:  # its space is in its code: no spec fixes a trial's parameters
        st.markdown(
            "**Reproduce it**: in a study of your objective, `study.enqueue_trial(params)` with these "
            "parameters, then `study.optimize(objective, n_trials=1)`"
        )
    else:
        st.markdown(
            "**Reproduce it** (same data, split and seed: the same validation loss, up to rounding and "
            "dropout noise when it trained among other trials)"
        )
    on_demand(
        "Command and configuration",
        ":material/terminal:",
        REPRODUCE_OPEN_KEY,
        lambda: _commands(run, summary, params),
    )
    from pages._shared.winner_panels import model_download  # it uses this module's tables

    model_download(run, summary)


def _commands(run: Run, summary: RunSummary, params: dict[str, Any]) -> None:
    """The command that trains the best configuration again (none for an objective: see
    ``reproduce_panel``), and the configuration as JSON."""
    if run.spec.objective is None:
        try:
            command = reproduce_command(
                run.name, reproduce_spec(run.spec, summary.best_params or {}), summary.code
            )
            st.code(command, language="bash", wrap_lines=True)
        except SpecError as error:  # trials written by something else than Sweetspot's workers
            st.warning(f"This configuration cannot be relaunched as it is: {plain(error)}", icon=WARNING)
    st.code(json.dumps(params, indent=2), language="json")


def on_test(outcome: WinnerOutcome) -> None:
    """The winner on the test rows: every metric beside the baselines', the verdict, a picture."""
    scores, picture = st.columns(2)
    with scores:
        st.markdown("**On the test rows**")
        network = outcome.table["tuned network"]
        shown = (
            f"{label} **{fmt_score(None if pd.isna(value) else float(value))}**"
            for label, value in network.items()
        )
        st.markdown(" · ".join(shown))
        table = outcome.table
        st.markdown(
            markdown_table(
                ("metric", *(plain(str(column)) for column in table.columns)),
                ((label, *(table_cell(value) for value in values)) for label, values in table.iterrows()),
            )
        )
        if outcome.verdict:
            verdict = "; ".join(outcome.verdict)  # an error metric's unit names the CSV's target
            st.markdown(f"By {outcome.metric.label}, the tuned network {plain(verdict)}.")
    with picture:
        if outcome.picture is None:
            return
        if outcome.task is Task.CLASSIFICATION:
            st.markdown("**Confusion matrix** (test rows)")
            live_plotly_chart(
                confusion_figure(outcome.picture), key="confusion", alt="confusion matrix of the test rows"
            )
        else:
            st.markdown("**Predicted against actual** (test rows)")
            unit = outcome.metric_unit.removesuffix("²")
            live_plotly_chart(
                prediction_figure(outcome.picture, unit),
                key="predictions",
                alt="predicted against actual, test rows",
            )


def trials_panel(run: Run, frame: pd.DataFrame, notes: dict[int, str]) -> None:
    """The trials table on demand, and the trials (those passing its filter) as CSV.

    The table opens on the reader's click: closed, it costs the server nothing and the
    browser nothing (a data grid is 1.5 MB of script to load and the slowest element to
    draw; docs/dashboard.md), so a big run's charts draw first.
    """
    st.subheader("Trials")
    table = on_demand(
        "Table of the trials: filter, sort, pick one to try from",
        ":material/table_rows:",
        TRIALS_OPEN_KEY,
        lambda: trials_table(run, frame, notes),
    )
    downloads = (
        (
            "Download trials (CSV)",
            lambda: safe_csv(_all_trials(run, frame, notes) if table is None else table),
            f"{run.name}-trials.csv",
            "text/csv",
            "every trial that passes the table's filter (every trial while the table is closed)",
        ),
        (
            "Download run (JSON)",
            lambda: json.dumps(export_run(run), indent=1),
            f"{run.name}.json",
            "application/json",
            "spec, outcome, every trial with its learning curve; also `python -m tuning export`",
        ),
    )
    for column, (label, data, file_name, mime, help) in zip(st.columns(2), downloads, strict=True):
        column.download_button(
            label,
            data,
            file_name=file_name,
            mime=mime,
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
            help=help,
        )


def _all_trials(run: Run, frame: pd.DataFrame, notes: dict[int, str]) -> pd.DataFrame:
    """Every trial's row with its note, the score column named after the run's metric."""
    return _with_notes(run, frame, notes).rename(columns={"loss": _score_column(run)})


def _with_notes(run: Run, frame: pd.DataFrame, notes: dict[int, str]) -> pd.DataFrame:
    """Every trial's row, with its note; its "loss" column is the run's score (the run's
    other objectives and validation metrics beside it, that one not repeated)."""
    everything = trial_table(frame, spec=run.spec)
    return everything.assign(note=[notes.get(int(n), "") for n in everything["number"]])


def _score_column(run: Run) -> str:
    return f"validation {run.spec.selection.label}"


def trials_table(run: Run, frame: pd.DataFrame, notes: dict[int, str]) -> pd.DataFrame:
    """The filter, and the trials passing it, sortable by any column; selecting one starts
    "Try a configuration" from it. Returns every trial that passes the filter."""
    everything = _with_notes(run, frame, notes)  # filtered on its "loss" column: the run's score
    filtered = trial_filter(filter_fields(run.spec.searched())).apply(everything)
    score = _score_column(run)
    table = filtered.rename(columns={"loss": score})
    shown = shown_rows(filtered, maximize=maximizing(run.spec)).rename(columns={"loss": score})
    if len(table) < len(everything):
        st.caption(f"{len(table):,} of {len(everything):,} trials pass the filter.")
    if len(shown) < len(table):
        st.caption(
            f"Showing the {len(shown):,} best of {len(table):,}; filter to see others."
            " The CSV holds them all."
        )
    scores = [c for c in shown.columns if c.startswith("validation ")]  # the score and the other metrics
    event = st.dataframe(
        shown,
        hide_index=True,
        placeholder="–",  # a failed trial's score, as every other page writes a missing value
        key="trials",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            **{c: st.column_config.NumberColumn(format=column_format(shown[c])) for c in scores},
            "number": st.column_config.NumberColumn("trial", width="small"),
            score: st.column_config.NumberColumn(
                format=column_format(shown[score]), help=plain(loss_title(run.spec))
            ),
            "duration_s": st.column_config.NumberColumn(
                "duration", format=_duration_format(shown["duration_s"])
            ),
            "epochs_run": st.column_config.NumberColumn("epochs", width="small"),
            "origin": st.column_config.TextColumn(
                help="sampled by the strategy, hand-picked (queued by someone) or inherited (warm start)"
            ),
            "error": st.column_config.TextColumn(width="large"),
        },
    )
    picked = event.selection.rows  # type: ignore[union-attr]
    number = int(shown.iloc[picked[0]]["number"]) if picked else None
    if number is not None and number != st.session_state.get(PICKED_ROW_KEY):
        st.session_state[PICKED_ROW_KEY] = number  # "Try a configuration" starts from this trial
        st.session_state[TRY_OPEN_KEY] = True
        st.rerun(scope="app")  # that panel is outside this live fragment
    st.caption("Select a trial to start the configuration to try from it.")
    return table


def _duration_format(seconds: pd.Series) -> str:
    """Seconds with two significant digits in the shortest trial: a fast run's 0.023 s read
    "0.0 s" at one decimal. The column stays numeric, so it sorts; the CSV keeps raw seconds."""
    positive = seconds[seconds > 0]
    return f"{column_format([positive.min()] if len(positive) else [], digits=2)} s"


def _initial(label: str) -> str:
    """A metric's label at the start of a sentence: "MSE" stays "MSE", "accuracy" becomes "Accuracy"."""
    return label[:1].upper() + label[1:]
