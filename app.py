"""Sweetspot's dashboard: launch hyperparameter searches and watch them, in the browser.

Run it with ``streamlit run app.py``. The pages only read the storage and start worker
processes through ``tuning``; nothing here trains or imports torch, so a reload, a second
tab or a restart of this server never stops or duplicates a run.

The pages are the scripts in ``pages/``, their shared helpers are in ``pages/_shared/``.
Each page first checks that this file's navigation runs it (``pages/_shared/shell.py``):
a restarted server's first request for a page URL reaches the page directly otherwise.
"""

from __future__ import annotations

import streamlit as st

from pages._shared.collector import freeze_imports
from pages._shared.plotly_js import preload_plotly
from pages._shared.shell import (
    ANALYSIS,
    COMPARE,
    HOME,
    LAUNCH,
    MONITOR,
    app_shell,
    error_boundary,
    show_error_details,
)

st.set_page_config(page_title="Sweetspot", page_icon=":material/target:", layout="wide")

#: The pages that draw charts: plotly.js starts loading before they run (see below).
CHART_PAGES = [
    st.Page(MONITOR, title="Monitor", icon=":material/monitoring:"),
    st.Page(COMPARE, title="Compare", icon=":material/stacked_line_chart:"),
    st.Page(ANALYSIS, title="Analysis", icon=":material/insights:"),
]
PAGES = [
    st.Page(HOME, title="Runs", icon=":material/view_list:", default=True),
    st.Page(LAUNCH, title="Launch", icon=":material/rocket_launch:"),
    *CHART_PAGES,
]

with app_shell():
    page = st.navigation(PAGES, position="top")
    if page.url_path in {chart_page.url_path for chart_page in CHART_PAGES}:
        # Before anything imports the engine or reads the storage (a second on a freshly
        # started server), so the browser loads plotly.js meanwhile (docs/dashboard.md).
        preload_plotly()
    # The engine, once plotly.js is on its way: the imports at the top of this file are light.
    from pages._shared.common import remember_visitor
    from tuning import DemoLimits

    public = DemoLimits.from_env() is not None  # the public demo: strangers use it
    show_error_details(public)
    with error_boundary(public):  # a short message and a reference; the trace to the log
        page.run()
    if public:  # runs belong to visitors only in the public demo
        remember_visitor()  # below the page: its empty element moves nothing the reader sees
freeze_imports()  # once a page's imports are done, every later collection skips what they made
