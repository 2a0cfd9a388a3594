"""Benchmark 5 (c), populations: trials per second against K, and where batching stops paying.

K configurations trained as one population (``train_population``) against the same
configurations trained one at a time, both as populations of one (``population.train``,
the engine's path for K = 1) and by the plain PyTorch loop the engine used before
populations (``nn.Sequential`` and ``torch.optim``, kept as the tests' oracle), inside one
warm process with one torch thread (as workers train). Two model sizes bracket the engine's
range: the article's model (2 inputs, width 8-32, 1 layer, batches of 1-2 rows, 3-fold
validation on its four houses, 50 epochs), where a step is almost all per-operation
overhead, and width-256 two-layer models on 10,000 synthetic houses (batches of 64),
where the matrix products dominate. ``--device cuda`` runs the same on a GPU.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from bench.common import Context, Section, Table, alternate, fmt_s, median
from tests.training.alone import train_alone
from tuning.data.dataset_spec import DatasetSpec
from tuning.data.datasets import load_dataset
from tuning.data.splits import make_split
from tuning.training.members import make_members
from tuning.training.population import Candidate, train, train_population

#: Batching "stops paying" where doubling K gains less than this in trials per second.
STOPS_PAYING = 1.10


@dataclass(frozen=True)
class Workload:
    """One model family to measure: its data, split and configurations, and the Ks to try."""

    label: str
    dataset: dict[str, Any]
    split: tuple[float, float, int]  # validation fraction, test fraction, folds
    configs: Callable[[int], list[dict[str, Any]]]
    ks: tuple[int, ...]
    alone: int  # how many configurations each one-at-a-time side trains per round


def article_configs(epochs: int) -> Callable[[int], list[dict[str, Any]]]:
    """The article grid's configurations, cycled to K."""
    grid = list(itertools.product([8, 16, 32], [0.01, 0.001], [0.1, 0.2], [1, 2]))

    def configs(k: int) -> list[dict[str, Any]]:
        return [
            {"n_layers": 1, "hidden_size": h, "activation": "relu", "dropout": p, "optimizer": "adam",
             "lr": lr, "weight_decay": 0.0, "batch_size": b, "epochs": epochs}
            for h, lr, p, b in itertools.islice(itertools.cycle(grid), k)
        ]  # fmt: skip

    return configs


def wide_configs(epochs: int, width: int) -> Callable[[int], list[dict[str, Any]]]:
    """Width-``width`` two-layer models, learning rates spread over a decade."""

    def configs(k: int) -> list[dict[str, Any]]:
        return [
            {"n_layers": 2, "hidden_size": width, "activation": "relu", "dropout": 0.1, "optimizer": "adamw",
             "lr": 1e-3 * 10 ** (i / max(1, k)), "weight_decay": 1e-4, "batch_size": 64, "epochs": epochs}
            for i in range(k)
        ]  # fmt: skip

    return configs


def workloads(quick: bool) -> list[Workload]:
    if quick:
        return [
            Workload("article model", {"name": "article"}, (0.2, 0.25, 3), article_configs(3), (1, 2, 4), 2),
            Workload("width-32 models, 300 rows", {"name": "synthetic-houses", "rows": 300, "seed": 0},
                     (0.2, 0.2, 0), wide_configs(1, 32), (1, 2), 1),
        ]  # fmt: skip
    return [
        Workload("article model", {"name": "article"}, (0.2, 0.25, 3), article_configs(50),
                 (1, 2, 4, 8, 16, 24, 48, 96), 8),
        Workload("width-256 models, 10,000 rows", {"name": "synthetic-houses", "rows": 10_000, "seed": 0},
                 (0.2, 0.2, 0), wide_configs(1, 256), (1, 2, 4, 8, 16, 32), 2),
    ]  # fmt: skip


def run(ctx: Context) -> Section:
    device = torch.device(ctx.device)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        measured = {w.label: measure(w, device, 1 if ctx.quick else 3) for w in workloads(ctx.quick)}
    finally:
        torch.set_num_threads(threads)
    return report(measured, device)


