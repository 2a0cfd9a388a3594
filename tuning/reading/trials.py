"""A run as the dashboard reads it: its handle, its attributes and its trials as a ``TrialTable``.

Which reader serves a storage URL:

- a journal file: one ``JournalReplica`` per file and process, restored from its cache
  (``replica_cache``) and saved again as it reads, so neither a page nor a restarted
  server replays the whole file;
- PostgreSQL: ``rdb_reader``, a few queries that fetch only new and unfinished trials
  (the rows of finished ones are kept, and saved in the data folder by ``rdb_cache``);
- any other Optuna storage (SQLite): Optuna's own reads, each finished trial's row made once.

A run's handle from here opens its Optuna study only when an action needs it (stop,
extend, delete); its ``attrs()`` come from the same reader as its trials.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from optuna.storages import RDBStorage
from optuna.trial import TrialState

from tuning.definition.spec import RunSpec
from tuning.errors import RunNotFound
from tuning.reading import replica_cache
from tuning.reading.records import TrialTable
from tuning.reading.rows import FinishedRows
from tuning.storage import record
from tuning.storage.replica import JournalReplica, StudyState
from tuning.storage.runs import Run, RunEntry, load_run, stored_spec
from tuning.storage.runs import run_entries as stored_entries
from tuning.storage.urls import JOURNAL_SCHEME, resolve_url

if TYPE_CHECKING:
    from tuning.reading.rdb_reader import RdbTrials

POSTGRES_SCHEMES = ("postgresql:", "postgresql+")


@dataclass(frozen=True)
class RunRead:
    """One read of a run: its handle, its attributes and its trials, all of one moment."""

    run: Run
    attrs: dict[str, Any]
    table: TrialTable

    def same_as(self, other: RunRead) -> bool:
        """True when nothing of the run changed between ``other`` and this read.

        Readers hand over new objects for whatever changed and the same ones otherwise: the
        journal's replica copies a trial, and its study's attributes, before it changes them,
        and ``FinishedRows`` makes a new frame when trials finish. So identity says it, at no
        cost; a reader that makes new objects at every read (PostgreSQL's, Optuna's) is
        never the same, which only costs the caller a rebuild.
        """
        mine, theirs = self.table, other.table
        return (
            self.run.study_id == other.run.study_id
            and self.run.storage_url == other.run.storage_url
            and self.attrs is other.attrs
            and mine.finished is theirs.finished
            and len(mine.live) == len(theirs.live)
            and all(a is b for a, b in zip(mine.live, theirs.live, strict=True))
        )


def read_run(name: str, storage_url: str | None = None) -> RunRead:
    """The run called ``name``, read now; RunNotFound names the runs that exist."""
    url = resolve_url(storage_url)
    if url.startswith(JOURNAL_SCHEME):
        return _journal_read(_replica(url[len(JOURNAL_SCHEME) :]), name, url)
    run = load_run(name, url)
    if url.startswith(POSTGRES_SCHEMES):
        return _postgres_read(run)
    return _optuna_read(run)


def run_entries(storage_url: str | None = None) -> list[RunEntry]:
    """Every Sweetspot run in the storage with its attributes, newest first: a journal's from
    its replica (only what was appended since the last read), a database's from one query."""
    url = resolve_url(storage_url)
    if url.startswith(JOURNAL_SCHEME):
        replica = _replica(url[len(JOURNAL_SCHEME) :])
        with replica.lock:
            _refresh(replica)
            studies = list(replica.studies.values())
        entries = [RunEntry(s.name, s.user_attrs) for s in studies if record.SPEC.key in s.user_attrs]
    else:
        entries = stored_entries(url)
    return sorted(entries, key=lambda e: e.attrs.get(record.CREATED_AT.key, 0), reverse=True)


def list_run_names(storage_url: str | None = None) -> list[str]:
    """Names of the Sweetspot runs in the storage, newest first."""
    return [entry.name for entry in run_entries(storage_url)]


