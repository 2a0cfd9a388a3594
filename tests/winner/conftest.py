"""The model-folder tests share winners trained once per session (tests/winner/winners.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.winner.winners import Winner, one_thread_winners
from tuning.winner.folder import Source


@pytest.fixture(scope="session")
def winner() -> Callable[[str, Source], Winner]:
    """``winner(case, source)``: case "classification", "regression" or "plain", each
    trained once per session (tests/winner/winners.py)."""
    return one_thread_winners()
