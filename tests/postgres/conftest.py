"""Fixtures for the tests that need a PostgreSQL server, as several machines would share.

``bash scripts/test.sh`` starts a throwaway server and sets TUNING_TEST_PG_URL (a server
URL without a database, or with one to copy as a template) and TUNING_TEST_PG_BIN (its
binaries, so outage tests can stop and start it). Without them these tests are skipped,
so the rest of the suite still runs on a machine without the server; CI always sets them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from bench.live_app import free_port

URL_ENV = "TUNING_TEST_PG_URL"
BIN_ENV = "TUNING_TEST_PG_BIN"
ROOT = Path(__file__).resolve().parents[2]
HOW = "run the suite with `bash scripts/test.sh`, which starts a throwaway PostgreSQL server"


@pytest.fixture(scope="session")
def pg_server_url() -> URL:
    raw = os.environ.get(URL_ENV)
    if not raw:
        pytest.skip(f"{URL_ENV} is not set: {HOW}")
    return make_url(raw)


def _admin(server: URL) -> sqlalchemy.Engine:
    """Autocommit connections to the maintenance database (CREATE/DROP DATABASE need them)."""
    return sqlalchemy.create_engine(
        server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )


@pytest.fixture
def pg_url(pg_server_url: URL) -> Iterator[str]:
    """A storage URL of a fresh database of this test's own, dropped afterwards."""
    with _database(pg_server_url) as url:
        yield url


@contextlib.contextmanager
def _database(server: URL) -> Iterator[str]:
    name = f"sweetspot_test_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{server.database}"' if server.database else ""
    admin = _admin(server)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"{template}')
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:  # FORCE: this process's storage still holds connections
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class PostgresServer:
    """A server to stop and start, as an outage and a recovery would, and ``url``, a fresh
    database on it."""

    bin_dir: Path
    data_dir: Path
    url: str

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        # The log file matters: without one the server would inherit (and hold) our pipe.
        self._pg_ctl("-l", str(self.data_dir / "restart.log"), "start")

    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def _pg_ctl(self, *args: str) -> None:
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "60", *args]
        owner = pwd.getpwuid(self.data_dir.stat().st_uid).pw_name
        if os.geteuid() == 0 and owner != "root":  # the server refuses to run as root
            command = ["runuser", "-u", owner, "--", *command]
        subprocess.run(command, cwd="/", check=True, capture_output=True, timeout=90)


@pytest.fixture(scope="module")
def own_server_url(pg_server_url: URL) -> Iterator[URL]:
    """A server of the module's own (scripts/postgres.sh on a free port) for the tests that
    stop theirs: stopping the shared one refused the connections of the tests running beside
    them (scripts/test.sh runs the suite in two processes)."""
    if not os.environ.get(BIN_ENV):
        pytest.skip(f"{BIN_ENV} is not set, so no server can be started: {HOW}")
    env = {**os.environ, "PGPORT": str(free_port())}
    script = [str(ROOT / "scripts" / "postgres.sh")]
    started = subprocess.run(["bash", *script, "start"], env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    values = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
    try:
        yield make_url(values[URL_ENV])
    finally:
        subprocess.run(["bash", *script, "stop"], env=env, capture_output=True, timeout=120)


@pytest.fixture
def pg_server(own_server_url: URL) -> Iterator[PostgresServer]:
    """A server of the module's own with a fresh database on it, running again after the test."""
    with _admin(own_server_url).connect() as connection:
        data_dir = connection.exec_driver_sql("SHOW data_directory").scalar_one()
    with _database(own_server_url) as url:
        server = PostgresServer(Path(os.environ[BIN_ENV]), Path(data_dir), url)
        yield server
        if not server.running():
            server.start()