def storage_damage(storage_url: str | None = None) -> list[str]:
    """The damage the journal's replica stepped over, one line each (empty for a database).

    Torn, malformed and unapplicable records are skipped so every run stays readable (as
    ``storage.journal``'s reader skips them); this says they are there, for a page to
    point at ``python -m tuning doctor --repair``.
    """
    url = resolve_url(storage_url)
    if not url.startswith(JOURNAL_SCHEME):
        return []
    replica = _replica(url[len(JOURNAL_SCHEME) :])
    with replica.lock:
        _refresh(replica)
        found = sorted(replica.findings.values(), key=lambda f: (f.offset, f.damage.name))
        return [finding.describe() for finding in found]


@functools.lru_cache(maxsize=16)
def _replica(path: str) -> JournalReplica:
    replica = JournalReplica(path, FinishedRows)
    with replica.lock:
        replica_cache.restore(replica)
    return replica


class _Saves:
    """How much each replica read since its last save; saves run in the background."""

    unsaved: dict[str, int] = {}
    running: set[str] = set()
    lock = threading.Lock()


def _refresh(replica: JournalReplica) -> None:
    """Read what was appended (call with ``replica.lock`` held); save once enough is new."""
    read = replica.refresh()
    with _Saves.lock:
        unsaved = _Saves.unsaved[replica.path] = _Saves.unsaved.get(replica.path, 0) + read
        if unsaved < replica_cache.SAVE_EVERY_BYTES or replica.path in _Saves.running:
            return
        _Saves.unsaved[replica.path] = 0
        _Saves.running.add(replica.path)
    # Not a daemon: a command that exits right after its read (``ls``) still finishes the file it began.
    threading.Thread(target=_save, args=(replica,), name="replica-cache").start()


def _save(replica: JournalReplica) -> None:
    try:
        with replica.lock:  # a moment: what is kept now; encoding it does not hold up readers
            state = replica_cache.capture(replica)
        replica_cache.write(replica.path, state)
    finally:
        with _Saves.lock:
            _Saves.running.discard(replica.path)


def run_spec(name: str, storage_url: str | None = None) -> RunSpec:
    """The spec of run ``name``, read as a page reads runs (a journal is not replayed)."""
    url = resolve_url(storage_url)
    if not url.startswith(JOURNAL_SCHEME):
        return load_run(name, url).spec
    replica = _replica(url[len(JOURNAL_SCHEME) :])
    with replica.lock:
        _refresh(replica)
        return _spec(_found(replica, name).user_attrs)


#: Each run's upload hash by (storage, name, creation time): an upload never changes once
#: stored, and Compare asks on every refresh (a 20 MB file took tens of ms to hash).
_UPLOAD_HASHES: dict[tuple[str, str, float], str | None] = {}


def run_data(name: str, storage_url: str | None = None) -> tuple[Any, str | None]:
    """What two runs must share for their scores to compare: the dataset's spec and, for
    an upload, a hash of the file itself (two uploads of one file name can hold other rows).
    Read as ``run_spec`` reads (a journal is not replayed)."""
    url = resolve_url(storage_url)
    if url.startswith(JOURNAL_SCHEME):
        replica = _replica(url[len(JOURNAL_SCHEME) :])
        with replica.lock:
            _refresh(replica)
            attrs = _found(replica, name).user_attrs
        spec = _spec(attrs)
    else:
        run = load_run(name, url)
        attrs, spec = run.attrs(), run.spec
    key = (url, name, float(attrs.get(record.CREATED_AT.key, 0)))
    if key not in _UPLOAD_HASHES:  # a run deleted and made again under its name is created anew
        text = attrs.get(record.CSV.key)
        _UPLOAD_HASHES[key] = None if text is None else hashlib.sha256(text.encode()).hexdigest()
    return spec.dataset, _UPLOAD_HASHES[key]


