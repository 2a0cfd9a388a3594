"""Deleting a run from the Monitor: at the foot of the page, and only after a confirmation.

Delete used to take Stop's place in the header once a run ended, so it came up under the
pointer of whoever had just stopped the run, and one more click deleted it for good. It
now sits apart from Stop, shows only once the run has ended, and asks first, naming the
run and how many trials go with it.
"""

from __future__ import annotations

import streamlit as st

from pages._shared.common import ERROR, admin_token, plain, visitor
from pages._shared.lifecycle_panels import refusal
from tuning import Run, RunSnapshot, TuningError, check_control, delete_run

#: The run whose deletion is being confirmed: the dialog stays open across reruns until
#: the reader confirms, cancels or dismisses it.
CONFIRM_KEY = "delete_confirm"


def delete_panel(snapshot: RunSnapshot) -> None:
    """The Delete button of an ended run, and the confirmation it opens."""
    run, summary = snapshot.run, snapshot.summary
    if summary.active:
        return
    why_not = refusal(run)
    if st.button(
        "Delete run",
        icon=":material/delete:",
        key="delete_run",
        disabled=why_not is not None,
        help=plain(why_not) if why_not else "asks first; removes the run and its trials from the storage",
    ):
        st.session_state[CONFIRM_KEY] = run.name
    if st.session_state.get(CONFIRM_KEY) == run.name:
        confirm_delete(run, len(snapshot.frame))


def _forget() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


@st.dialog("Delete this run?", on_dismiss=_forget)
def confirm_delete(run: Run, trials: int) -> None:
    """Name the run and its trial count; delete only on the button that names the run again."""
    name = plain(run.name)
    st.markdown(
        f"Delete run **{name}** and its {trials:,} trials for good? Its weights and worker logs "
        "go with it. This cannot be undone."
    )
    delete, cancel = st.columns(2)
    if delete.button(f"Delete {name}", type="primary", icon=":material/delete:", width="stretch"):
        try:
            check_control(run, visitor(), admin_token())  # the page may be a refresh old
            delete_run(run)
        except TuningError as error:  # e.g. a read-only journal: a message, not a traceback
            st.error(plain(error), icon=ERROR)
            return
        _forget()
        st.query_params.pop("run", None)
        st.session_state.pop("monitor_run", None)
        st.rerun()
    if cancel.button("Cancel", width="stretch"):
        _forget()
        st.rerun()
