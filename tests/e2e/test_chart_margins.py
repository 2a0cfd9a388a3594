"""The Monitor's and Compare's charts hold their tick labels, axis titles and legend within
the margins their figures ask for (``tuning/views/figures.py``), so Plotly draws each once.

The dashboard's axes have Plotly's automargin: whatever does not fit the margins widens
them, and Plotly then draws the whole chart a second time. With margins of 10 px every
chart was drawn twice, 40 % of its drawing time on a new visitor's first page.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.charts import live_chart
from tests.fake_runs import make_run

pytestmark = pytest.mark.browser
RUNS = ("margins-a", "margins-b")
# The margins Plotly drew with beside those the figure asked for.
MARGINS = """plot => {
  const asked = plot.layout.margin, drawn = plot._fullLayout._size;
  return {asked: [asked.l, asked.r, asked.t, asked.b], drawn: [drawn.l, drawn.r, drawn.t, drawn.b]};
}"""


@pytest.fixture(scope="module")
def runs(server: SimpleNamespace) -> tuple[str, ...]:
    """Two finished runs of 400 complete, 40 pruned and 4 failed trials on the session's server."""
    for name in RUNS:
        make_run(server.storage, name, 400, n_pruned=40, n_failed=4)
    return RUNS


def margins(page: Page, key: str) -> dict[str, list[float]]:
    plot = live_chart(page, key)
    expect(plot).to_be_visible()
    page.wait_for_function("plot => plot._fullLayout && plot._fullLayout._size", arg=plot.element_handle())
    return dict(plot.evaluate(MARGINS))


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("monitor?run=margins-a", ("history", "curves", "parallel")),
        ("compare?run=margins-a", ("race-trials", "race-time")),
    ],
)
def test_every_chart_fits_the_margins_its_figure_asks_for(
    new_page: Callable[[str], Page], runs: tuple[str, ...], path: str, keys: tuple[str, ...]
) -> None:
    page = new_page(path)
    for key in keys:
        fitted = margins(page, key)
        assert fitted["drawn"] == fitted["asked"], f"{key}: Plotly widened its margins, a second drawing pass"
    expect(page.get_by_test_id("stException")).to_have_count(0)
