"""The Monitor's trade-offs: the front as it grows, its trials in a table, the winner to pick.

Drawn only for a run of several objectives or with bounds. The charts and the table are
part of the live panel: the watcher keeps the front as trials finish, so a refresh costs
what the new trials cost. The picker is drawn outside it, once per page run, like the
lifecycle panels: a refresh every 2 s would close its list under the pointer.
"""

from __future__ import annotations

import functools

import streamlit as st

from pages._shared.common import INFO, plain
from pages._shared.lifecycle_panels import actor, attempt, refusal
from pages._shared.live_chart import shared_chart
from pages._shared.monitor_panels import markdown_table, table_cell
from tuning import (
    Run,
    RunSnapshot,
    RunSummary,
    fmt_score,
    front_figure,
    front_points,
    front_table,
    pick_winner,
)

#: The front's rows shown in the table, best in the selection metric first.
TABLE_ROWS = 50
PICK_KEY = "front_pick"


def front_panel(run: Run, snapshot: RunSnapshot) -> None:
    """The front's charts (one for two objectives, one per pair for three, the score by trial
    for one objective with bounds), what the winner is, and the front's trials."""
    summary, points = snapshot.summary, snapshot.points
    if points is None:
        return
    st.subheader("Trade-offs")
    drawn = snapshot.derived("front-points", lambda: front_points(run.spec, points, summary.winner))
    columns = st.columns(len(drawn.axes))
    for column, (x, y) in zip(columns, drawn.axes, strict=True):
        with column:
            key = "front" if len(drawn.axes) == 1 else f"front-{x}-{y}"
            alt = f"{drawn.titles[y]} against {drawn.titles[x]} of every complete trial, the front marked"
            shared_chart(snapshot, key, alt, functools.partial(front_figure, drawn, x, y, run.name))
    st.caption(_described(summary))
    table = front_table(run.spec, summary)
    if table.empty:
        st.info("No complete trial keeps the bounds yet: the front appears with the first.", icon=INFO)
        return
    shown = table.head(TABLE_ROWS)
    st.markdown(
        markdown_table(
            [plain(column) for column in shown.columns],
            ([table_cell(value) for value in row] for row in shown.itertuples(index=False)),
        )
    )
    if len(table) > len(shown):
        st.caption(f"The {len(shown)} best by the selection metric of the {len(table)} trials on the front.")


def _described(summary: RunSummary) -> str:
    front = len(summary.pareto or [])
    bounds = f" {summary.n_infeasible} break a bound and are drawn apart." if summary.n_infeasible else ""
    if summary.winner is None:
        return f"{front} trial(s) on the front.{bounds}"
    how = "picked" if summary.picked else "the front's best by the selection metric, within the bounds"
    return (
        f"{front} trial(s) on the front.{bounds} The winner is trial #{summary.winner} ({how}): "
        "only it is tested on the held-out rows, once, when the run ends."
    )


def pick_panel(snapshot: RunSnapshot) -> None:
    """Pick another trial of the front as the winner: tested when the run ends, or at once by
    one worker when it has ended. Its list is the front when the page last ran."""
    summary = snapshot.summary
    if snapshot.points is None or not summary.pareto:
        return
    st.subheader("Pick the winner")
    entries = {entry["number"]: entry for entry in summary.pareto}
    numbers = list(entries)
    if st.session_state.get(PICK_KEY) not in numbers:
        st.session_state[PICK_KEY] = summary.winner if summary.winner in entries else numbers[0]
    names = [goal["name"] for goal in summary.objectives or []]
    choice, button = st.columns([3, 1], vertical_alignment="bottom")
    number = choice.selectbox(
        "Winner to test",
        numbers,
        key=PICK_KEY,
        format_func=lambda n: (
            f"#{n}: " + ", ".join(f"{k} {fmt_score(entries[n]['values'][k])}" for k in names)
        ),
        help="the one trial tested on the held-out rows; by default the front's best by the selection metric",
    )
    why_not = refusal(snapshot.run) or ("it is the winner already" if number == summary.winner else None)
    if button.button(
        "Make it the winner", disabled=why_not is not None, help=why_not, key="front_pick_button"
    ):
        attempt(lambda: _picked(snapshot.run.name, number))


def _picked(name: str, number: int) -> str:
    if pick_winner(name, number, actor()):
        return f"Trial {number} is the winner: a worker tests it on the held-out rows now."
    return f"Trial {number} is the winner: it is tested on the held-out rows when the run ends."
