"""The Launch form's uploaded table: target, task, class balance, and every column's fate.

The page shows the engine's own profile (``tuning.profile_table``), so what the table
says will happen to a column is what training does; the final check is the engine's
``parse_csv`` with the same choices, whose refusal is shown beside the widget.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from pages._shared.common import WRAPPED_ROW, plain
from tuning import FieldError, TableProfile, Task, csv_limits, parse_csv, profile_table, read_csv_frame

INFERRED = "inferred"


@dataclass(frozen=True)
class CsvChoice:
    """An uploaded CSV that parsed, and the user's choices about it."""

    text: str
    filename: str
    target: str
    shape: tuple[int, int]  # rows, columns of the file
    task: Task  # the task training will use (inferred, or the user's override)
    overridden: bool  # True when the user chose the task
    exclude: list[str]


def csv_section(errors: dict[str, str]) -> CsvChoice | None:
    """Upload, target picker, task, class balance, column table and exclusions; problems go
    into ``errors`` under their field."""
    upload = st.file_uploader(
        "CSV file",
        type=["csv"],
        key="f_csv",
        help="a header row, UTF-8; numbers, yes/no and text categories; gaps allowed",
    )
    fork = st.session_state.get("fork") or {}
    if upload is None and fork.get("csv"):  # "Edit as a new run" keeps the run's data
        source = fork.get("filename") or "the CSV"
        st.caption(plain(f"Using {source} of run {fork['name']}; upload a file to replace it."))
        data, filename = fork["csv"].encode("utf-8"), fork.get("filename") or f"{fork['name']}.csv"
    elif upload is None:
        errors["dataset.csv"] = "upload a CSV file with a header row and a column to predict"
        return None
    else:
        data, filename = upload.getvalue(), upload.name
    try:
        frame = read_csv_frame(data, csv_limits())
    except FieldError as error:
        errors[error.field] = error.message
        return None
    columns = [str(c) for c in frame.columns]
    if st.session_state.get("f_target") not in columns:
        st.session_state["f_target"] = columns[-1]
    target = st.selectbox("Target column (what the model predicts)", columns, key="f_target")
    exclude = [c for c in st.session_state.get("f_exclude", []) if c in columns and c != target]
    st.session_state["f_exclude"] = exclude
    try:
        profile = _profile(frame, target, exclude)
    except FieldError as error:
        errors[error.field] = error.message
        return None
    _target_panel(profile)
    _columns_panel(profile, columns, target)
    choice = CsvChoice(
        data.decode("utf-8-sig"), filename, target, (len(frame), len(columns)), profile.task,
        st.session_state.get("f_task", INFERRED) != INFERRED, exclude,
    )  # fmt: skip
    try:
        parse_csv(
            data, target, csv_limits(), choice.task, tuple(exclude), int(st.session_state.get("f_cv", 0))
        )
    except FieldError as error:
        errors[error.field] = error.message
        return None
    return choice


def _profile(frame: pd.DataFrame, target: str, exclude: list[str]) -> TableProfile:
    """The engine's profile under the task the user picked (or the inferred one)."""
    chosen = st.session_state.get("f_task", INFERRED)
    try:
        return profile_table(frame, target, None if chosen == INFERRED else Task(chosen), tuple(exclude))
    except FieldError:
        st.session_state["f_task"] = INFERRED  # e.g. a text target cannot be regression
        raise


def _target_panel(profile: TableProfile) -> None:
    """The inferred task, a way to override it, and the classes with their rows.

    The options' labels never change: the browser sends a radio's choice back as its label,
    so a label that named the inferred task ("inferred: classification") came back after a
    target change as a choice that no longer existed, on every later click. What was
    inferred is the first option's caption instead.
    """
    task_col, balance_col = st.columns([1, 2])
    with task_col:
        st.radio(
            "Task",
            [INFERRED, *[t.value for t in Task]],
            key="f_task",
            captions=[f"{profile.inferred_task.value} for {plain(profile.target)}", *[""] * len(Task)],
            help="text, yes/no, or a few whole-number codes are classes; other numbers are amounts",
        )
    with balance_col:
        if profile.class_counts:
            counts = pd.Series(profile.class_counts, name="rows").sort_values(ascending=False)
            balance = pd.DataFrame({"rows": counts, "share": counts / counts.sum()})
            st.markdown(f"**Class balance** ({len(counts)} classes)")
            st.dataframe(
                balance,
                key="class_balance",
                column_config={
                    "share": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")
                },
            )
        elif profile.task is Task.REGRESSION:  # a class target without classes (all blank) is an error
            st.caption(f"Regression: the model predicts {plain(profile.target)}'s value.")


def _columns_panel(profile: TableProfile, columns: list[str], target: str) -> None:
    """Every column's kind, gaps and fate, and the columns the user leaves out."""
    st.markdown("**Columns** (what training will do with each)")
    st.dataframe(
        pd.DataFrame(profile.rows()),
        hide_index=True,
        key="column_profile",
        row_height=WRAPPED_ROW,  # "dropped: row numbers (a leading index column), …" was cut off
        column_config={
            "missing": st.column_config.NumberColumn(format="percent", help="share of empty cells"),
            "what happens": st.column_config.TextColumn(width="medium"),  # wraps: the rest fits beside
        },
    )
    used = len(profile.features)
    st.caption(f"{used} of {len(columns) - 1} feature columns used; gaps are filled from training rows only.")
    st.multiselect(
        "Leave out columns",
        [c for c in columns if c != target],
        key="f_exclude",
        help="columns the model must not see (e.g. leaks of the target)",
    )
