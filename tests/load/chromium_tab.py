"""One headless Chromium tab for the load test, opened away from other tests' Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from playwright.sync_api import Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def in_chromium(check: Callable[[Page], None]) -> None:
    """Run ``check`` on a fresh headless Chromium tab, in a thread of its own.

    Playwright's sync API refuses a thread where an event loop already runs, and the
    e2e tests' session-wide Playwright keeps one running in the main thread.
    """
    failures: list[BaseException] = []

    def body() -> None:
        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    page = chromium.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                    page.set_default_timeout(60_000)
                    check(page)
                finally:
                    chromium.close()
        except BaseException as failure:  # re-raised in the test's thread
            failures.append(failure)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
