"""``python -m tuning doctor``: check a storage, and repair a damaged journal file.

The embedded journal can hold damage that older versions, or other Optuna writers, left:
an incomplete last record (a writer died or the disk filled mid-append), a fragment in
the middle with the next record glued after it, or a well-formed record that Optuna's
replay cannot apply (an unknown operation, a missing field). Sweetspot's reader steps
over each, but Optuna's own tools (optuna-dashboard) stop there, and every reader warns
each time. A repair copies the file aside first, then rewrites it with every whole record
that applies, in order, under the journal's lock. A database storage has no such damage:
it is only checked.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import optuna
from optuna.trial import TrialState

from tuning.errors import FieldError, RunBusy
from tuning.storage import record
from tuning.storage.journal import (
    Damage,
    Finding,
    JournalFileError,
    SafeJournalStorage,
    WriterLock,
    locked,
    open_journal,
    parse_line,
    scan,
)
from tuning.storage.journal import log as journal_log
from tuning.storage.liveness import live_workers
from tuning.storage.runs import stored_spec
from tuning.storage.urls import JOURNAL_SCHEME, open_storage, redact, resolve_url


@dataclass
class Checkup:
    """What the doctor found (and did): the storage, its damage, what a replay reads."""

    storage: str
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    studies: int = 0
    complete_trials: int = 0
    backup: Path | None = None

    @property
    def healthy(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        """The report, one fact a line, for the CLI."""
        lines = [f"storage {self.storage}"]
        if self.backup is not None:
            lines.append(f"backup of the damaged file: {self.backup}")
            lines.append(f"kept {self.records} whole records; dropped:")
        elif self.findings:
            lines.append(f"{self.records} whole records; damaged:")
        lines += [f"  {finding.describe()}" for finding in self.findings]
        studies = "1 study" if self.studies == 1 else f"{self.studies} studies"
        lines.append(f"reads {studies} with {self.complete_trials} complete trials")
        if self.backup is not None:
            lines.append("repaired: start again any worker that was running (dashboards reopen the file)")
        elif self.findings:
            lines.append(f"repair with: python -m tuning doctor --storage {self.storage} --repair")
        else:
            lines.append("healthy")
        return lines


def checkup(url: str | None = None, repair: bool = False, force: bool = False) -> Checkup:
    """Check the storage at ``url`` (default: the usual one); with ``repair``, fix a journal.

    A repair replaces the file, and a worker using it stops (its run ends interrupted): it
    is refused with RunBusy, naming them, while any worker of any run in it is alive, unless
    ``force``. Raises FieldError for a journal path with no file (the doctor creates nothing)
    and StorageUnavailable when the storage cannot be reached or read.
    """
    url = resolve_url(url)
    if not url.startswith(JOURNAL_SCHEME):
        return _count(Checkup(redact(url)), open_storage(url))
    path = Path(url[len(JOURNAL_SCHEME) :])
    if not path.is_absolute():
        raise FieldError(
            "storage", f"a journal URL needs an absolute path, like journal:///data/runs.journal; got {url!r}"
        )
    if not path.is_file():
        raise FieldError("storage", f"there is no journal file at {path}; give the path of an existing one")
    result = Checkup(url)
    try:
        # Under the journal's lock, no writer appends between the check and the rewrite.
        with locked(WriterLock(str(path))) if repair else nullcontext():
            storage = _replay(path)
            result.records, result.findings = _examine(path, storage)
            if repair and result.findings:
                if not force:
                    _refuse_while_workers_run(storage, url)
                unapplied = {f.offset for f in result.findings if f.damage is Damage.UNAPPLICABLE}
                result.backup = _rewrite(path, unapplied)
    except OSError as error:
        raise JournalFileError(
            f"cannot {'repair' if repair else 'read'} the journal file {path}: {error.strerror or error}; "
            "the file was not changed"
        ) from None
    return _count(result, _replay(path) if result.backup else storage)


def _refuse_while_workers_run(storage: SafeJournalStorage, url: str) -> None:
    """Raise RunBusy naming every live worker of every run in the journal, if any."""
    now, running = time.time(), []
    for study in storage.get_all_studies():
        if record.SPEC.key not in study.user_attrs:
            continue  # not a Sweetspot run: no workers of ours
        grace_s = stored_spec(study.user_attrs).grace_s
        running += [
            f"worker {w.id} of run {study.study_name} (PID {w.pid} on {w.host}, last heartbeat "
            f"{now - w.beat_at:.0f} s ago)"
            for w in live_workers(study.user_attrs, grace_s, now)
        ]
    if running:
        raise RunBusy(
            f"not repairing: {len(running)} worker(s) use this journal: {'; '.join(running)}. A repair "
            "replaces the file, and each of them would stop, leaving its run interrupted. Stop their "
            "runs (python -m tuning stop NAME) and wait for the workers to exit, then repair; or repair "
            f"now anyway with: python -m tuning doctor --storage {url} --repair --force"
        )


def _replay(path: Path) -> SafeJournalStorage:
    """The journal replayed as every reader replays it; its warnings about damage are muted
    here: the report lists each place once."""
    with _muted(journal_log):
        return open_journal(str(path))


def _examine(path: Path, storage: SafeJournalStorage) -> tuple[int, list[Finding]]:
    """How many sound records the journal holds, and every damaged place in it, in order;
    ``storage`` is its replay, which found the records that do not apply."""
    records, findings = _scan_lines(path)
    unapplied = [f for f in storage.backend.findings.values() if f.damage is Damage.UNAPPLICABLE]
    return records - len(unapplied), sorted(findings + unapplied, key=lambda finding: finding.offset)


def _scan_lines(path: Path) -> tuple[int, list[Finding]]:
    """How many whole records the journal's lines hold, and every line that is not one."""
    records, findings, end = 0, [], 0
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        for offset, line in scan(file, 0, size):
            record, damage = parse_line(line)
            records += record is not None
            if damage is not None:
                findings.append(Finding(damage, offset, len(line), line))
            end = offset + len(line)
        if end < size:
            file.seek(end)
            findings.append(Finding(Damage.TORN_TAIL, end, size - end, file.read(60)))
    return records, findings


def _rewrite(path: Path, unapplied: set[int]) -> Path:
    """Copy the journal aside, then replace it with its whole records but those at the
    ``unapplied`` offsets; returns the copy's path."""
    backup = path.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.bak")
    shutil.copy2(path, backup)
    fresh = path.with_name(f"{path.name}.repairing")
    try:
        with path.open("rb") as source, fresh.open("wb") as target:
            for offset, line in scan(source, 0, os.fstat(source.fileno()).st_size):
                record, damage = parse_line(line)
                if (
                    record is not None and offset not in unapplied
                ):  # a recovered record is written as Optuna writes one
                    target.write(
                        line if damage is None else json.dumps(record, separators=(",", ":")).encode() + b"\n"
                    )
            target.flush()
            os.fsync(target.fileno())
        os.replace(fresh, path)  # atomic: readers see the old file or the new one, never half
    finally:
        fresh.unlink(missing_ok=True)
    return backup


@contextmanager
def _muted(logger: logging.Logger) -> Iterator[None]:
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = False


def _count(result: Checkup, storage: optuna.storages.BaseStorage) -> Checkup:
    """Count the studies and complete trials that ``storage`` (its replay) reads."""
    for study in storage.get_all_studies():
        study_id = storage.get_study_id_from_name(study.study_name)
        result.complete_trials += len(storage.get_all_trials(study_id, states=(TrialState.COMPLETE,)))
        result.studies += 1
    return result
