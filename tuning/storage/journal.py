"""The embedded journal file, made to survive a writer that stops mid-record.

Optuna's ``JournalFileBackend`` appends one JSON line per operation. A writer killed
mid-append, or one that hits a full disk or a file-size limit, leaves an incomplete last
line. Optuna's reader ignores it, but the next append lands after the fragment: the
malformed line in the middle then stops every reader (``JSONDecodeError``, or
``AssertionError: Should not reach.`` when a study is created), on every page and command.

``SafeJournalBackend`` keeps the same file format and lock, so Optuna's own tools
(optuna-dashboard) still read the file, and adds these:

- before appending, under the journal's lock, it cuts an incomplete tail back to the last
  record boundary: a record without its newline was never written (its writer got an error);
- an append that fails part-way removes what it wrote, so a full disk leaves no fragment;
- its reader steps over a malformed complete line (left by an older version), logging the
  file, the byte offset and what it skipped, and keeps a whole record glued after a fragment;
- its storage steps over a well-formed record that Optuna's replay cannot apply (an
  operation it does not know, a field missing or of the wrong kind): Optuna's replay stops
  there with ``AssertionError: Should not reach.`` or a ``KeyError``, for every reader;
- a writer killed while it holds the journal's lock no longer holds up every other writer
  for Optuna's 30 s grace period (``WriterLock``).

``python -m tuning doctor`` (``tuning/storage/doctor.py``) reports and repairs the same damage.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import optuna
from optuna.distributions import BaseDistribution, json_to_distribution
from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock
from optuna.storages.journal import _storage as optuna_journal
from optuna.storages.journal._file import BaseJournalFileLock

from tuning.errors import StorageUnavailable

log = logging.getLogger("tuning.storage.journal")

#: Every record Optuna writes starts with its operation code (``_storage.py``'s ``_write_log``).
RECORD_START = b'{"op_code":'
PREVIEW_BYTES = 60
TAIL_CHUNK = 64 * 1024
DOCTOR_HINT = "python -m tuning doctor --storage journal://{path} --repair"


class JournalFileError(StorageUnavailable, OSError):
    """The journal file cannot be read or written; the message names the file and what to do.

    An ``OSError`` too, so a worker treats it like any other storage outage and retries.
    """


class Damage(Enum):
    """What a scan found at one place in the file."""

    TORN_TAIL = "incomplete last record"
    MALFORMED = "malformed record"
    RECOVERED = "fragment glued before a whole record"
    UNAPPLICABLE = "record this reader cannot apply"


@dataclass(frozen=True)
class Finding:
    """One damaged place: where it starts, how long it is, how it begins, and why (if known)."""

    damage: Damage
    offset: int
    length: int
    preview: bytes
    reason: str = ""

    def describe(self) -> str:
        kept = "; kept the whole record after it" if self.damage is Damage.RECOVERED else ""
        why = f": {self.reason}" if self.reason else ""
        return (
            f"{self.damage.value} at byte {self.offset} ({self.length} bytes: "
            f"{self.preview[:PREVIEW_BYTES]!r}{'...' if self.length > PREVIEW_BYTES else ''}){kept}{why}"
        )


def is_record(value: object) -> bool:
    """True for the shape of every record Optuna writes: an object with an integer ``op_code``
    and a string ``worker_id`` (its replay reads the id after applying some records: without
    one, such a record would be half applied before it failed)."""
    return (
        isinstance(value, dict)
        and type(value.get("op_code")) is int
        and isinstance(value.get("worker_id"), str)
    )


def parse_line(line: bytes) -> tuple[dict[str, Any] | None, Damage | None]:
    """The record of one complete line, and the damage found in it (None for a sound line).

    A line that is not a record may be a fragment with a whole record glued after it
    (the next append landed after a torn one): that record is returned with RECOVERED.
    """
    record = _loads(line)
    if record is not None:
        return record, None
    start = line.find(RECORD_START, 1)
    while start > 0:
        record = _loads(line[start:])
        if record is not None:
            return record, Damage.RECOVERED
        start = line.find(RECORD_START, start + 1)
    return None, Damage.MALFORMED


def _loads(text: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return value if is_record(value) else None


def scan(file: Any, offset: int, end: int) -> Iterator[tuple[int, bytes]]:
    """``(offset, line)`` for each complete line of ``file`` from ``offset`` up to byte ``end``.

    Stops at an incomplete line: it is either torn or being written right now.
    """
    file.seek(offset)
    for line in file:
        if offset + len(line) > end or not line.endswith(b"\n"):
            return
        yield offset, line
        offset += len(line)


class SafeJournalBackend(JournalFileBackend):
    """A journal file backend that never leaves, nor stops at, a torn record."""

    def __init__(self, file_path: str) -> None:
        super().__init__(file_path, WriterLock(file_path))
        self._offsets: dict[int, int] = {0: 0}  # record number -> where to look for it
        # Damage this process stepped over, by offset and kind: a fragment's line may also
        # hold a glued record that does not apply.
        self.findings: dict[tuple[int, Damage], Finding] = {}
        self._inode = os.stat(file_path).st_ino
        self._applying: tuple[int, int, bytes] | None = None  # the record yielded: number, offset, line

    def replaced(self) -> bool:
        """True once the file was swapped for another (``doctor --repair``): reopen it."""
        try:
            return os.stat(self._file_path).st_ino != self._inode
        except OSError:
            return True

    def read_logs(self, log_number_from: int) -> Generator[dict[str, Any], None, None]:
        number = log_number_from if log_number_from in self._offsets else 0
        try:
            with open(self._file_path, "rb") as file:
                stat = os.fstat(file.fileno())
                if stat.st_ino != self._inode:
                    raise JournalFileError(
                        f"the journal file {self._file_path} was replaced (by `python -m tuning doctor "
                        "--repair`?) while this process read it; start this process again"
                    )
                end = stat.st_size
                self._applying = None
                for offset, line in scan(file, self._offsets[number], end):
                    record, damage = parse_line(line)
                    if damage is not None:
                        self._step_over(Finding(damage, offset, len(line), line))
                    if record is None:
                        self._offsets[number] = offset + len(line)
                        continue
                    if number >= log_number_from:
                        self._applying = (number, offset, line)
                        yield record  # a replay that fails on it never resumes us: step_over_unapplied
                        self._applying = None
                    number += 1
                    self._offsets.setdefault(number, offset + len(line))
        except JournalFileError:
            raise
        except OSError as error:
            reason = error.strerror or error
            raise JournalFileError(
                f"cannot read the journal file {self._file_path}: {reason}; "
                f"`python -m tuning doctor --storage journal://{self._file_path}` checks it"
            ) from None

    def step_over_unapplied(self, error: Exception, own: Callable[[dict[str, Any]], bool]) -> bool:
        """Step over the record the replay was applying when it raised ``error``. False (the
        caller re-raises) when no record was being applied (a read error) or when ``own`` says
        this process wrote it: Optuna raises on its own records on purpose (a duplicate study).

        The replay counted the record before applying it, so the next read starts after it.
        """
        if self._applying is None:
            return False
        number, offset, line = self._applying
        record, _ = parse_line(line)
        if record is None or own(record):
            return False
        self._applying = None
        self._offsets[number + 1] = offset + len(line)
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        self._step_over(Finding(Damage.UNAPPLICABLE, offset, len(line), line, reason))
        return True

    def _step_over(self, finding: Finding) -> None:
        if (finding.offset, finding.damage) in self.findings:
            return
        self.findings[finding.offset, finding.damage] = finding
        log.warning(
            "journal %s: skipped a %s; `%s` rewrites the file without it",
            self._file_path,
            finding.describe(),
            DOCTOR_HINT.format(path=self._file_path),
        )

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        payload = "".join(json.dumps(entry, separators=(",", ":")) + "\n" for entry in logs).encode()
        try:
            with locked(self._lock), open(self._file_path, "ab+", buffering=0) as file:
                start = cut_torn_tail(file, self._file_path)
                try:
                    write_all(file, payload)
                except OSError:
                    file.truncate(start)  # leave no fragment behind for the next writer
                    raise
                os.fsync(file.fileno())
        except OSError as error:
            raise JournalFileError(
                f"cannot write to the journal file {self._file_path}: {error.strerror or error}; "
                "nothing was half-written. Free space or make it writable, then try again"
            ) from error


class FileLock(Protocol):
    """Optuna's journal file locks (symlink or open-exclusive) have this shape."""

    def acquire(self) -> bool: ...

    def release(self) -> None: ...


