"""``python -m tuning predict | model | mlflow``: the winner put to work from a shell.

Each command names a run (its refit model when it has one, else the selected; ``--model``
picks) or a model folder. Runs stored before model folders load only with
``--trust-pickle``, which converts their pickled preprocessing in this process
(``tuning.training.legacy``, which imports torch) and says why it needs trusting.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tuning.storage.runs import load_run
from tuning.winner.folder import ModelFolder, Source
from tuning.winner.load import PickledModel, load_model
from tuning.winner.model import WinnerModel
from tuning.winner.output import prediction_lines, predictions_csv
from tuning.winner.rows import read_rows

STORAGE_HELP = "Optuna storage URL (default: $TUNING_STORAGE or the embedded journal file)"
TRUST_HELP = (
    "load a run stored before model folders: its preprocessing is a pickle, which runs code when "
    "loaded; only for a storage you trust"
)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The predict, model and mlflow commands, with their shared options."""
    cmd = commands.add_parser("predict", help="predict the rows of a CSV with a run's winner")
    _source(cmd)
    cmd.add_argument("--csv", type=Path, required=True, help="the rows, with the training columns")
    cmd.add_argument(
        "--out",
        type=Path,
        help="write the predictions here, one row per row of --csv (default: standard output)",
    )

    cmd = commands.add_parser("model", help="write a run's winner as a model folder (no pickle)")
    _source(cmd)
    cmd.add_argument("--out", type=Path, required=True, help="the folder to write")

    cmd = commands.add_parser("mlflow", help="log a run and its winner to MLflow")
    _source(cmd)
    cmd.add_argument(
        "--tracking-uri", help="MLflow tracking URI (default: MLflow's, e.g. $MLFLOW_TRACKING_URI)"
    )
    cmd.add_argument("--experiment", help="MLflow experiment name (default: sweetspot)")


def _source(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("source", metavar="RUN", help="a run's name, or a model folder (or its zip)")
    cmd.add_argument("--model", choices=[s.value for s in Source], help="default: refit when there is one")
    cmd.add_argument("--storage", help=STORAGE_HELP)
    cmd.add_argument("--trust-pickle", action="store_true", help=TRUST_HELP)


def loaded(args: argparse.Namespace) -> WinnerModel:
    """The model the arguments name; an older run's only with ``--trust-pickle``."""
    try:
        return load_model(args.source, args.storage, args.model)
    except PickledModel:
        if not args.trust_pickle:
            raise
    from tuning.training.legacy import convert  # torch: only this conversion pays for it

    print(f"--trust-pickle: unpickling the preprocessing stored with run {args.source}", file=sys.stderr)
    return WinnerModel(convert(load_run(args.source, args.storage)))


def predict(args: argparse.Namespace) -> int:
    model = loaded(args)
    rows = read_rows(args.csv.read_bytes())
    prediction = model.predict_rows(rows)
    text = predictions_csv(prediction.frame)  # row i of the predictions is row i of the CSV
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
    for line in prediction_lines(prediction, model.card.get("test_metrics")):
        print(line, file=sys.stderr)
    return 0


def model(args: argparse.Namespace) -> int:
    folder: ModelFolder = loaded(args).folder
    folder.write(args.out)
    card = folder.card
    print(f"wrote the {card['source']} model of run {card['run']} to {args.out}: {sorted(folder.files)}")
    return 0


def mlflow(args: argparse.Namespace) -> int:
    from tuning.winner.mlflow_log import log_run, winner_curve

    winner = loaded(args)
    from_run = not Path(args.source).exists()
    curve = winner_curve(args.source, winner.card["trial"], args.storage) if from_run else None
    logged = log_run(winner, args.tracking_uri, args.experiment, curve)
    print(f"logged run {logged['run']} to MLflow run {logged['mlflow_run']}; model: {logged['model_uri']}")
    return 0


COMMANDS: dict[str, Any] = {"predict": predict, "model": model, "mlflow": mlflow}
