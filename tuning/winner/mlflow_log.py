"""``python -m tuning mlflow``: a run and its winner logged to an MLflow tracking server or store.

What MLflow gets: the winner's configuration as params, its validation curve as metric
steps, its test metrics and the baselines', the refit's facts, the model folder as
artifacts, and the same folder as an MLflow pyfunc model (``tuning.winner.mlflow_model``),
so ``mlflow.pyfunc.load_model(uri).predict(frame)`` predicts what ``load_model`` does.
MLflow is optional (``mlflow-skinny``): only this command imports it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from tuning.errors import FieldError, TuningError
from tuning.storage import record
from tuning.storage.runs import load_run
from tuning.winner.model import WinnerModel

INSTALL = "pip install mlflow-skinny==3.17.2"
PACKAGE = Path(__file__).resolve().parent.parent  # tuning/: the pyfunc's code


def log_run(
    model: WinnerModel, tracking_uri: str | None, experiment: str | None, curve: list[float] | None = None
) -> dict[str, str]:
    """Log ``model`` and the winning trial's validation ``curve`` (``winner_curve``; a model
    folder alone carries none); returns the MLflow run id and the logged model's URI."""
    try:
        import mlflow
    except ImportError:
        raise TuningError(f"MLflow is not installed; install it with: {INSTALL}") from None
    from mlflow.exceptions import MlflowException

    card = model.card
    try:
        if tracking_uri:
            mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_experiment(experiment or "sweetspot")
    except MlflowException as error:  # a scheme it has no store for, a server that refuses
        uri = tracking_uri or mlflow.get_tracking_uri()
        raise FieldError("tracking_uri", f"MLflow cannot use {uri!r}: {error.message}") from None
    with mlflow.start_run(run_name=card["run"]) as active, tempfile.TemporaryDirectory() as tmp:
        mlflow.log_params({**card["params"], "model": card["source"], "trial": card["trial"]})
        mlflow.set_tags({"sweetspot.run": card["run"], "sweetspot.task": card["task"]})
        for step, value in enumerate(curve or [], start=1):
            mlflow.log_metric(f"validation_{card['spec'].get('metric', 'loss')}", value, step=step)
        mlflow.log_metrics(_figures(card))
        folder = model.folder.write(Path(tmp) / "model")
        mlflow.log_artifacts(str(folder), artifact_path="model-folder")
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(Path(__file__).with_name("mlflow_model.py")),
            artifacts={"model": str(folder)},
            code_paths=[str(PACKAGE)],
            pip_requirements=["numpy", "pandas", "scipy", "safetensors"],
        )
    return {"run": card["run"], "mlflow_run": active.info.run_id, "model_uri": info.model_uri}


def winner_curve(run_name: str, trial: int | None, storage_url: str | None) -> list[float]:
    """The validation curve (one loss per epoch) of trial ``trial`` of the stored run."""
    trials = load_run(run_name, storage_url).study.get_trials(deepcopy=False)
    found = next((t for t in trials if t.number == trial), None)
    return list(found.user_attrs.get(record.CURVE.key, [])) if found else []


def _figures(card: dict[str, Any]) -> dict[str, float]:
    """Test metrics, the baselines' test metrics and the refit's facts, as MLflow metrics."""
    figures = {f"test_{name}": value for name, value in (card.get("test_metrics") or {}).items()}
    for kind, baseline in (card.get("baselines") or {}).items():
        figures.update({f"baseline_{kind}_test_{n}": v for n, v in baseline.get("test", {}).items()})
    figures.update({f"refit_{n}": v for n, v in (card.get("refit") or {}).items()})
    return {name: float(value) for name, value in figures.items() if value is not None}
