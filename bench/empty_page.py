"""Benchmark 7's floor under every page: Streamlit drawing one heading and nothing else.

``streamlit run bench/empty_page.py`` draws the heading the benchmark waits for on the
Monitor ("Best configuration"). The time it takes to open in Chromium is what Streamlit's
own start costs a new visitor (its JavaScript, the websocket, one script run): no page of
the dashboard opens faster, whatever it draws.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(layout="wide")
st.subheader("Best configuration")