def _found(replica: JournalReplica, name: str) -> StudyState:
    """Run ``name`` in the replica (call with its lock held); RunNotFound names the runs there."""
    study = replica.study(name)
    if study is None:
        known = [s.name for s in replica.studies.values()]
        hint = f"; runs here: {', '.join(known[:10])}" if known else "; this storage has no runs yet"
        raise RunNotFound(f"no run named {name!r}{hint}")
    if record.SPEC.key not in study.user_attrs:
        raise RunNotFound(f"study {name!r} was not created by Sweetspot (it has no run spec)")
    return study


def _journal_read(replica: JournalReplica, name: str, url: str) -> RunRead:
    with replica.lock:
        _refresh(replica)
        study = _found(replica, name)
        table = _table(replica, study)
        attrs = study.user_attrs
    read_attrs = functools.partial(_attrs_now, replica, study)
    run = Run(name, _spec(attrs), study.study_id, url, read_attrs=read_attrs)
    return RunRead(run, attrs, table)


def _table(replica: JournalReplica, study: StudyState) -> TrialTable:
    rows: FinishedRows = study.finished  # type: ignore[assignment]

    def curves(numbers: Sequence[int]) -> dict[int, list[float]]:
        with replica.lock:
            return rows.curves(numbers)

    live = tuple(sorted(study.live.values(), key=lambda t: t.number))
    return TrialTable(rows.frame(), live, curves)


def _attrs_now(replica: JournalReplica, study: StudyState) -> dict[str, Any]:
    with replica.lock:
        _refresh(replica)
        return study.user_attrs


@functools.lru_cache(maxsize=256)
def _parsed_spec(text: str) -> RunSpec:
    spec, source = json.loads(text)
    return stored_spec({record.SPEC.key: spec, record.MODEL_SOURCE.key: source})


def _spec(attrs: dict[str, Any]) -> RunSpec:
    """The stored spec (with its model's stored description), parsed once per distinct text:
    a refresh must not validate it again."""
    stored = [attrs[record.SPEC.key], attrs.get(record.MODEL_SOURCE.key)]
    return _parsed_spec(json.dumps(stored, sort_keys=True))


_rows: dict[tuple[str, int], FinishedRows] = {}  # (storage URL, study id) → that run's rows
_rdb: dict[tuple[str, int], RdbTrials] = {}  # (storage URL, study id) → that run's reader
_rows_lock = threading.Lock()


def _postgres_read(run: Run) -> RunRead:
    """A run on PostgreSQL: only new and unfinished trials are fetched (``rdb_reader``).

    The PostgreSQL readers are imported here, on a first read: SQLAlchemy takes a quarter
    of a second to import, which a dashboard on the journal need not pay before its first page.
    """
    from tuning.reading import rdb_cache
    from tuning.reading.rdb_reader import RdbTrials

    engine, attrs = cast(RDBStorage, run.storage).engine, run.attrs()
    identity = {"name": run.name, "created_at": attrs.get(record.CREATED_AT.key)}  # what the cache must match
    with _rows_lock:
        reader = _rdb.get((run.storage_url, run.study_id))
        if reader is None:
            reader = _rdb[(run.storage_url, run.study_id)] = RdbTrials()
            rdb_cache.restore(reader, engine, run.storage_url, run.study_id, identity)
    rows, live = reader.read(engine, run.study_id)
    rdb_cache.maybe_save(reader, run.storage_url, run.study_id, identity)

    def curves(numbers: Sequence[int]) -> dict[int, list[float]]:
        with reader.lock:
            return rows.curves(numbers)

    return RunRead(run, attrs, TrialTable(rows.frame(), live, curves))


def _optuna_read(run: Run) -> RunRead:
    """A run of another storage: Optuna reads its trials; each finished one's row is made once."""
    trials = run.study.get_trials(deepcopy=False)
    with _rows_lock:
        rows = _rows.setdefault((run.storage_url, run.study_id), FinishedRows())
        rows.add(t for t in trials if t.state.is_finished())
        finished = rows.frame()
    live = tuple(t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING))
    return RunRead(run, run.attrs(), TrialTable(finished, live, rows.curves))
