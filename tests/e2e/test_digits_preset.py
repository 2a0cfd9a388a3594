"""Your own model from the Home page: the digits CNN preset, one click to a live Monitor."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.app_servers import app_server, end_workers
from tuning import list_run_names, load_run, request_stop

pytestmark = pytest.mark.browser


def test_the_digits_cnn_preset_goes_from_home_to_a_running_monitor(
    browse: Callable[[str], Page], tmp_path: Path
) -> None:
    """A server of its own: the Home page offers the presets only while no run exists."""
    with app_server(tmp_path / "data") as app:
        try:
            page = browse(app.url)
            card = page.locator(".st-key-preset-digits-cnn")
            expect(page.get_by_text("examples/digits_cnn.py")).to_be_visible()
            card.get_by_role("button", name="Start").click()
            page.wait_for_url(re.compile(r"/monitor\?run=bayesian-"), timeout=90_000)
            expect(page.get_by_test_id("stException")).to_have_count(0)
            caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Your model:")
            expect(caption).to_contain_text(
                re.compile(r"Your model: examples/digits_cnn\.py · sha256 \w{12}…")
            )
            expect(page.locator(".st-key-run-state")).to_contain_text("running", timeout=90_000)
            expect(
                page.get_by_text(
                    re.compile(r"bayesian search on your model file \(digits_cnn\.py\) · 3 hyperparameters")
                )
            ).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
        finally:
            for name in list_run_names(app.storage):
                request_stop(load_run(name, app.storage))
            end_workers(app.storage)
