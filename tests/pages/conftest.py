"""AppTest fixtures: the whole app (its navigation included) opened on one of its pages.

Each test already has its own TUNING_DATA_DIR (tests/conftest.py), which AppTest sees,
since it runs the script in this process. Workers are not started: ``spawn_workers`` is
replaced, so a launch only stores the run and the tests stay fast and deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.page_helpers import APP


@pytest.fixture(autouse=True)
def no_workers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Runs launched by a page are stored but get no worker; their names are listed here."""
    spawned: list[str] = []
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda name, *args, **kwargs: spawned.append(name))
    return spawned


@pytest.fixture
def open_page() -> Callable[..., AppTest]:
    """Run the app on ``page`` (e.g. "pages/monitor.py") with optional query parameters."""

    def run(page: str, **query: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.switch_page(page)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    return run
