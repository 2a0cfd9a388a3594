"""The journal replica's state, saved beside the journal so a restarted server reads only what is new.

One file, ``<journal>.sweetspot-cache``: a JSON header (where the replica stopped, every
study's attributes and unfinished trials) and, per study, its finished trials' rows and
curves as an Arrow stream. It is never trusted over the journal. It is used only when

- it was written by this code (a fingerprint of the modules that replay the journal and
  make the rows, and Optuna's version), and
- the journal is the same file (inode), at least as long as where the cache stopped, and
  its bytes up to there have the CRC-32 the replica computed while reading them;

otherwise it is ignored and the journal is read from its start (then saved again). A run
extended, a record appended by another machine, a file repaired by ``doctor --repair``
(a new file) or rewritten in place: each either adds bytes after the saved offset (read
as new records) or changes the file the cache describes (the cache is discarded).
Writes go to a temporary file renamed into place, so a reader never sees half a cache.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
import json
import logging
import os
import struct
import threading
import zlib
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import optuna
import pyarrow as pa
from optuna.distributions import distribution_to_json
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial

from tuning.reading import records, rows
from tuning.storage import journal
from tuning.storage import replica as replica_module
from tuning.storage.journal import Damage, Finding, parsed_distribution
from tuning.storage.replica import JournalReplica, Position, StudyState, trial_from_record

log = logging.getLogger("tuning.reading.replica_cache")
MAGIC = b"SWEETSPOT-REPLICA-1\n"
SUFFIX = ".sweetspot-cache"
CHUNK = 16 * 2**20
#: Save again once this much of the journal was read since the last save (a 100,000-trial
#: run's journal is about 180 MB; a save of its rows takes a fraction of a second).
SAVE_EVERY_BYTES = 8 * 2**20


def cache_path(journal: str) -> Path:
    return Path(journal + SUFFIX)


@functools.cache
def fingerprint() -> str:
    """What a cache must have been written by: the lines read, the replay, the rows, and
    Optuna's version."""
    code: list[Any] = [journal, replica_module, rows, records]
    digest = hashlib.sha256(optuna.__version__.encode())
    for part in code:
        digest.update(inspect.getsource(part).encode())
    return digest.hexdigest()


def restore(replica: JournalReplica) -> bool:
    """Load the saved state into a fresh ``replica`` when it still describes its journal."""
    path = cache_path(replica.path)
    try:
        with open(path, "rb") as file:
            header, streams = _read(file.read())
        if header.get("fingerprint") != fingerprint() or not _describes(replica.path, header["position"]):
            log.info(
                "cache %s does not describe %s now: reading the journal from its start", path, replica.path
            )
            return False
        _load(replica, header, streams)
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        log.warning("cache %s is unreadable (%s): reading the journal from its start", path, error)
        replica.reset()
        return False
    return True


def _read(data: bytes) -> tuple[dict[str, Any], memoryview]:
    if not data.startswith(MAGIC):
        raise ValueError("not a replica cache")
    (length,) = struct.unpack_from("<Q", data, len(MAGIC))
    start = len(MAGIC) + 8
    return json.loads(data[start : start + length]), memoryview(data)[start + length :]


def _describes(journal: str, saved: dict[str, int]) -> bool:
    """True when ``journal`` is the file the cache read, unchanged up to where it stopped."""
    stat = os.stat(journal)
    if stat.st_ino != saved["inode"] or stat.st_size < saved["offset"]:
        return False
    crc, left = 0, saved["offset"]
    with open(journal, "rb") as file:
        while left and (chunk := file.read(min(CHUNK, left))):
            crc, left = zlib.crc32(chunk, crc), left - len(chunk)
    return left == 0 and crc == saved["crc"]


