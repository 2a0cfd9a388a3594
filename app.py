"""Sweetspot's dashboard: launch hyperparameter searches and watch them, in the browser.

Run it with ``streamlit run app.py``. The pages only read the storage and start worker
processes through ``tuning``; nothing here trains or imports torch, so a reload, a second
tab or a restart of this server never stops or duplicates a run.

The pages live in ``views/``, not ``pages/``: with a ``pages/`` folder beside this file,
Streamlit serves a session that opens a page URL first (``/monitor?run=…`` after a server
restart) from that folder directly, without this file's navigation and page config.
"""

from __future__ import annotations

import streamlit as st

from views._common import ANALYSIS, COMPARE, HOME, LAUNCH, MONITOR

st.set_page_config(page_title="Sweetspot", page_icon=":material/target:", layout="wide")

PAGES = [
    st.Page(HOME, title="Runs", icon=":material/view_list:", default=True),
    st.Page(LAUNCH, title="Launch", icon=":material/rocket_launch:"),
    st.Page(MONITOR, title="Monitor", icon=":material/monitoring:"),
    st.Page(COMPARE, title="Compare", icon=":material/stacked_line_chart:"),
    st.Page(ANALYSIS, title="Analysis", icon=":material/insights:"),
]

st.navigation(PAGES, position="top").run()
