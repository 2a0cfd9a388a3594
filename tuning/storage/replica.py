"""A read-only replay of a journal file that keeps its place: what a dashboard reads.

Optuna's ``JournalStorage`` replays every record of the file when it opens, and keeps a
Python object per trial: a 100,000-trial run costs seconds and hundreds of megabytes
before the first page draws, every time a server starts. This replica applies the same
records with the same rules (``optuna/storages/journal/_storage.py``'s replay, optuna
5.0.0 as pinned; ``tests/storage/test_replica.py`` holds the two to the same answers), but:

- it hands each trial over to its study's ``FinishedSink`` the moment it finishes (a
  finished trial never changes: the replay ignores any later record about it), and keeps
  only unfinished trials as objects;
- it remembers where it stopped (byte offset, and a CRC-32 of every byte read so far) and
  reads only what was appended since. The file is never trusted less than the replica:
  a file replaced (``doctor --repair``), cut shorter or rewritten before that offset
  sends it back to the start;
- its whole state can be saved and restored (``reading/replica_cache.py``), so a restarted
  server reads only the records added since the save.

It never writes to the journal. Lines are read as ``SafeJournalBackend`` reads them
(``journal.scan``, ``journal.parse_line``): torn and malformed lines are stepped over, and
so is a well-formed record the replay cannot apply (an operation it does not know, a field
missing or of the wrong kind), as ``SafeJournalStorage`` steps over it: each is a
``Finding`` named by its offset, and nothing of it is applied.
"""

from __future__ import annotations

import logging
import os
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from optuna.distributions import BaseDistribution, check_distribution_compatibility
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from tuning.storage.journal import (
    DOCTOR_HINT,
    PREVIEW_BYTES,
    Damage,
    Finding,
    JournalFileError,
    parse_line,
    parsed_distribution,
    scan,
)
from tuning.storage.journal import optuna_journal as optuna_replay

log = logging.getLogger("tuning.storage.replica")
Op = optuna_replay.JournalOperation
WINDOW = 4096  # bytes before the offset checked on every read: a rewrite shows there first


class FinishedSink(Protocol):
    """Where a study's finished trials go, each once (``reading.rows.FinishedRows``)."""

    def add(self, trials: Iterable[FrozenTrial]) -> None: ...


@dataclass
class StudyState:
    """One study as the replay leaves it: attributes, unfinished trials, where finished ones went."""

    study_id: int
    name: str
    directions: list[StudyDirection]
    finished: FinishedSink
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    live: dict[int, FrozenTrial] = field(default_factory=dict)  # trial id → unfinished trial
    trials_made: int = 0  # the next trial's number
    distributions: dict[str, BaseDistribution] = field(default_factory=dict)  # one per parameter seen


@dataclass
class Position:
    """How far the replica has read, and what the bytes up to there were."""

    inode: int = 0
    offset: int = 0
    crc: int = 0  # CRC-32 of bytes [0, offset)
    window_crc: int = 0  # CRC-32 of bytes [offset - WINDOW, offset)


