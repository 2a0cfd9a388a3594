"""A fresh or restarted server: its first request is a deep link, and a live run goes on.

Until app.py's ``st.navigation`` has run once in a server process, Streamlit runs a page
URL's script from ``pages/`` on its own (``pages/_shared/shell.py`` hands it back to
app.py). This test starts servers of its own, so that their first requests are its own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.app_servers import app_server, end_workers
from tuning import RunSpec, load_run, preset_spec, request_stop
from tuning.launcher import launch

pytestmark = pytest.mark.browser
PAGES = [
    re.compile(f"{title}$") for title in ("Runs", "Launch", "Monitor", "Compare", "Analysis")
]  # after an icon


def shows_the_monitor_of(page: Page, name: str) -> None:
    """The whole app (page config, top navigation) on the Monitor, showing run ``name``."""
    expect(page.get_by_role("heading", name="Monitor")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page).to_have_title("Sweetspot")
    expect(page.get_by_test_id("stTopNavLink")).to_have_text(PAGES)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_role("combobox", name="Run")).to_have_value(name)


def trials_done(page: Page) -> int:
    text = page.get_by_test_id("stProgress").first.inner_text(timeout=60_000)
    return int(re.match(r"(\d+) / ", text).group(1))  # type: ignore[union-attr]


def wait_for_more_than(page: Page, count: int, seconds: float = 90) -> int:
    deadline = time.monotonic() + seconds
    while (done := trials_done(page)) <= count:
        assert time.monotonic() < deadline, f"the Monitor stayed at {done} trials done"
        page.wait_for_timeout(500)
    return done


def test_a_deep_link_opens_the_app_on_a_fresh_server_and_a_restart_keeps_the_run(
    browse: Callable[[str], Page], data_dir: Path, storage_url: str
) -> None:
    spec = preset_spec("article-optuna").to_dict()
    spec["budget"] = {"n_trials": 1000}  # outlasts the test; stopped at the end
    run = launch(RunSpec.from_dict(spec), storage_url=storage_url)
    try:
        with app_server(data_dir) as server:
            page = browse(f"{server.url}/monitor?run={run.name}")  # the server's first request
            shows_the_monitor_of(page, run.name)
            expect(page.locator(".st-key-run-state")).to_contain_text("running", timeout=60_000)
            before = wait_for_more_than(page, 0)
        # The server is gone, the run's worker is not: the open tab reconnects to the new server.
        with app_server(data_dir, port=server.port):
            seen = wait_for_more_than(page, before)
            shows_the_monitor_of(page, run.name)
            page.reload(wait_until="domcontentloaded")
            shows_the_monitor_of(page, run.name)
            wait_for_more_than(page, seen)
    finally:
        request_stop(load_run(run.name, storage_url))
        end_workers(storage_url)
