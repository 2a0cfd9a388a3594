"""The live chart's contract with Streamlit: one element per key, whatever its data.

The browser test (tests/e2e/test_live_charts.py) shows the zoom surviving; this one
catches, without a browser, a Streamlit upgrade that would tie the element's identity to
its data again.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def chart_script() -> None:
    """One live chart whose data grows by a point on every run."""
    import plotly.graph_objects as go
    import streamlit as st

    from pages._shared.live_chart import live_plotly_chart

    points = st.session_state["points"] = st.session_state.get("points", 0) + 1
    live_plotly_chart(go.Figure(go.Scatter(y=list(range(points)))), key="growing", alt="a growing line")


def test_new_data_updates_the_same_element() -> None:
    at = AppTest.from_function(chart_script).run()
    first = at.get("bidi_component")[0].proto
    at.run()
    second = at.get("bidi_component")[0].proto
    assert not at.exception
    assert first.id == second.id  # the browser keeps its element, and with it the reader's zoom
    assert json.loads(json.loads(second.json)["spec"])["data"][0]["y"] == [0, 1]
    assert json.loads(second.json)["alt"] == "a growing line"


def test_plotly_js_comes_from_the_apps_own_folder() -> None:
    """A relative address: the page's own origin (and base path) serves it, never a CDN."""
    at = AppTest.from_function(chart_script).run()
    bundle = json.loads(at.get("bidi_component")[0].proto.json)["plotly"]
    assert bundle["src"].startswith("component/") and "//" not in bundle["src"]
    assert bundle["src"].split("?")[0].endswith("/plotly-cartesian.min.js") and bundle["full"] is False
