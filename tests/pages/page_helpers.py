"""What the page tests read from an AppTest: figures and the text a user sees."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def figures(at: AppTest) -> list[dict[str, Any]]:
    """Every Plotly figure on the page, as the JSON the browser receives, arrays decoded.

    Every chart is drawn by ``pages/_shared/live_chart.py``, a version-2 component (the
    element that starts loading plotly.js has no figure).
    """
    return [_decoded(json.loads(chart["spec"])) for chart in _charts(at)]


def figure(at: AppTest, key: str) -> dict[str, Any]:
    """The figure of the chart with Streamlit key ``key``, arrays decoded."""
    return next(_decoded(json.loads(chart["spec"])) for chart in _charts(at) if chart["key"] == key)


def _charts(at: AppTest) -> list[dict[str, Any]]:
    """What each chart element got from Python (``live_chart.py``): spec, alt, key, plotly."""
    data = [json.loads(element.proto.json) for element in at.get("bidi_component")]
    return [chart for chart in data if "spec" in chart]


def _decoded(value: Any) -> Any:
    """Plotly 7 sends numpy arrays as ``{"dtype", "bdata"}`` (base64): turn them into lists."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            shape = [int(n) for n in str(value.get("shape", len(array))).split(",")]  # "100, 100"
            return array.reshape(shape).tolist()
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def texts(at: AppTest) -> str:
    """All markdown, captions and alerts of the page, for "does the user see X" checks."""
    parts = [*at.markdown, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    return "\n".join(shown(str(p.value)) for p in parts)


def errors(at: AppTest) -> list[str]:
    """The page's error alerts as the reader sees them."""
    return [shown(e.value) for e in at.error]


def shown(markdown: str) -> str:
    """Markdown source as read on the page, as far as escapes go: the pages escape every
    untrusted text (``pages._shared.common.plain``), which a backslash before each
    punctuation character shows literally."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def open_lazy(at: AppTest, *keys: str) -> AppTest:
    """Open the lazy expanders with these keys, as a click does, and rerun the page: what
    they hold is built only while they are open."""
    for key in keys:
        at.session_state[key] = True
    return at.run()


def button(at: AppTest, label: str) -> Button:
    """The page's button labelled ``label`` (StopIteration when it has none)."""
    return next(b for b in at.button if b.label == label)


def click(at: AppTest, *labels: str) -> AppTest:
    """Click the buttons labelled ``labels`` in turn, rerunning the page after each, as a
    visitor does through a confirmation (``"Delete run"``, then ``"Delete NAME"``)."""
    for label in labels:
        button(at, label).click().run()
    return at
