"""``python -m bench.worker_memory``: one worker's peak memory against the Launch page's forecast.

Each configuration runs in a fresh process: it stores a one-trial run of a numeric CSV
(5,000 rows × 50 columns by default), works it to the end with one in-process worker
(the population trainer, then the winner's test) and reports the process's peak RSS
beside ``forecast(...).worker_bytes``. The table it prints is the calibration table of
docs/deploy.md; ``WORKER_BASE_BYTES`` and ``ACTIVATION_FLOATS`` in
``tuning/views/estimate.py`` were fitted to it.

Usage: ``python -m bench.worker_memory [--rows 5000] [--columns 50]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile

import numpy as np

from bench.common import ROOT

#: (hidden size, batch size): 4 layers, 5 folds, Adam, 2 epochs each.
CONFIGS = [(256, 64), (256, 4096), (256, 65536), (1024, 65536)]


def measure(hidden: int, batch: int, rows: int, columns: int) -> dict[str, int]:
    """Peak RSS (MiB) of this process working one run of ``hidden`` × 4 layers at ``batch``."""
    from tuning.definition.spec import RunSpec
    from tuning.storage.runs import create_run
    from tuning.training.worker import Worker, WorkerOptions
    from tuning.views.estimate import forecast

    values = np.random.default_rng(0).integers(0, 1000, size=(rows, columns))
    names = [f"x{i}" for i in range(columns - 1)] + ["target"]
    csv = ",".join(names) + "\n" + "\n".join(",".join(map(str, row)) for row in values) + "\n"
    space = {"hidden_size": hidden, "n_layers": 4, "batch_size": batch, "epochs": 2, "optimizer": "adam"}
    raw = {"dataset": {"name": "csv", "target": "target"}, "strategy": "random", "budget": 1, "cv_folds": 5}
    spec = RunSpec.from_dict({**raw, "space": space})
    url = f"journal://{tempfile.mkdtemp()}/runs.journal"
    create_run(spec, "memory", url, csv)
    Worker("memory", url, WorkerOptions()).work()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux
    return {"peak_mib": peak, "forecast_mib": forecast(spec, (rows, columns)).worker_bytes // 2**20}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.worker_memory", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)  # a child: one configuration
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(*args.one, args.rows, args.columns)))
        return 0
    print("| width | batch size | measured peak | forecast |\n| ---: | ---: | ---: | ---: |")
    for hidden, batch in CONFIGS:
        child = [sys.executable, "-m", "bench.worker_memory", "--one", str(hidden), str(batch)]
        child += ["--rows", str(args.rows), "--columns", str(args.columns)]
        done = subprocess.run(child, cwd=ROOT, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {hidden:,} | {batch:,} | {result['peak_mib']:,} MiB | {result['forecast_mib']:,} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
