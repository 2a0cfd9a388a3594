"""One lock per storage, held by every process on every machine that shares it.

The demo's caps are "at most N runs going": checking that and creating the run must be
one step, or two visitors starting at the same moment both see room and both create (the
probe of issue 15 started 5 runs past a cap of 3). ``storage_lock(url)`` is that step's
lock, chosen by the storage's kind:

- a journal file (one machine, several processes): ``fcntl.flock`` on a file beside it,
  ``<journal>.launch.lock`` — not ``<journal>.lock``, which Optuna's own journal lock uses;
- SQLite: the same, beside the database file;
- PostgreSQL (several machines): a transaction-level advisory lock
  (``pg_advisory_xact_lock``) on a connection of its own, released when the transaction
  ends, also when the process dies.

A kind with no entry here is refused with the kinds that have one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from tuning.errors import StorageUnavailable
from tuning.storage.urls import JOURNAL_SCHEME, redact

if TYPE_CHECKING:
    import sqlalchemy

#: How long a launch waits for another to finish its check and creation (milliseconds
#: each, seconds on a slow storage) before it gives up with a message.
WAIT_S = 30.0
POLL_S = 0.01
LOCK_SUFFIX = ".launch.lock"
#: The advisory lock's key: any fixed 64-bit number no other application on the database uses.
PG_LOCK_KEY = int.from_bytes(hashlib.sha256(b"sweetspot:storage-lock").digest()[:8], "big", signed=True)


def storage_lock(storage_url: str) -> AbstractContextManager[None]:
    """The lock of the storage at ``storage_url``: ``with storage_lock(url): check, then create``."""
    kind = storage_kind(storage_url)
    if kind not in LOCKS:
        raise StorageUnavailable(
            f"the storage {redact(storage_url)} ({kind}) has no lock for the demo's caps; "
            f"use one of: {', '.join(sorted(LOCKS))}"
        )
    return LOCKS[kind](storage_url)


def storage_kind(storage_url: str) -> str:
    """``journal``, ``sqlite``, ``postgresql``, ``mysql``…: the URL's scheme without its driver."""
    return storage_url.split("://", 1)[0].split("+", 1)[0].split(":", 1)[0]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """``flock`` on ``path``, polled so that a wait past ``WAIT_S`` ends with a message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN) or time.monotonic() > deadline:
                    raise StorageUnavailable(_busy(str(path), error)) from None
                time.sleep(POLL_S)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _journal_lock(storage_url: str) -> AbstractContextManager[None]:
    return _file_lock(Path(storage_url[len(JOURNAL_SCHEME) :] + LOCK_SUFFIX))


def _sqlite_lock(storage_url: str) -> AbstractContextManager[None]:
    from sqlalchemy.engine import make_url  # only SQL storages load SQLAlchemy (0.2 s)

    database = make_url(storage_url).database or ""
    if not database or database == ":memory:":
        return contextlib.nullcontext()  # an in-memory database lives in this process only
    return _file_lock(Path(database).resolve().with_name(Path(database).name + LOCK_SUFFIX))


@contextlib.contextmanager
def _postgres_lock(storage_url: str) -> Iterator[None]:
    import sqlalchemy

    with contextlib.ExitStack() as stack:
        try:
            connection = stack.enter_context(_engine(storage_url).begin())
        except sqlalchemy.exc.OperationalError as error:
            raise StorageUnavailable(
                f"cannot reach the storage {redact(storage_url)} to take the launch lock: {_reason(error)}. "
                "Check that the database server is running and the URL is right."
            ) from None
        try:
            # lock_timeout bounds the wait for an advisory lock too; LOCAL: this transaction only.
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(WAIT_S * 1000)}ms'")
            connection.execute(sqlalchemy.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        except sqlalchemy.exc.OperationalError as error:
            raise StorageUnavailable(_busy(redact(storage_url), error)) from None
        yield  # the transaction, and with it the lock, ends when the caller's block does


@functools.lru_cache(maxsize=8)
def _engine(storage_url: str) -> sqlalchemy.Engine:
    """A connection of its own per lock, closed with it: a pool would cap how many launches
    may wait at once (its timeout raising), and launches are rare next to their connect."""
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    return sqlalchemy.create_engine(storage_url, poolclass=NullPool)


def _reason(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _busy(where: str, error: BaseException) -> str:
    return (
        f"could not take the launch lock of {where} within {WAIT_S:g} s ({_reason(error)}); "
        "another launch may be stuck: try again, and check the storage if it persists"
    )


#: Storage kind → its lock. One entry per kind that ``tuning.storage.urls`` opens.
LOCKS: dict[str, Callable[[str], AbstractContextManager[None]]] = {
    "journal": _journal_lock,
    "sqlite": _sqlite_lock,
    "postgresql": _postgres_lock,
}
