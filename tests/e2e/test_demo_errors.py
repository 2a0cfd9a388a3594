"""A public visitor who meets an unexpected error sees a reference, never the trace.

The failure is injected into a real server: a ``sitecustomize`` module on its PYTHONPATH
replaces ``tuning.run_summaries`` (what the Runs page reads first) with one that raises
an error naming a server path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.app_servers import app_server

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SECRET_PATH = "/srv/sweetspot/secret-path.py"
BREAK_RUNS_PAGE = f"""
import tuning

def broken(*args, **kwargs):
    raise RuntimeError("disk exploded reading {SECRET_PATH}")

tuning.run_summaries = broken
"""


def test_a_visitor_sees_a_reference_and_the_log_has_the_trace(
    browse: Callable[[str], Page], tmp_path: Path
) -> None:
    (tmp_path / "inject").mkdir()
    (tmp_path / "inject" / "sitecustomize.py").write_text(BREAK_RUNS_PAGE)
    env = {"SWEETSPOT_DEMO": "1", "PYTHONPATH": f"{tmp_path / 'inject'}:{ROOT}"}
    with app_server(tmp_path / "data", env=env) as server:
        page = browse(server.url)
        alert = page.get_by_test_id("stAlertContentError").filter(has_text="reference")
        expect(alert).to_be_visible()
        reference = re.search(r"reference: ([0-9a-f]{8})", alert.inner_text())
        body = page.inner_text("body")
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert reference and SECRET_PATH not in body and "Traceback" not in body
    log = (tmp_path / "data" / "streamlit.log").read_text()
    logged = log[log.index(reference.group(1)) :]
    assert "Traceback" in logged and SECRET_PATH in logged
