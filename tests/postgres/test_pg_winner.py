"""The winner on PostgreSQL: a refit run's model folders live in the database, so another
machine (here: a fresh data folder) loads and predicts with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runs_helpers import quick_spec, run_in_process
from tests.winner.winners import raw_rows
from tuning.storage.refit import RefitState, read_refit
from tuning.training.objective import Objective
from tuning.winner.folder import Source
from tuning.winner.load import load_model


def test_a_refit_runs_models_are_read_back_from_the_database(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_in_process(quick_spec(refit=True, budget={"n_trials": 2}), pg_url, "pg-winner")
    assert read_refit(run.attrs()).state is RefitState.DONE  # type: ignore[union-attr]
    monkeypatch.setenv("TUNING_DATA_DIR", str(tmp_path / "another-machine"))  # no local copies here
    objective = Objective(run.spec, None)
    rows = raw_rows(objective, None, objective.split.test)
    for source in Source:
        model = load_model("pg-winner", pg_url, source)
        assert model.source is source and len(model.predict(rows)) == len(rows)
    assert not (tmp_path / "another-machine").exists()