@dataclass(frozen=True)
class Row:
    """Medians for one K: seconds per population (wall and CPU), trials per second, and the
    one-at-a-time sides' trials per second (the plain loop's, and populations of one).

    On a CPU the rates count CPU seconds: one thread's CPU time barely moves when other
    processes share the cores, where wall time on a shared machine can double. On a GPU
    they count wall seconds (the work is the device's, not the process's).
    """

    k: int
    seconds: float
    cpu_seconds: float
    trials_per_s: float
    plain_per_s: float
    single_per_s: float

    @property
    def speedup(self) -> float:
        """Against the plain loop, one model at a time."""
        return self.trials_per_s / self.plain_per_s


def measure(workload: Workload, device: torch.device, rounds: int) -> list[Row]:
    data = load_dataset(DatasetSpec(**workload.dataset))
    val, test, folds = workload.split
    members = make_members(data, make_split(data.rows, val, test, folds, seed=0), 1, 0, device)
    alone = workload.configs(workload.alone)
    train(alone[0], members), train_alone(alone[0], members)  # warm-up: allocations, kernels
    cases: dict[str, Callable[[], tuple[float, float]]] = {
        "plain": lambda: _timed(lambda: [train_alone(c, members) for c in alone], device),
        "single": lambda: _timed(lambda: [train(c, members) for c in alone], device),
    }
    for k in workload.ks:
        candidates = [Candidate(c, members) for c in workload.configs(k)]
        cases[f"K={k}"] = lambda candidates=candidates: _timed(lambda: train_population(candidates), device)
    results = alternate(cases, rounds)
    clock = 1 if device.type == "cpu" else 0  # see Row

    def seconds(side: str) -> float:
        return median([timing[clock] for timing in results[side]])

    plain, single = (workload.alone / seconds(side) for side in ("plain", "single"))
    return [
        Row(k, median([w for w, _ in results[f"K={k}"]]), median([c for _, c in results[f"K={k}"]]),
            k / seconds(f"K={k}"), plain, single)
        for k in workload.ks
    ]  # fmt: skip


def _timed(work: Callable[[], object], device: torch.device) -> tuple[float, float]:
    """Wall and CPU seconds of ``work``, waiting for the device to finish."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - wall, time.process_time() - cpu


def stops_paying(rows: Sequence[Row]) -> int | None:
    """The first K at which trials per second grew by less than STOPS_PAYING over the K before."""
    for before, after in itertools.pairwise(rows):
        if after.trials_per_s < before.trials_per_s * STOPS_PAYING:
            return after.k
    return None


def report(measured: dict[str, list[Row]], device: torch.device) -> Section:
    tables, notes, raw = [], [], {}
    for label, rows in measured.items():
        title = (
            f"{label} on {device.type}: one at a time, {rows[0].plain_per_s:.2f} trials per "
            f"{'CPU ' if device.type == 'cpu' else ''}second by the plain loop, {rows[0].single_per_s:.2f} "
            "as populations of one"
        )
        columns = ("K", "population", "CPU", "trials/s", "× plain loop", "× populations of one")
        cells = [
            (r.k, fmt_s(r.seconds), fmt_s(r.cpu_seconds), f"{r.trials_per_s:.2f}", f"{r.speedup:.2f}×",
             f"{r.trials_per_s / r.single_per_s:.2f}×")
            for r in rows
        ]  # fmt: skip
        tables.append(Table(title, columns, cells))
        limit = stops_paying(rows)
        best = max(rows, key=lambda r: r.trials_per_s)
        notes.append(
            f"{label}: best {best.trials_per_s:.2f} trials/s at K = {best.k} ({best.speedup:.1f}× the plain "
            f"loop); a population of one runs {rows[0].single_per_s / rows[0].plain_per_s:.2f}× the plain "
            "loop's speed; "
            + (f"doubling K stops paying (< {STOPS_PAYING:.2f}×) at K = {limit}." if limit
               else "still paying at the largest K measured.")
        )  # fmt: skip
        raw[label] = [r.__dict__ | {"speedup": r.speedup} for r in rows]
    return Section(
        key="population",
        title="5. Populations: trials per second against K",
        what=__doc__.split("\n\n", 1)[1].replace("\n", " ").strip(),
        tables=tables,
        notes=notes,
        raw={"device": str(device), "rows": raw},
    )
