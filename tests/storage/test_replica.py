"""The journal replica gives Optuna's answers: every study and trial as Optuna's own replay of
the same file reads them, as records arrive, whatever other processes wrote."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState, create_trial

from tuning.storage.journal import open_journal
from tuning.storage.replica import JournalReplica


class Collected:
    """A sink that keeps each finished trial as it came."""

    def __init__(self) -> None:
        self.trials: list[FrozenTrial] = []

    def add(self, trials: Iterable[FrozenTrial]) -> None:
        self.trials.extend(trials)


def replica(path: Path) -> JournalReplica:
    return JournalReplica(str(path), Collected)


def assert_same_as_optuna(replica: JournalReplica) -> None:
    """The replica, refreshed, holds what a fresh Optuna replay of the file holds."""
    replica.refresh()
    storage = open_journal(replica.path)
    expected = {s.study_name: s for s in storage.get_all_studies()}
    assert sorted(s.name for s in replica.studies.values()) == sorted(expected)
    for study in replica.studies.values():
        theirs = expected[study.name]
        assert (study.study_id, study.user_attrs, study.system_attrs) == (
            theirs._study_id, theirs.user_attrs, theirs.system_attrs,
        )  # fmt: skip
        assert study.directions == theirs.directions
        trials = storage.get_all_trials(theirs._study_id, deepcopy=False)
        finished = sorted(study.finished.trials, key=lambda t: t.number)  # type: ignore[attr-defined]
        assert finished == [t for t in trials if t.state.is_finished()]
        assert sorted(study.live.values(), key=lambda t: t.number) == [
            t for t in trials if not t.state.is_finished()
        ]


def test_records_of_every_kind_from_two_processes_read_as_optuna_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "runs.journal"
    one, other = open_journal(str(path)), open_journal(str(path))  # two processes: two worker ids
    ours = replica(path)
    first = optuna.create_study(study_name="a", storage=one)
    second = optuna.create_study(study_name="b", storage=one, direction="maximize")
    with pytest.raises(DuplicatedStudyError):  # written, then refused: readers skip it
        optuna.create_study(study_name="a", storage=other)
    first.set_user_attr("spec", {"n": 1})
    one.set_study_system_attr(first._study_id, "sys", [1, 2])
    first.enqueue_trial({"x": 0.5})
    first.enqueue_trial({"x": 0.25})
    assert_same_as_optuna(ours)

    trial = first.ask()  # takes the first waiting trial
    raced = {"op_code": 6, "worker_id": "elsewhere", "trial_id": trial._trial_id, "state": 0, "values": None,
             "datetime_start": dt.datetime.now(dt.UTC).isoformat()}  # fmt: skip
    one._backend.append_logs([raced])  # another process claimed it too: the replay keeps the first
    trial.suggest_float("x", 0, 1)
    trial.report(0.9, 1)
    trial.set_user_attr("curve", [0.9])
    first.tell(trial, 0.8)
    with pytest.raises(UpdateFinishedTrialError):  # written, then refused: a finished trial stays
        other.set_trial_user_attr(trial._trial_id, "late", 1)
    running = first.ask()
    with pytest.raises(ValueError):  # an incompatible distribution from another process
        other.set_trial_param(running._trial_id, "x", 0, CategoricalDistribution(["p", "q"]))
    running.suggest_float("x", 0, 1)
    one.set_trial_system_attr(running._trial_id, "note", {"k": "v"})
    assert_same_as_optuna(ours)

    doomed = second.ask()
    second.tell(second.ask(), state=TrialState.PRUNED)
    optuna.delete_study(study_name="b", storage=one)
    other.set_trial_user_attr(doomed._trial_id, "after", True)  # a deleted run's trial: invisible
    optuna.create_study(study_name="b", storage=other)  # the name again: a new study
    both = optuna.create_study(study_name="c", storage=one, directions=["minimize", "maximize"])
    both.tell(both.ask(), [1.0, 2.0])
    both.tell(both.ask(), state=TrialState.FAIL)
    first.add_trial(
        create_trial(
            value=0.1,
            params={"x": 0.3},
            distributions={"x": FloatDistribution(0, 1)},
            user_attrs={"curve": [0.3, 0.1]},
            intermediate_values={1: 0.3},
        )  # fmt: skip
    )
    with open(path, "ab") as file:  # a writer died mid-record: both stop before it
        file.write(b'{"op_code": 4, "study_id": 0, "datet')
    assert_same_as_optuna(ours)
    assert_same_as_optuna(replica(path))  # read at once, not in steps: the same


def test_a_worker_run_reads_as_optuna_reads_it(finished_journal: Path, tmp_path: Path) -> None:
    """A real run's records: claims, parameters, curves stored as they grow, the result."""
    path = tmp_path / "runs.journal"
    shutil.copy(finished_journal, path)
    assert_same_as_optuna(replica(path))