class JournalReplica:
    """The studies of the journal file at ``path``, read incrementally; safe to share between threads."""

    def __init__(self, path: str, sink: Callable[[], FinishedSink]) -> None:
        self.path = path
        self.sink = sink
        self.lock = threading.RLock()  # held by callers that read several studies at one moment
        self.reset()

    def reset(self) -> None:
        """Forget everything read: the next ``refresh`` reads the file from its start."""
        self.studies: dict[int, StudyState] = {}
        self.next_study_id = 0
        self.trials_made = 0  # every trial ever created in the file: the next trial id
        self.owners: dict[int, int] = {}  # unfinished trial id → study id
        self.position = Position()
        self.findings: dict[tuple[int, Damage], Finding] = {}  # damage stepped over, by offset and kind

    def study(self, name: str) -> StudyState | None:
        return next((s for s in self.studies.values() if s.name == name), None)

    def refresh(self) -> int:
        """Apply what was appended since the last read; returns the bytes read.

        Raises JournalFileError, naming the file and what to do, when it cannot be read.
        """
        with self.lock:
            try:
                return self._refresh()
            except FileNotFoundError:
                self.reset()
                return 0
            except OSError as error:
                raise JournalFileError(
                    f"cannot read the journal file {self.path}: {error.strerror or error}; "
                    f"`python -m tuning doctor --storage journal://{self.path}` checks it"
                ) from None

    def _refresh(self) -> int:
        stat = os.stat(self.path)
        if not self._still_valid(stat.st_ino, stat.st_size):
            log.info("journal %s changed before byte %d: reading it again", self.path, self.position.offset)
            self.reset()
        self.position.inode = stat.st_ino
        return self._read(stat.st_size) if stat.st_size > self.position.offset else 0

    def _still_valid(self, inode: int, size: int) -> bool:
        position = self.position
        if position.offset == 0:
            return True
        if inode != position.inode or size < position.offset:
            return False
        start = max(0, position.offset - WINDOW)
        with open(self.path, "rb") as file:
            file.seek(start)
            return zlib.crc32(file.read(position.offset - start)) == position.window_crc

    def _read(self, size: int) -> int:
        position, began = self.position, self.position.offset
        with open(self.path, "rb") as file:
            for offset, line in scan(file, position.offset, size):
                position.crc = zlib.crc32(line, position.crc)
                position.offset = offset + len(line)
                record, damage = parse_line(line)
                if damage is not None:
                    self._step_over(Finding(damage, offset, len(line), line[: PREVIEW_BYTES + 1]))
                if record is not None:
                    self._apply_at(record, offset, line)
            start = max(0, position.offset - WINDOW)
            file.seek(start)
            position.window_crc = zlib.crc32(file.read(position.offset - start))
        return position.offset - began

    def _apply_at(self, record: dict[str, Any], offset: int, line: bytes) -> None:
        """Apply the record read at ``offset``; one the replay cannot apply is stepped over."""
        try:
            self.apply(record)
        except Exception as error:  # Optuna's replay fails on it too: ``SafeJournalStorage`` skips it
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            self._step_over(
                Finding(Damage.UNAPPLICABLE, offset, len(line), line[: PREVIEW_BYTES + 1], reason)
            )

    def _step_over(self, finding: Finding) -> None:
        if (finding.offset, finding.damage) not in self.findings:
            self.findings[finding.offset, finding.damage] = finding
            hint = DOCTOR_HINT.format(path=self.path)
            log.warning("journal %s: skipped a %s; `%s` mends it", self.path, finding.describe(), hint)

    def apply(self, record: dict[str, Any]) -> None:
        """Apply one record as Optuna's replay does for a record of another process.

        Raises, having changed nothing, where that replay raises: an operation it does not
        know (its ``Should not reach``), a field missing or of the wrong kind.
        """
        handler = _HANDLERS.get(record["op_code"])
        if handler is not None:
            handler(self, record)
        elif record["op_code"] != Op.DISCARD_TRIALS:  # Optuna skips it too
            raise UnknownOperation(f"unknown op_code {record['op_code']!r}")

    def _create_study(self, record: dict[str, Any]) -> None:
        directions = [StudyDirection(d) for d in record["directions"]]
        if any(s.name == record["study_name"] for s in self.studies.values()):
            return
        study_id, self.next_study_id = self.next_study_id, self.next_study_id + 1
        self.studies[study_id] = StudyState(study_id, record["study_name"], directions, self.sink())

    def _delete_study(self, record: dict[str, Any]) -> None:
        study = self.studies.pop(record["study_id"], None)
        if study is not None:
            for trial_id in study.live:
                self.owners.pop(trial_id, None)

    def _set_study_attr(self, record: dict[str, Any]) -> None:
        study = self.studies.get(record["study_id"])
        if study is None:
            return
        if record["op_code"] == Op.SET_STUDY_USER_ATTR:  # new dicts: a reader's copy never changes
            study.user_attrs = {**study.user_attrs, **_one(record["user_attr"])}
        else:
            study.system_attrs = {**study.system_attrs, **_one(record["system_attr"])}

    def _create_trial(self, record: dict[str, Any]) -> None:
        study = self.studies.get(record["study_id"])
        if study is None:
            return
        trial = trial_from_record(record, self.trials_made, study.trials_made)  # raises before any change
        self.trials_made += 1
        study.trials_made += 1
        for name, distribution in trial.distributions.items():
            study.distributions.setdefault(name, distribution)
        self._keep(study, trial)

    def _keep(self, study: StudyState, trial: FrozenTrial) -> None:
        """Keep an unfinished trial, or hand a finished one to its study's sink for good."""
        if trial.state.is_finished():
            study.live.pop(trial._trial_id, None)
            self.owners.pop(trial._trial_id, None)
            study.finished.add([trial])
        else:
            study.live[trial._trial_id] = trial
            self.owners[trial._trial_id] = study.study_id

    def _live(self, record: dict[str, Any]) -> tuple[StudyState, FrozenTrial] | None:
        """The unfinished trial a record is about, with its study; None when the replay ignores it."""
        study = self.studies.get(self.owners.get(record["trial_id"], -1))
        if study is None:
            return None
        return study, study.live[record["trial_id"]]

    def _set_param(self, record: dict[str, Any]) -> None:
        found = self._live(record)
        if found is None:
            return
        study, trial = found
        name, internal = record["param_name"], record["param_value_internal"]
        distribution = parsed_distribution(record["distribution"])
        if name in study.distributions:
            try:
                check_distribution_compatibility(study.distributions[name], distribution)
            except Exception:  # Optuna's replay ignores another process's incompatible parameter
                return
        value = distribution.to_external_repr(internal)
        study.distributions.setdefault(name, distribution)
        trial = _copy(trial)
        trial.params = {**trial.params, name: value}
        trial.distributions = {**trial.distributions, name: distribution}
        study.live[trial._trial_id] = trial

    def _set_state(self, record: dict[str, Any]) -> None:
        found = self._live(record)
        if found is None:
            return
        study, trial = found
        state = TrialState(record["state"])
        if state == TrialState.RUNNING and trial.state == TrialState.RUNNING:
            return  # another process took the waiting trial first
        trial = _copy(trial)
        if state == TrialState.RUNNING:
            trial.datetime_start = local_time(record["datetime_start"])
        if state.is_finished():
            trial.datetime_complete = local_time(record["datetime_complete"])
        trial.state = state
        if record["values"] is not None:
            trial.values = record["values"]
        self._keep(study, trial)

    def _set_trial_field(self, record: dict[str, Any]) -> None:
        found = self._live(record)
        if found is None:
            return
        study, trial = found
        trial = _copy(trial)
        op = record["op_code"]
        if op == Op.SET_TRIAL_INTERMEDIATE_VALUE:
            trial.intermediate_values = {
                **trial.intermediate_values,
                record["step"]: record["intermediate_value"],
            }
        elif op == Op.SET_TRIAL_USER_ATTR:
            trial.user_attrs = {**trial.user_attrs, **_one(record["user_attr"])}
        else:
            trial.system_attrs = {**trial.system_attrs, **_one(record["system_attr"])}
        study.live[trial._trial_id] = trial


