"""Fixtures for the tests that need a PostgreSQL server, as several machines would share.

``bash scripts/test.sh`` starts a throwaway server and sets TUNING_TEST_PG_URL (a server
URL without a database, or with one to copy as a template) and TUNING_TEST_PG_BIN (its
binaries, so outage tests can stop and start it). Without them these tests are skipped,
so the rest of the suite still runs on a machine without the server; CI always sets them.
"""

from __future__ import annotations

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

URL_ENV = "TUNING_TEST_PG_URL"
BIN_ENV = "TUNING_TEST_PG_BIN"
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
    name = f"sweetspot_test_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{pg_server_url.database}"' if pg_server_url.database else ""
    admin = _admin(pg_server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"{template}')
    yield pg_server_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:  # FORCE: this process's storage still holds connections
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class PostgresServer:
    """Stops and starts the test server, as an outage and a recovery would."""

    bin_dir: Path
    data_dir: Path

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


@pytest.fixture
def pg_server(pg_server_url: URL, pg_url: str) -> Iterator[PostgresServer]:
    """The server behind ``pg_url``, to stop and start; it is running again after the test."""
    bin_dir = os.environ.get(BIN_ENV)
    if not bin_dir:
        pytest.skip(f"{BIN_ENV} is not set, so the server cannot be restarted: {HOW}")
    with _admin(pg_server_url).connect() as connection:
        data_dir = connection.exec_driver_sql("SHOW data_directory").scalar_one()
    server = PostgresServer(Path(bin_dir), Path(data_dir))
    yield server
    if not server.running():
        server.start()
