"""Storage URLs → Optuna storages, and where local files (storage, weights, logs) live.

The storage is the contract between workers and the dashboard: everything about a run is
in it. The embedded default is Optuna's journal file (several local writer processes, no
server); ``sqlite:///`` works for one writer; PostgreSQL is the path to several machines:
``postgresql://`` and ``postgres://`` as people paste them, given the installed driver
(``postgresql+psycopg2://``), or a driver named in the URL.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from pathlib import Path
from urllib.parse import unquote_plus

import optuna
from optuna.exceptions import StorageInternalError

from tuning.errors import StorageUnavailable
from tuning.storage.journal import SafeJournalStorage, open_journal

STORAGE_ENV = "TUNING_STORAGE"
DATA_DIR_ENV = "TUNING_DATA_DIR"
JOURNAL_SCHEME = "journal://"  # followed by an absolute path: journal:///data/runs.journal
RDB_SCHEMES = ("sqlite:", "postgresql:", "postgresql+", "mysql:", "mysql+")
#: PostgreSQL drivers (their module names, as SQLAlchemy names them too), the preferred first:
#: psycopg2 is the one requirements.txt pins; pip installs each under another name.
POSTGRES_DRIVERS = {"psycopg2": "psycopg2-binary", "psycopg": "psycopg[binary]"}


def data_dir() -> Path:
    """Local folder for the embedded storage, saved weights and worker logs."""
    return Path(os.environ.get(DATA_DIR_ENV, "sweetspot-data")).resolve()


def default_storage_url() -> str:
    """``$TUNING_STORAGE`` if set, else a journal file in the data directory."""
    return os.environ.get(STORAGE_ENV) or f"{JOURNAL_SCHEME}{data_dir() / 'runs.journal'}"


def resolve_url(url: str | None) -> str:
    """The URL to use: the one given, else the default, with an installed PostgreSQL driver."""
    return with_driver(url or default_storage_url())


def with_driver(url: str) -> str:
    """``postgresql://`` and ``postgres://`` (as cloud consoles print it) naming a driver
    that is installed: SQLAlchemy 2.1 maps the bare scheme to psycopg 3 and knows no
    ``postgres`` at all, while Sweetspot installs psycopg2. Other URLs are returned as they are."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in ("postgresql", "postgres"):
        return url
    driver = next((d for d in POSTGRES_DRIVERS if importlib.util.find_spec(d)), next(iter(POSTGRES_DRIVERS)))
    return f"postgresql+{driver}://{rest}"


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
        except ImportError as error:  # Optuna's "Failed to import DB access module": a driver is missing
            raise StorageUnavailable(_missing_driver(url, error)) from None
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
        "postgresql://user@host:port/database"
    )


def _missing_driver(url: str, error: ImportError) -> str:
    """What to do when the URL's database driver is not installed (the server is not to blame)."""
    cause = error.__cause__ if isinstance(error.__cause__, ImportError) else error
    module = (cause.name or "").split(".")[0] or "its database driver"
    return (
        f"the storage URL {redact(url)} needs the Python package {module!r}, which is not installed "
        f"({cause}); install it (pip install {POSTGRES_DRIVERS.get(module, module)}), or for PostgreSQL "
        "use postgresql://user@host:port/database, whose driver comes with Sweetspot"
    )


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


#: A whole URL, split as SQLAlchemy's parser splits it (``_parse_url`` in
#: ``sqlalchemy/engine/url.py``, 2.1): the password runs from the user's ":" to the first
#: "@" and may hold anything else (spaces, "?", "/", "#"); the query is what follows the
#: next "?", its pairs split on "&" only, and each name percent-decoded before the driver
#: sees it (``?%70assword=`` is a password).
_URL_PASSWORD = re.compile(r"(?P<head>[\w+]+://[^:/]*:)[^@]*@")
_ONE_URL = re.compile(r"[A-Za-z][\w+.-]*://[^\n]*\Z")
#: In a message that quotes a URL or a libpq keyword string: ``scheme://user:password@``
#: (to the first "@", no spaces), and ``name=value`` pairs after "?", "&", ";" or a space
#: (a libpq value may be quoted: ``password='a b'``).
_PASSWORD_IN_AUTHORITY = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^:/\s]*:)[^@\s]*@")
_PAIR = re.compile(r"(?P<head>(?:^|[?&;\s])(?P<name>[^=&;\s?#']+)=)(?:'(?:[^'\\]|\\.)*'|[^&;\s#']*)")
#: What a secret's name looks like: password, sslpassword, passwd, pwd, token, api_key, ...
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)


def redact(text: str) -> str:
    """A storage URL, or a message quoting one, without its secrets, for messages, logs and pages.

    Hides the password of ``user:password@host`` and the value of every parameter whose
    name looks secret (``?password=``, ``&sslpassword=``, ``;token=``, libpq's
    ``password=``), percent-encoded names included; everything else, the user and the host
    included, stays so the URL can still be recognised.
    """
    if _ONE_URL.match(text):
        return _redact_url(text)
    text = _PASSWORD_IN_AUTHORITY.sub(lambda m: f"{m['head']}***@", text)
    return _PAIR.sub(lambda m: f"{m['head']}***" if _is_secret_name(m["name"]) else m[0], text)


def _redact_url(url: str) -> str:
    """One URL without its secrets, read where SQLAlchemy reads them."""
    password = _URL_PASSWORD.match(url)
    head, rest = (f"{password['head']}***@", url[password.end() :]) if password else ("", url)
    path, mark, query = rest.partition("?")
    pairs = [f"{pair.partition('=')[0]}=***" if _secret_pair(pair) else pair for pair in query.split("&")]
    return head + path + mark + "&".join(pairs) if mark else head + path


def _secret_pair(pair: str) -> bool:
    name, equals, _ = pair.partition("=")
    return bool(equals) and _is_secret_name(name)


def _is_secret_name(name: str) -> bool:
    """True for a parameter name that looks secret once decoded as a URL's query is
    (SQLAlchemy decodes once; a name encoded more often is hidden too)."""
    for _ in range(3):
        name = unquote_plus(name)
    return bool(_SECRET_NAME.search(name))
