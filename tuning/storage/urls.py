"""Storage URLs → Optuna storages, and where local files (storage, weights, logs) live.

The storage is the contract between workers and the dashboard: everything about a run is
in it. The embedded default is Optuna's journal file (several local writer processes, no
server); ``sqlite:///`` works for one writer; ``postgresql+psycopg2://`` (or
``postgresql+psycopg://``) is the path to several machines.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import optuna
from optuna.exceptions import StorageInternalError

from tuning.errors import StorageUnavailable
from tuning.storage.journal import SafeJournalStorage, open_journal

STORAGE_ENV = "TUNING_STORAGE"
DATA_DIR_ENV = "TUNING_DATA_DIR"
JOURNAL_SCHEME = "journal://"  # followed by an absolute path: journal:///data/runs.journal
RDB_SCHEMES = ("sqlite:", "postgresql:", "postgresql+", "mysql:", "mysql+")


def data_dir() -> Path:
    """Local folder for the embedded storage, saved weights and worker logs."""
    return Path(os.environ.get(DATA_DIR_ENV, "sweetspot-data")).resolve()


def default_storage_url() -> str:
    """``$TUNING_STORAGE`` if set, else a journal file in the data directory."""
    return os.environ.get(STORAGE_ENV) or f"{JOURNAL_SCHEME}{data_dir() / 'runs.journal'}"


def resolve_url(url: str | None) -> str:
    """The URL to use: the one given, else the default."""
    return url or default_storage_url()


def open_storage(url: str | None = None) -> optuna.storages.BaseStorage:
    """An Optuna storage for ``url`` (default: ``default_storage_url()``).

    One storage object per URL and process: a journal storage then replays only the log
    lines it has not seen yet, and an RDB storage keeps its connection pool.
    Raises StorageUnavailable with what to do when the URL is wrong or unreachable.
    """
    url = resolve_url(url)
    storage = _open(url)
    if isinstance(storage, SafeJournalStorage) and storage.replaced():
        _open.cache_clear()  # ``doctor --repair`` swapped the file: replay the new one
        storage = _open(url)
    return storage


@functools.lru_cache(maxsize=16)
def _open(url: str) -> optuna.storages.BaseStorage:
    if url.startswith(JOURNAL_SCHEME):
        path = Path(url[len(JOURNAL_SCHEME) :])
        if not path.is_absolute():
            raise StorageUnavailable(
                f"a journal URL needs an absolute path, like journal:///data/runs.journal; got {url!r}"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return open_journal(str(path))
        except StorageUnavailable:
            raise  # the journal's own message: it names the file and what to do
        except OSError as error:
            raise StorageUnavailable(
                f"cannot use the journal file {path}: {error.strerror}; "
                f"choose a writable place with --storage or ${STORAGE_ENV}"
            ) from None
    if url.startswith(RDB_SCHEMES):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=_engine_kwargs(url))
        except Exception as error:  # sqlalchemy raises many types; all mean "cannot use it"
            reason = (
                redact(str(error).strip().splitlines()[0]) if str(error).strip() else type(error).__name__
            )
            raise StorageUnavailable(
                f"cannot reach the storage {redact(url)}: {reason}. "
                "Check that the database server is running and the URL is right."
            ) from None
    raise StorageUnavailable(
        f"unsupported storage URL {redact(url)!r}; use journal:///path/to/runs.journal "
        "(embedded, the default), sqlite:///path/to/runs.db, or "
        "postgresql+psycopg2://user@host:port/database"
    )


def storage_damage(url: str | None = None) -> list[str]:
    """The damage a journal storage's reader stepped over in this process, one line each.

    Torn or malformed records are skipped so every run stays readable; this says they are
    there, for a page to point at ``python -m tuning doctor --repair``. Empty for a database.
    Read by the dashboard's replica of the file (``tuning.reading``), which every page reads
    anyway, rather than by a replay of the whole file.
    """
    url = resolve_url(url)
    if not url.startswith(JOURNAL_SCHEME):
        return []
    from tuning.reading.trials import journal_damage  # here: the dashboard's reader builds on this module

    return journal_damage(url)


def connection_error(error: BaseException) -> BaseException | None:
    """The connection error behind ``error``, or None if ``error`` is not about reaching the storage.

    Optuna's RDB storage wraps every SQLAlchemy error of a query in StorageInternalError
    (whose message blames invalid data), so a dropped connection shows up as that; the
    real cause is its ``__cause__``. A lost connection raises SQLAlchemy's connection
    errors, a journal file's I/O an OSError.
    """
    import sqlalchemy.exc  # here, not at the top: a worker on the journal never loads SQLAlchemy (0.2 s)

    if isinstance(error, StorageInternalError):
        error = error.__cause__  # type: ignore[assignment]
    connection_errors = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, OSError)
    return error if isinstance(error, connection_errors) else None


def _engine_kwargs(url: str) -> dict[str, object]:
    """Check pooled connections before use; on PostgreSQL, give up on a silent network
    within seconds (libpq's connect timeout and TCP keepalives) instead of hanging."""
    kwargs: dict[str, object] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        kwargs["connect_args"] = {
            "connect_timeout": 10,
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
    return kwargs


#: ``scheme://user:password@``, parsed as SQLAlchemy does: the password runs to the first ``@``;
#: found anywhere, so a driver's message that quotes the URL is redacted too.
_PASSWORD_IN_AUTHORITY = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^:/\s]*:)[^@\s]*@")
#: ``name=value`` pairs whose name looks secret, in a query string (``?``, ``&``, ``;``) or
#: a libpq keyword string (space separated): password, sslpassword, passwd, pwd, token, ...
_SECRET_PAIR = re.compile(
    r"(?P<head>(?:^|[?&;\s])[^=&;\s?#]*(?:pass|pwd|secret|token|key|auth|credential)[^=&;\s?#]*=)[^&;\s#]*",
    re.IGNORECASE,
)


def redact(url: str) -> str:
    """The URL without its secrets, for messages, logs and pages.

    Hides the password of ``user:password@host`` and the value of every secret-looking
    parameter (``?password=``, ``&sslpassword=``, ``;token=``, libpq's ``password=``);
    everything else, the user and the host included, stays so the URL can still be recognised.
    """
    url = _PASSWORD_IN_AUTHORITY.sub(lambda m: f"{m['head']}***@", url)
    return _SECRET_PAIR.sub(lambda m: f"{m['head']}***", url)
