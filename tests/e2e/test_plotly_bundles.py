"""Which plotly.js a page loads (``pages/_shared/live_chart.py``): the small cartesian
bundle for the charts it draws, and the full one only once a chart needs a trace beyond it."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.charts import live_chart, plotly_files
from tests.fake_runs import make_run

pytestmark = pytest.mark.browser
RUN = "bundles"


def drawn(page: Page, key: str) -> str:
    """Wait until chart ``key`` holds data; its first trace's type."""
    plot = live_chart(page, key)
    expect(plot).to_be_visible()
    page.wait_for_function("plot => plot._fullData && plot._fullData.length > 0", arg=plot.element_handle())
    return str(plot.evaluate("plot => plot._fullData[0].type"))


@pytest.fixture(scope="module")
def run(server: SimpleNamespace) -> str:
    """A finished run of 1,200 complete and 100 pruned trials, on the session's server: big
    enough that its loss chart draws over a thousand points (where it once went WebGL)."""
    make_run(server.storage, RUN, 1200, n_pruned=100)
    return RUN


def test_the_monitor_loads_only_the_cartesian_bundle(new_page: Callable[[str], Page], run: str) -> None:
    page = new_page(f"monitor?run={run}")
    for key in ("history", "curves", "parallel"):
        assert drawn(page, key) == "scatter"
    assert plotly_files(page) == ["cartesian"]


def test_a_view_beyond_the_cartesian_bundle_loads_the_full_one_once(
    new_page: Callable[[str], Page], run: str
) -> None:
    page = new_page(f"analysis?run={run}&view=parallel")
    assert drawn(page, "analysis-parallel") == "parcoords"
    loaded = plotly_files(page)  # the page's preload may have fetched the cartesian one first
    assert loaded.count("full") == 1
    page.get_by_test_id("stButtonGroup").get_by_text("Slice").click()
    assert drawn(page, "analysis-slice") == "scatter"  # drawn by the full bundle, already there
    assert plotly_files(page) == loaded
    expect(page.get_by_test_id("stException")).to_have_count(0)
