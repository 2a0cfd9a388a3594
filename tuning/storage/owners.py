"""Who started a run, stored so that nothing read from the storage lets anyone act as them.

A demo visitor's id is the value of their browser's cookie: whoever knows it may stop or
delete that visitor's runs. So the id never leaves the server: the storage keeps only
``owner_hash(id)``, an HMAC-SHA256 of it under a server secret. Summaries, exports, the
CLI's ``--json`` and the pages show at most that hash, and setting the cookie to the hash
does not help: the server hashes whatever cookie it gets before comparing.

The secret is ``$SWEETSPOT_OWNER_SECRET`` when set (required when several dashboard
servers share one storage: they must hash alike), else a random key created once in the
data folder (``owner.key``, mode 0600) and kept there. Changing or losing the secret
only makes existing runs' owners unrecognised: their visitors can no longer stop them
(the admin still can).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from tuning.errors import StorageUnavailable
from tuning.storage.urls import data_dir

OWNER_SECRET_ENV = "SWEETSPOT_OWNER_SECRET"
KEY_FILE = "owner.key"
KEY_BYTES = 32


def owner_hash(visitor_id: str) -> str:
    """The owner as stored: a keyed hash of ``visitor_id`` that cannot be turned back into it."""
    return hmac.new(_secret(), visitor_id.encode("utf-8"), hashlib.sha256).hexdigest()


def is_owner(stored: str | None, visitor_id: str | None) -> bool:
    """True when ``visitor_id`` hashes to the ``stored`` owner (compared in constant time)."""
    if not stored or not visitor_id:
        return False
    return hmac.compare_digest(stored, owner_hash(visitor_id))


def _secret() -> bytes:
    configured = os.environ.get(OWNER_SECRET_ENV, "")
    if configured:
        return configured.encode("utf-8")
    return _key_file_secret(data_dir() / KEY_FILE)


def _key_file_secret(path: Path) -> bytes:
    """The key kept in ``path``, created there (readable by this user only) on first use.

    Written to a temporary file and hard-linked into place, so two servers starting
    together agree on one key: the second link fails and that server reads the first's.
    """
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(KEY_BYTES))
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_text().strip()
    if len(key) < KEY_BYTES:
        raise StorageUnavailable(
            f"the owner key {path} is damaged (shorter than {KEY_BYTES} characters); delete it to make "
            f"a new one (visitors then lose control of their running searches) or set ${OWNER_SECRET_ENV}"
        )
    return key.encode("ascii")
