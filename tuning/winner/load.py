"""Find a model: a model folder, its zip, or a run's stored winner (refit or selected).

``load_model("runs/penguins-model")`` or ``load_model("penguins")`` both give a
``WinnerModel``; a run's refit model is used when it has one, since that is the model
people should score with (``which`` picks one). Runs stored before model folders hold a
pickle, which runs code when loaded: they are refused here with the command that converts
them, for someone who trusts the storage, into a folder without one.
"""

from __future__ import annotations

from pathlib import Path

from tuning.errors import FieldError, TuningError
from tuning.storage.artifacts import read_model, read_weights
from tuning.storage.refit import RefitState, read_refit
from tuning.storage.runs import Run, load_run
from tuning.winner.folder import ModelFolder, Source
from tuning.winner.model import WinnerModel


class PickledModel(TuningError):
    """The run was stored before model folders: its preprocessing is a pickle."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"run {name} was stored before model folders: its preprocessing is a pickled "
            "scikit-learn object, and loading a pickle runs whatever code it holds. If you trust "
            "this storage, convert it once into a folder without pickle: "
            f"python -m tuning model {name} --out {name}-model --trust-pickle"
        )
        self.name = name


def load_model(
    source: str | Path, storage_url: str | None = None, which: Source | str | None = None
) -> WinnerModel:
    """The model in folder (or zip) ``source``, else of the run named ``source``."""
    path = Path(source)
    if path.is_dir():
        return WinnerModel(ModelFolder.read(path))
    if path.is_file():
        return WinnerModel(ModelFolder.from_zip(path.read_bytes(), str(path)))
    return WinnerModel(run_model(load_run(str(source), storage_url), which))


def run_model(run: Run, which: Source | str | None = None) -> ModelFolder:
    """The run's model folder: ``which`` one, or the refit model when done, else the selected."""
    if not run.spec.family.tests_winner:
        raise FieldError(
            "model",
            f"run {run.name} tunes an Optuna objective: Sweetspot keeps no model of it to predict with",
        )
    source = Source(which) if which else default_source(run)
    archive = read_model(run, source.value)
    if archive is not None:
        return ModelFolder.from_zip(archive, f"run {run.name}'s {source.value} model")
    if source is Source.REFIT:
        raise FieldError(
            "model", f"run {run.name} has no refit model; refit it first (spec refit, or the Refit button)"
        )
    if read_weights(run) is not None:
        raise PickledModel(run.name)
    raise FieldError(
        "model", f"run {run.name} has no model yet; one is stored when the run ends with a complete trial"
    )


def default_source(run: Run) -> Source:
    refit = read_refit(run.attrs())
    return Source.REFIT if refit is not None and refit.state is RefitState.DONE else Source.SELECTED


def model_archive(run: Run, which: Source | str | None = None) -> bytes | None:
    """The stored zip of the run's model folder (as ``run_model`` picks it), for a download;
    None when the run has none."""
    source = Source(which) if which else default_source(run)
    return read_model(run, source.value)
