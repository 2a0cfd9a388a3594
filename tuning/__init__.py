"""Sweetspot's engine: hyperparameter searches stored in Optuna and run by worker processes.

This is the one API the dashboard and the CLI use: pages import from ``tuning`` and from
nowhere below it, and never handle Optuna objects. Nothing here imports torch (only worker
processes, ``tuning.training``, train); ``tests/test_architecture.py`` checks both.

Define a run
    ``RunSpec.from_dict`` validates a run; ``preset_spec`` gives a built-in one;
    ``forecast`` prices a spec before Start (time and memory; ``start_warnings`` says
    when Start needs an explicit override). The extension points are registries, one
    entry each: ``DATASETS``, ``STRATEGIES``, ``PRUNERS``, ``HYPERPARAMETERS``, ``VIEWS``;
    an unknown name raises ``UnknownName``. ``METRICS`` lists what a run can be
    selected by (``Task``: regression or classification).
Start, stop, remove
    ``launch`` stores a run and starts its workers (``create_run`` only stores it);
    ``request_stop`` asks every worker to stop; ``delete_run`` removes the run.
Extend, fork, seed, annotate
    ``extend_run`` adds trials or time to an ended run (``Extension``); ``fork_source``
    gives a run's spec and data for "Edit as a new run", and ``launch(..., warm_start=)``
    lets the new run inherit its finished trials; ``enqueue_params`` queues a hand-picked
    configuration (``check_configuration`` validates one); ``annotate_run`` and
    ``annotate_trial`` write notes and tags. Each acts for an ``Actor`` (storage, demo
    visitor, admin token) and checks demo ownership and caps first.
Read
    ``list_run_names``, ``run_summaries`` and ``summarize`` give states (``RunState``) and
    bests; ``RunWatcher`` reads one run again and again as plain data (``RunSnapshot``),
    ``read_race`` several at once, ``analysis_trials``/``draw_view`` feed the Analysis
    page; the ``*_frame`` and ``*_figure`` functions turn them into chart data and Plotly
    figures; ``winner_outcome`` gives the winner's test report against the
    baselines; ``export_run`` gives a whole run as JSON.
Demo mode (``SWEETSPOT_DEMO=1``)
    ``DemoLimits.from_env`` gives the caps, ``launch`` enforces them, ``check_control``
    says whether a visitor may stop or delete a run.

Loading
    Each name is imported from its module on first use (``__getattr__`` below), so a
    worker or a CLI command loads only what it touches: ``python -m tuning worker`` does
    not load the charts and the analysis views, and ``python -m tuning show`` not pandas'
    plotting. The ``TYPE_CHECKING`` imports are the one list of what comes from where.
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the API, name by name from its module; read by _sources() below
    from tuning.actions import (
        Actor,
        ForkSource,
        annotate_run,
        annotate_trial,
        check_warm_start,
        enqueue_params,
        extend_run,
        fork_source,
    )
    from tuning.data.columns import TableProfile, profile_table
    from tuning.data.csv_data import CsvLimits, CsvTable, parse_csv, read_csv_frame
    from tuning.data.dataset import DatasetInfo, DatasetOption
    from tuning.data.datasets import DATASETS
    from tuning.definition.hyperparameters import HYPERPARAMETERS, Hyperparameter, WidgetKind
    from tuning.definition.metrics import DEFAULT_METRIC, METRICS, Task, get_metric, metrics_of
    from tuning.definition.presets import PRESET_HELP, PRESETS, preset_spec
    from tuning.definition.pruners import PRUNERS
    from tuning.definition.spec import MAX_TRIALS, Budget, DatasetSpec, Pruner, RunSpec, Strategy
    from tuning.definition.strategies import STRATEGIES
    from tuning.demo import DemoLimits, NotAllowed, check_control, check_spec, csv_limits, is_admin
    from tuning.errors import (
        FieldError,
        RunBusy,
        RunExists,
        RunNotFound,
        SpecError,
        StorageUnavailable,
        TuningError,
        UnknownName,
    )
    from tuning.launcher import launch, spawn_workers, worker_command
    from tuning.reading.trials import run_spec
    from tuning.storage.artifacts import read_weights
    from tuning.storage.lifecycle import Extension, NothingToAdd, check_configuration
    from tuning.storage.record import RunState, TrialOrigin
    from tuning.storage.runs import (
        Run,
        check_name,
        create_run,
        delete_run,
        list_run_names,
        load_run,
        request_stop,
    )
    from tuning.storage.urls import default_storage_url, open_storage, redact, storage_damage
    from tuning.views.analysis import VIEWS, AnalysisTrials, View, analysis_trials, draw_view
    from tuning.views.chart_data import (
        best_steps,
        history_frame,
        loss_title,
        maximizing,
        parallel_frame,
        param_columns,
        trial_table,
    )
    from tuning.views.estimate import (
        Forecast,
        fmt_bytes,
        forecast,
        machine_bytes,
        seconds_left,
        start_warnings,
    )
    from tuning.views.export import export_run
    from tuning.views.figures import curves_figure, history_figure, race_figure
    from tuning.views.filters import (
        TABLE_ROWS,
        TRIAL_STATES,
        FieldKind,
        FilterField,
        TrialFilter,
        filter_fields,
        shown_rows,
    )
    from tuning.views.history import HiddenState, HistoryPoints, history_points
    from tuning.views.outcome import WinnerOutcome, baseline_lines, winner_outcome
    from tuning.views.outcome_figures import add_baselines, confusion_figure, prediction_figure
    from tuning.views.parallel_figure import parallel_figure
    from tuning.views.reproduce import reproduce_command, reproduce_spec
    from tuning.views.snapshot import Race, RunSnapshot, RunWatcher, read_race, shared_watcher
    from tuning.views.summary import RunSummary, learning_curve, run_summaries, summarize, trial_rows

__all__ = [
    # define a run
    "DATASETS", "HYPERPARAMETERS", "PRESETS", "PRESET_HELP", "PRUNERS", "STRATEGIES", "Budget",
    "DatasetInfo", "DatasetOption", "DatasetSpec", "Forecast", "Hyperparameter", "Pruner", "RunSpec",
    "Strategy", "WidgetKind", "check_name", "forecast", "preset_spec",
    "DEFAULT_METRIC", "METRICS", "Task", "get_metric", "metrics_of",
    "TableProfile", "profile_table",
    "MAX_TRIALS", "fmt_bytes", "machine_bytes", "start_warnings",
    # data
    "CsvLimits", "CsvTable", "parse_csv", "read_csv_frame",
    # start, stop, remove
    "Run", "create_run", "delete_run", "launch", "request_stop", "spawn_workers", "worker_command",
    # extend, fork, seed, annotate
    "Actor", "Extension", "ForkSource", "TrialOrigin", "annotate_run", "annotate_trial",
    "check_configuration", "check_warm_start", "enqueue_params", "extend_run", "fork_source",
    # storage
    "default_storage_url", "open_storage", "redact", "storage_damage",
    # read
    "VIEWS", "AnalysisTrials", "Race", "RunSnapshot", "RunState", "RunSummary", "RunWatcher", "View",
    "analysis_trials", "best_steps", "curves_figure", "draw_view", "export_run", "history_figure",
    "history_frame", "learning_curve", "list_run_names", "load_run", "loss_title", "parallel_figure",
    "parallel_frame", "param_columns", "race_figure", "read_race", "read_weights", "reproduce_command",
    "reproduce_spec", "run_spec", "run_summaries", "seconds_left", "summarize", "trial_rows", "trial_table",
    # read large runs: the loss cloud reduced, the trials table filtered
    "HiddenState", "HistoryPoints", "history_points", "shared_watcher",
    "TABLE_ROWS", "TRIAL_STATES", "FieldKind", "FilterField", "TrialFilter", "filter_fields", "shown_rows",
    "maximizing", "WinnerOutcome", "winner_outcome", "baseline_lines", "add_baselines", "confusion_figure",
    "prediction_figure",
    # demo mode
    "DemoLimits", "NotAllowed", "check_control", "check_spec", "csv_limits", "is_admin",
    # errors
    "FieldError", "NothingToAdd", "RunBusy", "RunExists", "RunNotFound", "SpecError", "StorageUnavailable",
    "TuningError", "UnknownName",
]  # fmt: skip


@cache
def _sources() -> dict[str, str]:
    """Each exported name → the module it comes from, read from the ``TYPE_CHECKING``
    imports above (so the list is written once; tests/test_api.py holds it to ``__all__``)."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(
        node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def __getattr__(name: str) -> Any:
    """Import ``name`` from its module on first use, then keep it here."""
    module = _sources().get(name)
    if module is None:
        raise AttributeError(f"module 'tuning' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