def test_it_reads_only_what_was_appended_and_starts_over_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "runs.journal"
    study = optuna.create_study(study_name="a", storage=open_journal(str(path)))
    study.add_trial(create_trial(value=1.0))
    ours = replica(path)
    assert ours.refresh() == path.stat().st_size
    assert ours.refresh() == 0  # nothing new: nothing read
    study.add_trial(create_trial(value=2.0))
    grown = path.stat().st_size
    assert 0 < ours.refresh() < grown
    lines = path.read_bytes().splitlines(keepends=True)
    changed = lines[-1].replace(b"2.0", b"3.0")  # the same length, rewritten in place
    with open(path, "r+b") as file:
        file.seek(grown - len(changed))
        file.write(changed)
    assert ours.refresh() == grown  # the bytes it had read changed: read again from the start
    assert [t.value for t in ours.study("a").finished.trials] == [1.0, 3.0]  # type: ignore[union-attr]
    assert_same_as_optuna(ours)


def test_damage_is_stepped_over_and_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "runs.journal"
    study = optuna.create_study(study_name="a", storage=open_journal(str(path)))
    with open(path, "ab") as file:
        file.write(b'{"op_code": 4, "stud\n')  # a malformed line an older version left
    study.add_trial(create_trial(value=1.0))
    ours = replica(path)
    assert_same_as_optuna(ours)
    assert [f.damage.name for f in ours.findings.values()] == ["MALFORMED"]
    ours.refresh()
    assert len(ours.findings) == 1


def test_an_unreadable_journal_says_which_file_and_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "runs.journal"
    folder.mkdir()
    with pytest.raises(OSError, match="cannot read the journal file .*runs.journal.*doctor"):
        replica(folder).refresh()


def test_a_missing_journal_has_no_runs(tmp_path: Path) -> None:
    ours = replica(tmp_path / "none.journal")
    assert ours.refresh() == 0 and ours.studies == {}
    assert json.dumps(vars(ours.position))  # plain numbers: what the cache saves


def test_records_the_replay_cannot_apply_are_skipped_as_the_storage_skips_them(tmp_path: Path) -> None:
    """An unknown operation, a field missing, two attributes in one record, in the middle of
    the file: the replica applies none of them, reads every trial the hardened storage reads,
    and names each record where the storage does."""
    path = tmp_path / "runs.journal"
    study = optuna.create_study(study_name="a", storage=open_journal(str(path)))
    study.add_trial(create_trial(value=1.0))
    live = study.ask()
    start = dt.datetime.now(dt.UTC).isoformat()
    foreign = {"worker_id": "elsewhere"}
    bad = [
        {"op_code": 99, **foreign, "study_id": 0},  # Optuna's replay: "Should not reach."
        {"op_code": 4, **foreign, "study_id": 0, "state": 0},  # no datetime_start: a KeyError
        {"op_code": 9, **foreign, "trial_id": live._trial_id, "user_attr": {"x": 1, "y": 2}},
        {"op_code": 6, **foreign, "trial_id": live._trial_id, "state": 1, "datetime_complete": start},
    ]  # the last has no values
    with open(path, "ab") as file:
        file.write(b"".join(json.dumps(record).encode() + b"\n" for record in bad))
    study.add_trial(create_trial(value=2.0))  # a trial after them keeps its id and number
    study.tell(live, 0.5)
    ours = replica(path)
    assert_same_as_optuna(ours)
    storage = open_journal(str(path))
    storage.get_all_studies()
    expected = {(f.offset, f.damage) for f in storage.backend.findings.values()}
    assert set(ours.findings) == expected and len(expected) == len(bad)
    assert {f.damage.name for f in ours.findings.values()} == {"UNAPPLICABLE"}
    assert [t.number for t in ours.study("a").finished.trials] == [0, 2, 1]  # type: ignore[union-attr]