def _load(replica: JournalReplica, header: dict[str, Any], streams: memoryview) -> None:
    replica.position = Position(**header["position"])
    replica.next_study_id, replica.trials_made = header["next_study_id"], header["trials_made"]
    for damage, offset, length, preview, reason in header["findings"]:
        finding = Finding(Damage[damage], offset, length, preview.encode("latin-1"), reason)
        replica.findings[offset, finding.damage] = finding
    for saved in header["studies"]:
        start, length = saved["rows"]
        table = pa.ipc.open_stream(streams[start : start + length]).read_all()
        study = StudyState(
            saved["study_id"], saved["name"], [StudyDirection(d) for d in saved["directions"]],
            rows.FinishedRows.from_arrow(table), saved["user_attrs"], saved["system_attrs"],
            trials_made=saved["trials_made"],
            distributions={k: parsed_distribution(v) for k, v in saved["distributions"].items()},
        )  # fmt: skip
        for record in saved["live"]:
            trial = trial_from_record(record, record["trial_id"], record["number"])
            study.live[trial._trial_id] = trial
            replica.owners[trial._trial_id] = study.study_id
        replica.studies[study.study_id] = study


def save(replica: JournalReplica) -> None:
    """Write the replica's state beside its journal (``capture`` it with ``replica.lock`` held)."""
    write(replica.path, capture(replica))


def capture(replica: JournalReplica) -> tuple[dict[str, Any], list[Callable[[], pa.Table]]]:
    """The replica's state now, quickly (call with ``replica.lock`` held): the header, and
    each study's rows to encode later (finished rows never change)."""
    header: dict[str, Any] = {
        "fingerprint": fingerprint(),
        "position": dict(vars(replica.position)),
        "next_study_id": replica.next_study_id,
        "trials_made": replica.trials_made,
        "findings": [
            [f.damage.name, f.offset, f.length, f.preview.decode("latin-1"), f.reason]
            for f in replica.findings.values()
        ],
        "studies": [_study_header(study) for study in replica.studies.values()],
    }
    return header, [study.finished.kept() for study in replica.studies.values()]  # type: ignore[attr-defined]


def write(journal: str, state: tuple[dict[str, Any], list[Callable[[], pa.Table]]]) -> None:
    """Encode and write a ``capture``; a folder that cannot be written just means no cache
    (the next server reads the journal)."""
    header, tables = state
    streams = io.BytesIO()
    for study, table in zip(header["studies"], tables, strict=True):
        start, rows = streams.tell(), table()
        with pa.ipc.new_stream(streams, rows.schema) as writer:
            writer.write_table(rows)
        study["rows"] = (start, streams.tell() - start)
    encoded = json.dumps(header).encode()
    path = cache_path(journal)
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(MAGIC + struct.pack("<Q", len(encoded)) + encoded)
            file.write(streams.getbuffer())
        os.replace(temporary, path)
    except OSError as error:
        log.info("cannot save the replica cache %s: %s", path, error)
        temporary.unlink(missing_ok=True)


def _study_header(study: StudyState) -> dict[str, Any]:
    return {
        "study_id": study.study_id,
        "name": study.name,
        "directions": [d.value for d in study.directions],
        "user_attrs": study.user_attrs,
        "system_attrs": study.system_attrs,
        "trials_made": study.trials_made,
        "distributions": {k: distribution_to_json(v) for k, v in study.distributions.items()},
        "live": [trial_record(t) for t in study.live.values()],
    }


def trial_record(trial: FrozenTrial) -> dict[str, Any]:
    """An unfinished trial as a create-trial record (Optuna's template form) with its id and number."""

    def iso(moment: Any) -> str | None:
        return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else None

    return {
        "trial_id": trial._trial_id,
        "number": trial.number,
        "state": trial.state.value,
        "value": None,
        "values": trial.values,
        "datetime_start": iso(trial.datetime_start),
        **({"datetime_complete": iso(trial.datetime_complete)} if trial.datetime_complete else {}),
        "distributions": {k: distribution_to_json(d) for k, d in trial.distributions.items()},
        "params": {k: trial.distributions[k].to_internal_repr(v) for k, v in trial.params.items()},
        "user_attrs": trial.user_attrs,
        "system_attrs": trial.system_attrs,
        "intermediate_values": trial.intermediate_values,
    }
