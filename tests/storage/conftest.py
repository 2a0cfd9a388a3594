"""A real finished run's journal, made once per module: damaged copies start from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runs_helpers import quick_spec, run_in_process


@pytest.fixture(scope="module")
def finished_journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The journal of a real run of 4 trials, finished by a worker, weights and all."""
    folder = tmp_path_factory.mktemp("finished")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUNING_DATA_DIR", str(folder))
        run_in_process(quick_spec(budget={"n_trials": 4}), f"journal://{folder / 'runs.journal'}", "done")
    yield folder / "runs.journal"
