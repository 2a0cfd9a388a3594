"""Sweetspot's engine: hyperparameter searches stored in Optuna and run by worker processes.

This is the API the dashboard and the CLI use. It never imports streamlit, and nothing
here imports torch: only worker processes (``tuning.training.worker``) train.

- ``RunSpec.from_dict`` validates a run; ``preset_spec`` gives a built-in one.
- ``launch`` stores a run and starts its workers; ``create_run`` only stores it.
- ``load_run``, ``list_run_names``, ``summarize``, ``run_summaries``, ``trial_rows`` read
  runs.
- ``request_stop`` asks every worker of a run to stop; ``delete_run`` removes it;
  ``export_run`` gives the whole run as one JSON document.
- Demo mode (``SWEETSPOT_DEMO=1``): ``DemoLimits.from_env`` gives the caps, ``launch``
  enforces them, ``check_control`` says whether a visitor may stop or delete a run.
"""

from tuning.data.csv_data import CsvLimits, parse_csv, read_csv_frame
from tuning.definition.presets import PRESET_HELP, PRESETS, preset_spec
from tuning.definition.spec import Budget, DatasetSpec, Pruner, RunSpec, Strategy
from tuning.definition.strategies import PRUNER_HELP, STRATEGY_HELP
from tuning.demo import DemoLimits, NotAllowed, check_control, csv_limits, is_admin
from tuning.errors import FieldError, RunExists, RunNotFound, SpecError, StorageUnavailable, TuningError
from tuning.launcher import launch, spawn_workers, worker_command
from tuning.storage.artifacts import read_weights
from tuning.storage.runs import Run, create_run, delete_run, list_run_names, load_run, request_stop
from tuning.storage.urls import default_storage_url, open_storage, storage_damage
from tuning.views.export import export_run
from tuning.views.summary import RunSummary, learning_curve, run_summaries, summarize, trial_rows

__all__ = [
    "PRESETS", "PRESET_HELP", "PRUNER_HELP", "STRATEGY_HELP", "Budget", "CsvLimits", "DatasetSpec",
    "DemoLimits", "FieldError", "NotAllowed", "check_control", "csv_limits", "is_admin", "learning_curve",
    "Pruner", "Run", "RunExists", "RunNotFound", "RunSpec", "RunSummary", "SpecError",
    "StorageUnavailable", "Strategy", "TuningError", "create_run", "default_storage_url",
    "delete_run", "export_run", "launch", "list_run_names", "load_run", "open_storage", "parse_csv",
    "preset_spec", "read_csv_frame", "read_weights", "request_stop", "run_summaries",
    "spawn_workers", "storage_damage", "summarize", "trial_rows", "worker_command",
]  # fmt: skip
