"""Every page runs inside app.py's navigation, even as a freshly started server's first request.

Streamlit 1.67 treats an app with a ``pages/`` folder as an old-style multipage app until
the first ``st.navigation`` call in the server process. Until then, a request for a page
URL (``/monitor?run=NAME`` right after a restart) runs ``pages/monitor.py`` on its own:
no page config, no top navigation, every file of the folder listed in a sidebar.

``app.py`` marks the script runs it drives (``app_shell``). A page calls ``within_app()``
first; without the mark it runs app.py in its place, in the same script run, and stops.
app.py's ``st.navigation`` then registers the real pages, ends the old-style mode for the
whole process, and runs the page the URL asked for, with its query parameters.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import streamlit as st

APP = Path(__file__).resolve().parents[2] / "app.py"
#: The pages app.py navigates, by file: what ``st.switch_page`` and ``st.page_link`` take.
HOME, LAUNCH, MONITOR, COMPARE, ANALYSIS = (
    "pages/home.py",
    "pages/launch.py",
    "pages/monitor.py",
    "pages/compare.py",
    "pages/analysis.py",
)
_IN_APP: ContextVar[bool] = ContextVar("sweetspot_in_app", default=False)
LOG = logging.getLogger("sweetspot.app")
ERROR_DETAILS = "client.showErrorDetails"
_CONFIGURED_DETAILS = st.get_option(ERROR_DETAILS)  # the operator's, read before any run sets it


@contextmanager
def app_shell() -> Iterator[None]:
    """Mark the pages run inside this block as run by app.py (a script run is one thread)."""
    token = _IN_APP.set(True)
    try:
        yield
    finally:
        _IN_APP.reset(token)


def within_app() -> None:
    """Call first on every page: outside app.py's navigation, run app.py instead and stop."""
    if _IN_APP.get():
        return
    exec(compile(APP.read_text(), str(APP), "exec"), {"__name__": "__main__", "__file__": str(APP)})
    st.stop()


def show_error_details(public: bool) -> None:
    """In the public demo, show visitors no trace, type or message of an uncaught error.

    ``client.showErrorDetails = "none"``: what escapes ``error_boundary`` (a live panel's
    timer rerun runs its fragment alone, outside the page's boundary) shows Streamlit's
    generic message, and Streamlit writes the trace to the server's console. The option
    is read when an error is drawn, so setting it in the script applies from this run on;
    it holds for the whole process, so a private app gets the operator's setting back.
    """
    st.set_option(ERROR_DETAILS, "none" if public else _CONFIGURED_DETAILS)


@contextmanager
def error_boundary(public: bool) -> Iterator[None]:
    """In the public demo, an unexpected error shows a short message with a reference; the
    traceback (server paths, code, values) goes to the server log under that reference.

    Locally (``public`` false) the error goes on to Streamlit, which shows the trace to the
    operator, who needs it. Streamlit's own stop and rerun are BaseExceptions: they pass.
    """
    if not public:
        yield
        return
    try:
        yield
    except Exception:
        reference = secrets.token_hex(4)
        LOG.exception("unexpected error shown to a visitor as reference %s", reference)
        st.error(
            f"Something went wrong on our side. Reload the page to try again; if it keeps "
            f"happening, give the operator this reference: {reference}",
            icon=":material/error:",
        )
