"""Benchmark 8, the winner put to work: predicting rows with a model folder.

(a) ``python -m tuning predict FOLDER --csv rows.csv --out predictions.csv`` on 100,000
rows of a real-width table (30 columns: 20 numbers with gaps, 5 text categories, 5 yes/no;
a 5-member ensemble of 2 × 64 networks), as a whole process from start to exit, with its
peak memory (the child's maximum resident set); (b) what the Monitor's Predict panel does
on the server for a 10,000-row upload: read the CSV, load the model, check and predict the
rows, build the table shown and the CSV offered (Streamlit's own upload transfer aside).
The weights are untrained: predicting costs the same whatever their values.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np

from bench.common import PYTHON, ROOT, Context, Section, Table, Target, fmt_s, median

PROCESS_S, PEAK_MIB, PANEL_S = 5.0, 1024.0, 2.0
NUMBERS, CATEGORIES, FLAGS = 20, 5, 5

#: Runs a command and prints its peak resident memory in KiB (the largest child's) and its
#: CPU seconds (user + system), a figure a loaded machine inflates less than the wall time.
PEAK = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
    "use = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(use.ru_maxrss, use.ru_utime + use.ru_stime); sys.exit(done.returncode)"
)


def table_csv(rows: int, seed: int = 0, target: bool = False) -> str:
    """A real-width table: numbers (some empty), categories, yes/no, and with ``target`` the
    class to train on (new rows to predict come without it)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for i in range(NUMBERS):
        values = rng.normal(i, 1 + i / 10, rows)
        values[rng.random(rows) < 0.05] = np.nan
        columns[f"n{i}"] = values.round(4)
    for i in range(CATEGORIES):
        columns[f"c{i}"] = rng.choice([f"k{j}" for j in range(8 + 4 * i)], rows)
    for i in range(FLAGS):
        columns[f"f{i}"] = rng.choice(["yes", "no"], rows)
    if target:
        columns["label"] = rng.choice(["a", "b", "c"], rows)
    return pd.DataFrame(columns).to_csv(index=False)


def model_folder_for(folder: Path) -> Path:
    """A model folder of a 5-fold run on the table, with untrained 2 × 64 networks."""
    from tuning.data.csv_data import parse_csv
    from tuning.data.datasets import from_table
    from tuning.data.splits import make_split
    from tuning.definition.spec import RunSpec
    from tuning.training.members import make_members
    from tuning.training.model import build_mlp
    from tuning.training.winner_folder import Trained, model_folder
    from tuning.winner.folder import Source

    text = table_csv(2_000, seed=1, target=True)
    data = from_table(parse_csv(text.encode(), "label"), "label")
    spec = RunSpec.from_dict({
        "dataset": {"name": "csv", "target": "label", "filename": "bench.csv"}, "strategy": "random",
        "budget": {"n_trials": 1}, "space": {"hidden_size": 64, "n_layers": 2}, "cv_folds": 5,
        "task": "classification", "metric": "log_loss",
    })  # fmt: skip
    split = make_split(data.rows, 0.2, 0.2, 5, 0, data.target.astype(int))
    members = make_members(data, split, 1, 0, __import__("torch").device("cpu"))
    params = spec.fixed_values() | {"hidden_size": 64, "n_layers": 2}
    models = [build_mlp(m.train_x.shape[1], 64, 2, "relu", 0.0, 3).eval() for m in members]
    trained = Trained(
        spec, params, data, [m.encoder for m in members], [m.scaler for m in members], models,
        {"test_metrics": None, "baselines": None},
    )  # fmt: skip
    return model_folder("bench", 0, Source.SELECTED, trained).write(folder)


def predict_process(folder: Path, rows_csv: Path, out: Path) -> tuple[float, float, float]:
    """(wall seconds, peak MiB, CPU seconds) of one ``python -m tuning predict`` process."""
    argv = [
        PYTHON,
        "-c",
        PEAK,
        PYTHON,
        "-m",
        "tuning",
        "predict",
        str(folder),
        "--csv",
        str(rows_csv),
        "--out",
        str(out),
    ]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
    peak, cpu = done.stdout.strip().splitlines()[-1].split()
    return time.perf_counter() - started, int(peak) / 1024, float(cpu)


def panel_seconds(folder: Path, upload: bytes) -> float:
    """The server time of the Predict panel's answer to ``upload`` (its engine calls)."""
    from tuning import load_model, predictions_csv, read_rows, with_predictions

    started = time.perf_counter()
    model = load_model(folder)
    rows = read_rows(upload)
    prediction = model.predict_rows(rows)
    with_predictions(rows.head(20), prediction)  # the rows the panel shows
    predictions_csv(prediction.frame)  # the download it offers
    return time.perf_counter() - started


def run(ctx: Context) -> Section:
    rows, panel_rows, rounds = (2_000, 500, 1) if ctx.quick else (100_000, 10_000, 5)
    work = ctx.workdir / "predict"
    folder = model_folder_for(work / "model")
    rows_csv = work / "rows.csv"
    rows_csv.write_text(table_csv(rows))
    upload = table_csv(panel_rows, seed=2).encode()
    process = [predict_process(folder, rows_csv, work / "out.csv") for _ in range(rounds)]
    panel = [panel_seconds(folder, upload) for _ in range(rounds)]
    wall, peak, answer = median([p[0] for p in process]), max(p[1] for p in process), median(panel)
    cpu = median([p[2] for p in process])
    table = Table(
        "Predicting with a model folder (medians)",
        ("what", "rows", "wall", "CPU", "peak memory"),
        [
            (
                "`python -m tuning predict` (whole process)",
                f"{rows:,}",
                fmt_s(wall),
                fmt_s(cpu),
                f"{peak:.0f} MiB",
            ),
            ("Predict panel, server time", f"{panel_rows:,}", fmt_s(answer), "–", "–"),
        ],
    )
    return Section(
        "predict",
        "9. Predicting with the winner",
        " ".join((__doc__ or "").split("\n\n", 1)[1].split()),
        tables=[table],
        targets=[
            Target(
                f"predict {rows:,} rows, whole process <= {PROCESS_S:g} s", fmt_s(wall), wall <= PROCESS_S
            ),
            Target(f"predict's peak memory <= {PEAK_MIB:.0f} MiB", f"{peak:.0f} MiB", peak <= PEAK_MIB),
            Target(
                f"Predict panel, {panel_rows:,} rows <= {PANEL_S:g} s server time",
                fmt_s(answer),
                answer <= PANEL_S,
            ),
        ],
        raw={
            "rows": rows,
            "process_s": [p[0] for p in process],
            "peak_mib": [p[1] for p in process],
            "process_cpu_s": [p[2] for p in process],
            "panel_rows": panel_rows,
            "panel_s": panel,
        },  # fmt: skip
    )