class WriterLock(BaseJournalFileLock):
    """Optuna's lock on the journal (a symlink, ``<journal>.lock``), safe from a holder killed
    while it holds it.

    A writer killed mid-append (SIGKILL, the OOM killer) leaves Optuna's symlink behind,
    and every other writer then waits Optuna's 30 s grace period before breaking it: the
    run's other workers stopped, a killed worker's trial was not reaped, and the
    dashboard's buttons hung. So Sweetspot's writers first take a kernel lock (``flock``)
    on ``<journal>.writer``, which the kernel releases when its holder dies, and note in
    that file the symlink they made. A writer that gets the kernel lock and finds the
    noted symlink still there knows its maker died holding it (a live one would still hold
    the kernel lock) and removes it at once. A symlink not noted there is another Optuna
    program's, and is waited for as Optuna waits.
    """

    def __init__(self, journal_path: str) -> None:
        self._symlink = JournalFileSymlinkLock(journal_path)
        self._link_path = journal_path + ".lock"  # the symlink's path, as Optuna names it
        self._path = journal_path + ".writer"
        self._descriptor: int | None = None

    def acquire(self) -> bool:
        descriptor = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # released by the kernel if this process dies
            noted = os.pread(descriptor, NOTE_BYTES, 0).strip()
            if noted and noted == self._identity():
                log.warning(
                    "removed the journal lock %s left by a writer that died holding it", self._link_path
                )
                os.unlink(self._link_path)
            self._symlink.acquire()
            try:
                _note(descriptor, self._identity())
            except BaseException:
                self._symlink.release()
                raise
        except BaseException:
            os.close(descriptor)  # closing releases the kernel lock
            raise
        self._descriptor = descriptor
        return True

    def release(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            raise RuntimeError("the journal's writer lock is not held")
        try:
            try:
                _note(descriptor, b"")  # before the symlink goes: no note names a link of this writer's
            finally:
                self._symlink.release()
        finally:
            os.close(descriptor)

    def _identity(self) -> bytes:
        """The symlink now at the lock's path, as inode and creation time; empty when none."""
        try:
            link = os.lstat(self._link_path)
        except FileNotFoundError:
            return b""
        return f"{link.st_ino} {link.st_ctime_ns}".encode()


#: The note's fixed size: it is overwritten in place, so a full disk cannot refuse it.
NOTE_BYTES = 64


def _note(descriptor: int, text: bytes) -> None:
    os.pwrite(descriptor, text.ljust(NOTE_BYTES), 0)


@contextmanager
def locked(lock: FileLock) -> Iterator[None]:
    """Hold the journal's lock (the one every Optuna writer of the file takes) for a block."""
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def write_all(file: Any, payload: bytes) -> None:
    """Write every byte (a raw file may write part of it and report how much)."""
    view = memoryview(payload)
    while view:
        view = view[file.write(view) :]


def cut_torn_tail(file: Any, path: str) -> int:
    """Truncate ``file`` after its last newline if it ends mid-record; returns its new size.

    Call under the journal's lock: no writer is then mid-append, so a tail without a
    newline is what a writer left when it died or failed, never a record in progress.
    """
    size = file.seek(0, os.SEEK_END)
    boundary = last_boundary(file, size)
    if boundary < size:
        file.seek(boundary)
        fragment = file.read(PREVIEW_BYTES)
        file.truncate(boundary)
        finding = Finding(Damage.TORN_TAIL, boundary, size - boundary, fragment)
        log.warning("journal %s: removed an %s; its writer stopped mid-append", path, finding.describe())
    return boundary


def last_boundary(file: Any, size: int) -> int:
    """The offset just after the last newline of ``file`` (0 if it has none)."""
    if size and file.seek(size - 1) >= 0 and file.read(1) == b"\n":
        return size  # the usual case: one byte read per append
    end = size
    while end > 0:
        start = max(0, end - TAIL_CHUNK)
        file.seek(start)
        chunk = file.read(end - start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        end = start
    return 0


@functools.lru_cache(maxsize=1024)
def parsed_distribution(text: str) -> BaseDistribution:
    """The distribution a JSON text describes, parsed once per distinct text.

    Optuna's journal replay parses every trial's distributions from their JSON, one
    ``json_to_distribution`` per hyperparameter per trial: 60,000 parses for a run of
    10,000 trials over six hyperparameters, which has six distinct texts. That was 0.4 s
    of the first read of such a run (a restarted dashboard's first page, a worker joining
    it). Trials then share one distribution object per text: Optuna treats distributions
    as values (compared with ``==``, never changed after construction).
    """
    return json_to_distribution(text)


# The replay looks the parser up in its own module (``optuna/storages/journal/_storage.py``,
# optuna 5.0.0 as pinned); tests/storage/test_journal.py checks that trials share them.
optuna_journal.json_to_distribution = parsed_distribution


class SafeJournalStorage(optuna.storages.JournalStorage):
    """Optuna's journal storage on a ``SafeJournalBackend``, which it keeps at hand, and
    whose replay steps over a record it cannot apply instead of stopping there."""

    def __init__(self, backend: SafeJournalBackend) -> None:
        self.backend = backend  # before Optuna's constructor: it replays the file
        super().__init__(backend)

    def _sync_with_backend(self) -> None:
        """Optuna's replay of the records not read yet (``_storage.py``, optuna 5.0.0 as pinned),
        resumed after each record it cannot apply. Costs nothing while every record applies."""
        while True:
            try:
                super()._sync_with_backend()
                return
            except Exception as error:  # any error of a record another process wrote: its damage
                if not self.backend.step_over_unapplied(error, self._written_here):
                    raise

    def _written_here(self, record: dict[str, Any]) -> bool:
        """True for a record whose errors Optuna raises to this thread on purpose."""
        return bool(record.get("worker_id") == self._replay_result.worker_id)

    def replaced(self) -> bool:
        """True once its file was swapped for another (``doctor --repair``): open it afresh."""
        return self.backend.replaced()


def open_journal(path: str) -> SafeJournalStorage:
    """An Optuna storage on the journal file at ``path`` (created if missing)."""
    return SafeJournalStorage(SafeJournalBackend(path))
