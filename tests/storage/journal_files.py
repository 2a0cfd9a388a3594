"""Journal files for the storage tests: a finished run's, and damaged copies of it."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState


def complete_trials(storage: optuna.storages.BaseStorage) -> dict[tuple[str, int], float | None]:
    """Every complete trial of every run: ``(run, number) -> value``."""
    return {
        (study.study_name, trial.number): trial.value
        for study in storage.get_all_studies()
        for trial in storage.get_all_trials(
            storage.get_study_id_from_name(study.study_name), states=(TrialState.COMPLETE,)
        )
    }


def stock_reader(path: Path) -> optuna.storages.JournalStorage:
    """Optuna's own reader (as optuna-dashboard uses it): it must still read our files."""
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def glued_journal(finished_journal: Path, folder: Path) -> Path:
    """A journal as Optuna's writer leaves it after a torn record: the fault, reproduced.

    The next record lands on the fragment's line; Optuna's reader cannot read it back, and
    once anything follows, it cannot read the file at all.
    """
    path = folder / "glued.journal"
    path.write_bytes(finished_journal.read_bytes()[:-7])
    with pytest.raises(AssertionError, match="Should not reach"):
        optuna.create_study(study_name="after", storage=stock_reader(path))
    with pytest.raises(ValueError):  # JSONDecodeError: what every page and command used to show
        optuna.create_study(study_name="again", storage=stock_reader(path))
    return path


#: Well-formed records that Optuna's replay cannot apply: an operation it does not know (the
#: probe of issue 23), a known one missing its fields, one whose values it cannot take.
UNAPPLICABLE = {
    "unknown operation": b'{"op_code": 99, "worker_id": "x"}\n',
    "missing fields": b'{"op_code": 4, "worker_id": "x"}\n',
    "bad value": b'{"op_code": 0, "worker_id": "x", "study_name": "s", "directions": [7]}\n',
}


def with_line_in_the_middle(finished_journal: Path, folder: Path, line: bytes) -> tuple[Path, int]:
    """A copy of the journal with ``line`` after its fifth record; returns it and the line's offset."""
    lines = finished_journal.read_bytes().splitlines(keepends=True)
    path = folder / "odd.journal"
    path.write_bytes(b"".join([*lines[:5], line, *lines[5:]]))
    return path, len(b"".join(lines[:5]))


def trial_counts(storage: optuna.storages.BaseStorage) -> dict[str, int]:
    """Every study's number of trials, whatever their state: a half-applied record adds one."""
    return {
        study.study_name: len(storage.get_all_trials(storage.get_study_id_from_name(study.study_name)))
        for study in storage.get_all_studies()
    }
