"""The live chart's contract with Streamlit: one element per key, whatever its data.

The browser test (tests/e2e/test_live_charts.py) shows the zoom surviving; this one
catches, without a browser, a Streamlit upgrade that would tie the element's identity to
its data again, and a plotly package that stopped shipping plotly.js.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from pages._shared.live_chart import FRONTEND, PLOTLY_JS_FOLDER


def chart_script() -> None:
    """One live chart whose data grows by a point on every run."""
    import plotly.graph_objects as go
    import streamlit as st

    from pages._shared.live_chart import live_plotly_chart

    points = st.session_state["points"] = st.session_state.get("points", 0) + 1
    live_plotly_chart(go.Figure(go.Scatter(y=list(range(points)))), key="growing", alt="a growing line")


def test_new_data_updates_the_same_element() -> None:
    at = AppTest.from_function(chart_script).run()
    first = at.get("component_instance")[0].proto
    at.run()
    second = at.get("component_instance")[0].proto
    assert not at.exception
    assert first.id == second.id  # the browser keeps its iframe, and with it the reader's zoom
    assert json.loads(json.loads(second.json_args)["spec"])["data"][0]["y"] == [0, 1]
    assert json.loads(second.json_args)["alt"] == "a growing line"


def test_the_served_folders_hold_what_the_page_loads() -> None:
    assert {"index.html", "live_chart.js"} <= {path.name for path in FRONTEND.iterdir()}
    assert (PLOTLY_JS_FOLDER / "plotly.min.js").stat().st_size > 1_000_000
