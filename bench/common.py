"""What every benchmark shares: timing on a noisy machine, and the report's building blocks.

The machines are shared, so one timing means little: every comparison runs its sides in
alternating rounds (A B, then B A: noise and drift hit both alike) and reports medians and
their ratio. Processes are timed for wall time and for CPU time (``wait4``): CPU time
barely moves when another process competes for the cores, so it tells noise from a real
difference.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """One measured run: seconds on the clock and seconds of CPU (user + system)."""

    wall_s: float
    cpu_s: float


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def run_process(argv: Sequence[str], timeout_s: float = 600) -> Timing:
    """Run a command from the repository root to its end; raises with its output if it fails.

    CPU time covers the process and the children it waited for, not detached ones.
    """
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), cwd=ROOT, stdout=output, stderr=output)
        watchdog = threading.Timer(timeout_s, process.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if process.returncode != 0:
            output.seek(0)
            tail = output.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}:\n{tail}")
    return Timing(wall, usage.ru_utime + usage.ru_stime)


def stop_processes(pids: Sequence[int]) -> None:
    """End worker processes this benchmark started (each leads its own session)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)


def alternate(cases: Mapping[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Run every case once per round, in order then in reverse, and collect the results."""
    results: dict[str, list[T]] = {name: [] for name in cases}
    for index in range(rounds):
        names = list(cases) if index % 2 == 0 else list(reversed(list(cases)))
        for name in names:
            results[name].append(cases[name]())
    return results


def fmt_s(seconds: float) -> str:
    """Seconds the way a table reads best: 8.12 s, 35.2 ms."""
    return f"{seconds:.2f} s" if abs(seconds) >= 1 else f"{seconds * 1000:.1f} ms"


def fmt_loss(value: float) -> str:
    return f"{value:,.4g}"


@dataclass(frozen=True)
class Table:
    """A markdown table with a short title above it."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]

    def markdown(self) -> str:
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("|" + "|".join(" --- " for _ in self.columns) + "|")
        lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    """One claim of the issue: what was promised, what was measured, and whether it holds.

    ``met`` is None when the measurement did not run (say, no PostgreSQL server); ``why``
    then says why, and for a missed target it says what limits it.
    """

    claim: str
    measured: str
    met: bool | None
    why: str = ""

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: "not judged"}[self.met]


@dataclass
class Section:
    """One benchmark's part of the report, plus its raw numbers for ``bench/results``."""

    key: str
    title: str
    what: str
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # paths relative to the report
    raw: dict[str, Any] = field(default_factory=dict)

    def markdown(self) -> str:
        parts = [f"## {self.title}", "", self.what]
        if self.targets:
            rows = [(t.claim, t.measured, t.verdict, t.why) for t in self.targets]
            parts += [
                "",
                Table("Targets", ("target", "measured", "verdict", "what limits it"), rows).markdown(),
            ]
        parts += ["", *(table.markdown() + "\n" for table in self.tables)]
        parts += [f"![{self.title}]({image})\n" for image in self.images]
        parts += [f"- {note}" for note in self.notes]
        return "\n".join(parts).rstrip() + "\n"


def machine() -> dict[str, str]:
    """What ran the benchmarks: enough to tell whether two reports are comparable."""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_kib = int(info.readline().split()[1])
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("torch", "optuna", "streamlit"))
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores, {memory_kib / 2**20:.0f} GiB",
        "system": f"{platform.platform()}, Python {platform.python_version()}",
        "packages": versions,
        "commit": commit or "unknown",
        "load": load_average(),
    }


def load_average() -> str:
    """The 1- and 5-minute load averages: above about 0.5 the machine was not quiet."""
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


@dataclass(frozen=True)
class Context:
    """Where a benchmark works and writes, and how big it runs.

    ``workdir`` is scratch space for storages; it is also ``$TUNING_DATA_DIR`` for this
    process and every worker it starts. Plots go to ``images``, linked relative to ``report_dir``.
    ``device`` is where the in-process training benchmarks train ("cpu" or "cuda").
    """

    quick: bool
    workdir: Path
    images: Path
    report_dir: Path
    pg_url: str | None
    device: str = "cpu"

    def journal_url(self, name: str) -> str:
        """A fresh journal file per run, so no run replays another's lines."""
        return f"journal://{self.workdir / f'{name}.journal'}"

    def image_link(self, path: Path) -> str:
        return os.path.relpath(path, self.report_dir)
