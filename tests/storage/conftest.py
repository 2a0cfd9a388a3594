"""A real finished run's journal, made once per module: damaged copies start from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runs_helpers import quick_spec, run_in_process
from tuning.storage.notes import set_notes


@pytest.fixture(scope="module")
def finished_journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The journal of a real run of 4 trials, finished by a worker, weights and all, then noted.

    The note is its last record: the worker ran in this process, so a test that cuts the
    worker's exit record off would leave a worker that looks alive, and ``doctor --repair``
    refuses to replace a file that live workers use.
    """
    folder = tmp_path_factory.mktemp("finished")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUNING_DATA_DIR", str(folder))
        run = run_in_process(
            quick_spec(budget={"n_trials": 4}), f"journal://{folder / 'runs.journal'}", "done"
        )
    set_notes(run, "four trials, finished")
    yield folder / "runs.journal"
