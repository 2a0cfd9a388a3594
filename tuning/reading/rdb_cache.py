"""A PostgreSQL run's finished rows, saved in the data folder so a restarted server fetches only what is new.

One file per run and database, ``<data dir>/cache/<digest>.sweetspot-cache``: a JSON header
(the run, the newest trial id read, the trials unfinished then, how many rows) and the
rows and curves as an Arrow stream (``rows.FinishedRows``). It is used only when

- it was written by this code (the fingerprint of ``replica_cache``),
- it is the same run: the study id, its name and its creation time (a run deleted and
  created again under its name is another study), and
- the database still holds exactly the finished trials it holds: as many finished trials
  up to the newest id read, not counting the ones that were unfinished then (one indexed
  count). A database restored from an older backup, or a trial finished meanwhile, shows
  there; the unfinished ones are fetched again on the first read anyway.

Otherwise the run is read whole, as on the first visit, and saved again.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import struct
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy
from optuna.trial import TrialState

from tuning.reading.rdb_reader import TRIALS, RdbTrials
from tuning.reading.replica_cache import MAGIC, SUFFIX, fingerprint
from tuning.reading.rows import FinishedRows
from tuning.storage.urls import data_dir, redact

log = logging.getLogger("tuning.reading.rdb_cache")
#: Save again once this many rows were added since the last save (a save of 100,000 rows
#: takes a fraction of a second, in the background).
SAVE_EVERY_ROWS = 5_000


def cache_path(url: str, study_id: int) -> Path:
    digest = hashlib.sha256(f"{redact(url)}\n{study_id}".encode()).hexdigest()[:32]
    return data_dir() / "cache" / f"{digest}{SUFFIX}"


def restore(
    reader: RdbTrials, engine: sqlalchemy.Engine, url: str, study_id: int, run: dict[str, Any]
) -> bool:
    """Load the saved rows of ``run`` (its name and creation time) into a fresh ``reader``."""
    path = cache_path(url, study_id)
    try:
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            raise ValueError("not a cache")
        (length,) = struct.unpack_from("<Q", data, len(MAGIC))
        start = len(MAGIC) + 8
        header = json.loads(data[start : start + length])
        if (
            header.get("fingerprint") != fingerprint()
            or header["run"] != run
            or header["study_id"] != study_id
        ):
            return False
        if _finished_up_to(engine, study_id, header["newest"], header["live"]) != header["rows"]:
            log.info("cache %s no longer matches the database: reading the run whole", path)
            return False
        table = pa.ipc.open_stream(memoryview(data)[start + length :]).read_all()
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        log.warning("cache %s is unreadable (%s): reading the run whole", path, error)
        return False
    reader.rows, reader.newest = FinishedRows.from_arrow(table), header["newest"]
    reader.unread = set(header["live"])  # fetched again on the first read, whatever they became
    reader.saved = len(reader.rows)
    return True


def _finished_up_to(engine: sqlalchemy.Engine, study_id: int, newest: int, live: list[int]) -> int:
    finished = [state for state in TrialState if state.is_finished()]
    query = sqlalchemy.select(sqlalchemy.func.count()).where(
        (TRIALS.c.study_id == study_id) & (TRIALS.c.trial_id <= newest) & TRIALS.c.trial_id.not_in(live)
        & TRIALS.c.state.in_(finished)
    )  # fmt: skip
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def maybe_save(reader: RdbTrials, url: str, study_id: int, run: dict[str, Any]) -> None:
    """Save in the background once enough rows were added since the last save."""
    if len(reader.rows) - reader.saved < SAVE_EVERY_ROWS:
        return
    reader.saved = len(reader.rows)
    # Not a daemon: a command that exits right after its read still finishes the file it began.
    threading.Thread(target=save, args=(reader, url, study_id, run), name="rdb-cache").start()


def save(reader: RdbTrials, url: str, study_id: int, run: dict[str, Any]) -> None:
    """Write the reader's rows; a folder that cannot be written just means no cache."""
    with reader.lock:  # a moment: what is kept now; encoding it does not hold up readers
        encode = reader.rows.kept()
        header = {
            "fingerprint": fingerprint(), "run": run, "study_id": study_id, "newest": reader.newest,
            "live": sorted(reader.live) + sorted(reader.unread), "rows": len(reader.rows),
        }  # fmt: skip
    stream, table = io.BytesIO(), encode()
    with pa.ipc.new_stream(stream, table.schema) as writer:
        writer.write_table(table)
    encoded = json.dumps(header).encode()
    path = cache_path(url, study_id)
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(MAGIC + struct.pack("<Q", len(encoded)) + encoded + stream.getvalue())
        os.replace(temporary, path)
    except OSError as error:
        log.info("cannot save the cache %s: %s", path, error)
        temporary.unlink(missing_ok=True)
