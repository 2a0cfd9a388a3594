"""The real app on a free port, and what its processes cost while it runs.

Shared by ``bench/demo_memory.py`` and the load test (``tests/load``): both start
``streamlit run app.py`` as a visitor's server would run, then read memory and CPU time of
the server and of the workers it or the benchmark started, straight from ``/proc`` (no
psutil in the requirements). Workers are detached (their own session), so they are found
by their command line, which names the storage and so this app's data folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import PYTHON, ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STARTUP_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    """True when the server's own health endpoint says ``ok``."""
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


@dataclass(frozen=True)
class App:
    """A running server: its URL, its process, its data folder and the storage it reads."""

    url: str
    process: subprocess.Popen[bytes]
    data: Path

    @property
    def storage(self) -> str:
        return f"journal://{self.data / 'runs.journal'}"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


@contextlib.contextmanager
def running_app(
    data: Path,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    port: int | None = None,
    script: Path = ROOT / "app.py",
) -> Iterator[App]:
    """``streamlit run app.py`` (or another ``script``) with ``TUNING_DATA_DIR=data`` plus
    ``env`` on ``port`` (a free one by default); stopped on exit.

    Workers started through the app or with this process's ``launch`` outlive the server;
    ``stop_workers`` ends them.
    """
    data.mkdir(parents=True, exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if k != "TUNING_STORAGE"}
    environ.update(TUNING_DATA_DIR=str(data), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **(env or {}))
    port = port or free_port()
    command = [
        PYTHON, "-m", "streamlit", "run", str(script), "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log = log or data.parent / "streamlit.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=environ, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.25)
        yield App(url, process, data)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(data: Path) -> list[int]:
    """Live ``python -m tuning worker`` processes whose storage lies in ``data``."""
    marker = str(data).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if b"tuning" in argv and b"worker" in argv and any(marker in arg for arg in argv):
                pids.append(int(entry.name))
    return pids


def stop_workers(data: Path) -> None:
    """Kill the workers of this app's storage (each leads its own process group)."""
    for pid in worker_pids(data):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


@dataclass(frozen=True)
class Usage:
    """One process at one moment: resident and proportional memory, and CPU seconds so far."""

    rss: int
    pss: int
    cpu_s: float


def usage(pid: int) -> Usage | None:
    """Memory from ``smaps_rollup`` (PSS splits shared pages, such as torch's libraries,
    among the processes that map them, so sums of PSS do not count them twice; RSS stands
    in where the kernel has no rollup), CPU time from ``stat``; None once the process is gone."""
    proc = Path(f"/proc/{pid}")
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        cpu_s = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        try:
            rollup = dict(line.split(":", 1) for line in (proc / "smaps_rollup").read_text().splitlines()[1:])
            rss, pss = (int(rollup[key].split()[0]) * 1024 for key in ("Rss", "Pss"))
        except (OSError, KeyError):
            status = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines())
            rss = pss = int(status["VmRSS"].split()[0]) * 1024
    except (OSError, IndexError, KeyError, ValueError):
        return None
    return Usage(rss, pss, cpu_s)


@dataclass(frozen=True)
class Sample:
    """Every watched group at one moment: group name → its processes' summed usage."""

    at: float
    groups: dict[str, Usage]
    counts: dict[str, int]

    def total(self, kind: str) -> int:
        return sum(getattr(u, kind) for u in self.groups.values())


@dataclass
class Sampler:
    """Samples groups of processes every ``interval_s`` from a thread, until stopped.

    ``groups`` maps a name to a function that lists that group's PIDs at the moment (so
    workers that start later are counted from their start).
    """

    groups: Mapping[str, Callable[[], list[int]]]
    interval_s: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.sample())
            self._stop.wait(self.interval_s)

    def sample(self) -> Sample:
        groups, counts = {}, {}
        for name, pids in self.groups.items():
            found = [u for u in map(usage, pids()) if u is not None]
            groups[name] = Usage(
                sum(u.rss for u in found), sum(u.pss for u in found), sum(u.cpu_s for u in found)
            )
            counts[name] = len(found)
        return Sample(time.monotonic(), groups, counts)

    def peak(self, kind: str = "pss", group: str | None = None) -> int:
        """The largest sum of ``kind`` over all groups (or one group) in any sample."""
        values = [getattr(s.groups[group], kind) if group else s.total(kind) for s in self.samples]
        return max(values, default=0)

    def cpu_percent(self, group: str) -> list[float]:
        """CPU use of a group between consecutive samples, in % of one core.

        A group whose processes changed between two samples (a worker came or went) has no
        figure for that step: its CPU-seconds sum jumps."""
        percents = []
        for before, after in zip(self.samples, self.samples[1:], strict=False):
            if before.counts[group] != after.counts[group] or after.at <= before.at:
                continue
            spent = after.groups[group].cpu_s - before.groups[group].cpu_s
            percents.append(100 * spent / (after.at - before.at))
        return percents


def mib(size: float) -> str:
    return f"{size / 2**20:,.0f} MiB"
