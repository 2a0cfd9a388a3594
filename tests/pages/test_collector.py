"""What the pages' imports made is left out of the garbage collection after every run."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from pages._shared import collector
from tests.fake_runs import make_run


def test_a_page_run_that_imported_modules_freezes_what_is_alive_then_nothing_more(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamlit collects garbage after every run, each live refresh included: a full
    collection walked every object of the imported libraries (0.1 s a refresh)."""
    make_run(storage_url, "run", 3)
    gc.unfreeze()
    monkeypatch.setattr(collector, "_frozen_at", 0)  # as in a fresh server: nothing frozen yet
    at = open_page("pages/monitor.py", run="run")
    frozen = gc.get_freeze_count()
    assert frozen > 50_000  # Streamlit's, pandas', Plotly's objects: later collections skip them
    at.run()  # a refresh that imported nothing: nothing more frozen (what died is let go)
    assert not at.exception and gc.get_freeze_count() <= frozen