_HANDLERS: dict[int, Callable[[JournalReplica, dict[str, Any]], None]] = {
    Op.CREATE_STUDY: JournalReplica._create_study,
    Op.DELETE_STUDY: JournalReplica._delete_study,
    Op.SET_STUDY_USER_ATTR: JournalReplica._set_study_attr,
    Op.SET_STUDY_SYSTEM_ATTR: JournalReplica._set_study_attr,
    Op.CREATE_TRIAL: JournalReplica._create_trial,
    Op.SET_TRIAL_PARAM: JournalReplica._set_param,
    Op.SET_TRIAL_STATE_VALUES: JournalReplica._set_state,
    Op.SET_TRIAL_INTERMEDIATE_VALUE: JournalReplica._set_trial_field,
    Op.SET_TRIAL_USER_ATTR: JournalReplica._set_trial_field,
    Op.SET_TRIAL_SYSTEM_ATTR: JournalReplica._set_trial_field,
}


class UnknownOperation(Exception):
    """A record of an operation Optuna's replay does not know: it stops there (``assert False``)."""


def _one(attr: dict[str, Any]) -> dict[str, Any]:
    """An attribute record's one attribute: Optuna's replay refuses a record of several."""
    if len(attr) != 1:
        raise ValueError(f"an attribute record sets one attribute, not {len(attr)}")
    return attr


def local_time(text: str) -> datetime:
    """A journal's ISO time as Optuna's replay reads it: naive, in this machine's time zone."""
    return datetime.fromisoformat(text).astimezone().replace(tzinfo=None)


def trial_from_record(record: dict[str, Any], trial_id: int, number: int) -> FrozenTrial:
    """The trial a create-trial record makes, exactly as Optuna's replay makes it."""
    distributions = {k: parsed_distribution(v) for k, v in record.get("distributions", {}).items()}
    params = {k: distributions[k].to_external_repr(p) for k, p in record.get("params", {}).items()}
    start, complete = record["datetime_start"], record.get("datetime_complete")
    return FrozenTrial(
        trial_id=trial_id,
        number=number,
        state=TrialState(record.get("state", TrialState.RUNNING.value)),
        params=params,
        distributions=distributions,
        user_attrs=record.get("user_attrs", {}),
        system_attrs=record.get("system_attrs", {}),
        value=record.get("value"),
        intermediate_values={int(k): v for k, v in record.get("intermediate_values", {}).items()},
        datetime_start=local_time(start) if start is not None else None,
        datetime_complete=local_time(complete) if complete is not None else None,
        values=record.get("values"),
    )


def _copy(trial: FrozenTrial) -> FrozenTrial:
    """A shallow copy to change: a trial handed to a reader never changes under it."""
    copied = FrozenTrial.__new__(FrozenTrial)
    copied.__dict__.update(trial.__dict__)
    return copied
