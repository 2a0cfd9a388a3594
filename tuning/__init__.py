"""Sweetspot's engine: hyperparameter searches stored in Optuna and run by worker processes.

This is the API the dashboard and the CLI use. It never imports streamlit, and nothing
here imports torch: only worker processes (``tuning.training.worker``) train.

- ``RunSpec.from_dict`` validates a run; ``preset_spec`` gives a built-in one.
- ``launch`` stores a run and starts its workers; ``create_run`` only stores it.
- ``load_run``, ``list_run_names``, ``summarize``, ``run_summaries``, ``trial_rows`` read
  runs.
- ``request_stop`` asks every worker of a run to stop; ``delete_run`` removes it;
  ``export_run`` gives the whole run as one JSON document.
- Extension points are registries, one entry each: ``DATASETS``, ``STRATEGIES``,
  ``PRUNERS``, ``HYPERPARAMETERS``, ``VIEWS``; an unknown name raises ``UnknownName``.
- Demo mode (``SWEETSPOT_DEMO=1``): ``DemoLimits.from_env`` gives the caps, ``launch``
  enforces them, ``check_control`` says whether a visitor may stop or delete a run.
"""

from tuning.data.csv_data import CsvLimits, parse_csv, read_csv_frame
from tuning.data.dataset import DatasetInfo, DatasetOption
from tuning.data.datasets import DATASETS
from tuning.definition.hyperparameters import HYPERPARAMETERS, Hyperparameter, WidgetKind
from tuning.definition.presets import PRESET_HELP, PRESETS, preset_spec
from tuning.definition.pruners import PRUNERS
from tuning.definition.spec import Budget, DatasetSpec, Pruner, RunSpec, Strategy
from tuning.definition.strategies import STRATEGIES
from tuning.demo import DemoLimits, NotAllowed, check_control, check_spec, csv_limits, is_admin
from tuning.errors import (
    FieldError,
    RunExists,
    RunNotFound,
    SpecError,
    StorageUnavailable,
    TuningError,
    UnknownName,
)
from tuning.launcher import launch, spawn_workers, worker_command
from tuning.storage.artifacts import read_weights
from tuning.storage.runs import (
    Run,
    check_name,
    create_run,
    delete_run,
    list_run_names,
    load_run,
    request_stop,
)
from tuning.storage.urls import default_storage_url, open_storage
from tuning.views.analysis import VIEWS, AnalysisTrials, View, analysis_trials, draw_view
from tuning.views.estimate import Forecast, forecast
from tuning.views.export import export_run
from tuning.views.summary import RunSummary, learning_curve, run_summaries, summarize, trial_rows

__all__ = [
    "DATASETS", "HYPERPARAMETERS", "PRESETS", "PRESET_HELP", "PRUNERS", "STRATEGIES", "VIEWS",
    "AnalysisTrials", "Budget", "CsvLimits", "DatasetInfo", "DatasetOption", "DatasetSpec", "DemoLimits",
    "FieldError", "Forecast", "Hyperparameter", "NotAllowed", "Pruner", "Run", "RunExists", "RunNotFound",
    "RunSpec", "RunSummary", "SpecError", "StorageUnavailable", "Strategy", "TuningError", "UnknownName",
    "View", "WidgetKind", "analysis_trials", "check_control", "check_name", "check_spec", "create_run",
    "csv_limits", "default_storage_url", "delete_run", "draw_view", "export_run", "forecast", "is_admin",
    "launch", "learning_curve", "list_run_names", "load_run", "open_storage", "parse_csv", "preset_spec",
    "read_csv_frame", "read_weights", "request_stop", "run_summaries", "spawn_workers", "summarize",
    "trial_rows", "worker_command",
]  # fmt: skip
