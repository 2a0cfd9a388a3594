"""The load test's server: the real app in demo mode, with a data folder of its own.

It comes from ``bench/live_app.py`` (shared with ``python -m bench.demo_memory``),
which also samples its CPU and memory; ``tests/e2e``'s server fixture is session-wide and
not in demo mode, so it is not reused here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.live_app import App, running_app, stop_workers
from tests.load.chromium_tab import CHROMIUM
from tuning.demo import DEMO_ENV


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """``streamlit run app.py`` with ``SWEETSPOT_DEMO=1`` and a data folder of its own."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    data = tmp_path_factory.mktemp("load") / "data"
    try:
        with running_app(data, {DEMO_ENV: "1"}) as app:
            yield app
    finally:
        stop_workers(data)
