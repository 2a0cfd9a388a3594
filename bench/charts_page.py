"""Benchmark 7's floor: the Monitor's three charts on a Streamlit page of their own.

``streamlit run bench/charts_page.py`` (``?run=NAME``) reads the run and draws its charts
with the Monitor's own code (``pages._shared.monitor_panels.charts``), plus the two
things the benchmark waits for besides them (a progress bar, the "Best configuration"
heading), and nothing else: no navigation, no run picker, no header, no metrics, no best
configuration, no trials, no lifecycle panels. The time it takes to open in Chromium is
what Streamlit's start, the run's read, plotly.js and the charts cost by themselves; what
the Monitor takes beyond it is the rest of its page.
"""

from __future__ import annotations

import streamlit as st

from pages._shared.common import storage_url
from pages._shared.monitor_panels import charts
from pages._shared.plotly_js import preload_plotly
from tuning import shared_watcher

st.set_page_config(layout="wide")
preload_plotly()
snapshot = shared_watcher(st.query_params["run"], storage_url()).read()
st.progress(1.0)
charts(snapshot.run, snapshot, log_y=False)
st.subheader("Best configuration")
