"""One ``streamlit run app.py`` per test session, driven by headless Debian Chromium.

The server gets a data folder of its own (so its journal, weights and worker logs are
the session's), every test a fresh browser context (a fresh Streamlit session). Workers
the app starts outlive the server by design; teardown ends them by the PIDs they record.
A test that needs a server of its own (a fresh or restarted one) uses ``app_server``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.app_servers import app_server, end_workers

# A cold server's first render takes several seconds on 2 busy cores; Playwright's
# 5 s default for expect() made the first check of a session flaky in CI.
expect.set_options(timeout=30_000)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The app for the whole session, on a free localhost port, with its own TUNING_DATA_DIR."""
    with app_server(tmp_path_factory.mktemp("server") / "data") as running:
        yield running
    end_workers(running.storage)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def browse(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """Open a URL in a fresh browser context: a new Streamlit session, as a new visitor's."""
    contexts = []

    def open_url(url: str) -> Page:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stApp"]')
        return page

    yield open_url
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(browse: Callable[[str], Page], server: SimpleNamespace) -> Callable[[str], Page]:
    """Open a path of the session's app (``"monitor?run=NAME"``) in a fresh browser context."""
    return lambda path="": browse(f"{server.url}/{path}")


@pytest.fixture(scope="session")
def screenshot() -> Callable[..., Path]:
    """Save a full-length screenshot into test-artifacts/screenshots/ (ignored by git).

    Tests never write tracked files: to refresh the README's picture, copy
    ``test-artifacts/screenshots/monitor.png`` over the README's image by hand and commit it.
    """

    def take(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # The app's main block scrolls, not the window: grow the window to its height.
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 6000)})
        page.wait_for_timeout(800)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        page.set_viewport_size({"width": 1400, "height": 1000})
        return path

    return take
