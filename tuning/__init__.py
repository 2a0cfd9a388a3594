"""Sweetspot's engine: hyperparameter searches stored in Optuna and run by worker processes.

This is the one API the dashboard and the CLI use: pages import from ``tuning`` and from
nowhere below it, and never handle Optuna objects. Nothing here imports torch (only worker
processes, ``tuning.training``, train); ``tests/test_architecture.py`` checks both.

Define a run
    ``RunSpec.from_dict`` validates a run; ``preset_spec`` gives a built-in one;
    ``forecast`` prices a spec before Start (time and memory; ``start_warnings`` says
    when Start needs an explicit override). The extension points are registries, one
    entry each: ``DATASETS``, ``STRATEGIES``, ``PRUNERS``, ``MODELS``, ``VIEWS``; an
    unknown name raises ``UnknownName``. ``METRICS`` lists what a run can be selected by
    (``Task``: regression or classification). A spec's model family (``ModelFamily``) owns
    its hyperparameters (``HYPERPARAMETERS``: the built-in MLP's); ``describe`` imports a
    user's model file or Optuna objective in a process of its own and says what it
    declares (``ModelSource``), and ``RunSpec.for_code`` starts a spec from its defaults.
Start, stop, remove
    ``launch`` stores a run and starts its workers (``create_run`` only stores it);
    ``request_stop`` asks every worker to stop; ``delete_run`` removes the run.
Extend, fork, seed, annotate
    ``extend_run`` adds trials or time to an ended run (``Extension``); ``fork_source``
    gives a run's spec and data for "Edit as a new run", and ``launch(..., warm_start=)``
    lets the new run inherit its finished trials; ``enqueue_params`` queues a hand-picked
    configuration (``check_configuration`` validates one); ``pick_winner`` makes a trial
    of the front the winner (tested once); ``annotate_run`` and ``annotate_trial`` write
    notes and tags. Each acts for an ``Actor`` (storage, demo
    visitor, admin token) and checks demo ownership and caps first.
Read
    ``list_run_names``, ``run_summaries`` and ``summarize`` give states (``RunState``) and
    bests (``run_spec`` a run's spec, ``run_data`` what its scores compare on and
    ``storage_damage`` a journal's skipped records, all from the dashboard's reader,
    without a replay of the file); ``RunWatcher`` reads
    one run again and again as plain data (``RunSnapshot``),
    ``read_race`` several at once, ``analysis_trials``/``draw_view`` feed the Analysis
    page; the ``*_frame`` and ``*_figure`` functions turn them into chart data and Plotly
    figures; ``winner_outcome`` gives the winner's test report against the
    baselines; ``export_run`` gives a whole run as JSON; ``safe_csv`` writes every CSV
    (text cells that a spreadsheet would run as formulas neutralised).
Demo mode (``SWEETSPOT_DEMO=1``)
    ``DemoLimits.from_env`` gives the caps, ``launch`` enforces them, ``check_control``
    says whether a visitor may stop or delete a run.

Loading
    Each name is imported from its module on first use (``__getattr__`` below), so a
    worker or a CLI command loads only what it touches: ``python -m tuning worker`` does
    not load the charts and the analysis views, and ``python -m tuning show`` not pandas'
    plotting. ``EXPORTS`` is the one list of what comes from where.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Every name of the API, by the module it comes from (read by ``__getattr__`` below).
EXPORTS: dict[str, tuple[str, ...]] = {
    "tuning.actions": (
        "Actor",
        "pick_winner",
        "refit_run",
        "ForkSource",
        "annotate_run",
        "annotate_trial",
        "check_warm_start",
        "enqueue_params",
        "extend_run",
        "fork_source",
    ),
    "tuning.data.columns": ("TableProfile", "profile_table"),
    "tuning.data.task": ("Task",),
    "tuning.data.dataset_spec": ("DatasetSpec",),
    "tuning.data.csv_data": ("CsvLimits", "CsvTable", "parse_csv", "read_csv_frame"),
    "tuning.data.dataset": ("DatasetInfo", "DatasetOption"),
    "tuning.data.datasets": ("DATASETS",),
    "tuning.definition.metrics": ("DEFAULT_METRIC", "METRICS", "get_metric", "metrics_of"),
    "tuning.definition.presets": ("PRESET_HELP", "PRESETS", "preset_code", "preset_spec"),
    "tuning.definition.objectives": ("Measure", "label_of"),
    "tuning.definition.pruners": ("PRUNERS",),
    "tuning.definition.spec": ("MAX_TRIALS", "Budget", "Pruner", "RunSpec", "Strategy"),
    "tuning.definition.strategies": ("STRATEGIES",),
    "tuning.demo": ("DemoLimits", "NotAllowed", "check_control", "check_spec", "csv_limits", "is_admin"),
    "tuning.errors": (
        "FieldError",
        "RunBusy",
        "RunExists",
        "RunNotFound",
        "SpecError",
        "StorageUnavailable",
        "TuningError",
        "UnknownName",
    ),
    "tuning.launcher": ("launch", "spawn_workers", "worker_command"),
    "tuning.models.builtin": ("MODELS",),
    "tuning.models.family": ("ModelFamily",),
    "tuning.models.hyperparameters": ("Hyperparameter", "WidgetKind"),
    "tuning.models.mlp": ("HYPERPARAMETERS",),
    "tuning.models.reference": ("CodeKind",),
    "tuning.models.source": ("ModelSource", "describe"),
    "tuning.reading.records": ("learning_curve", "trial_rows"),
    "tuning.reading.trials": ("list_run_names", "run_data", "run_spec", "storage_damage"),
    "tuning.storage.artifacts": ("read_weights",),
    "tuning.storage.lifecycle": ("Extension", "NothingToAdd", "check_configuration", "plan_extension"),
    "tuning.storage.record": ("RunState", "TrialOrigin"),
    "tuning.storage.refit": ("Refit", "RefitState", "read_refit", "refit_of"),
    "tuning.storage.runs": (
        "Run",
        "check_name",
        "create_run",
        "delete_run",
        "load_run",
        "request_stop",
    ),
    "tuning.storage.urls": ("default_storage_url", "open_storage", "redact"),
    "tuning.views.analysis": ("VIEWS", "AnalysisTrials", "View", "analysis_trials", "draw_view"),
    "tuning.views.chart_data": (
        "best_steps",
        "history_frame",
        "loss_title",
        "maximizing",
        "parallel_frame",
        "param_columns",
        "trial_table",
    ),
    "tuning.views.estimate": (
        "Forecast",
        "fmt_bytes",
        "forecast",
        "machine_bytes",
        "start_warnings",
    ),
    "tuning.views.export": ("export_run",),
    "tuning.views.figures": ("curves_figure", "history_figure", "race_figure"),
    "tuning.views.filters": (
        "TABLE_ROWS",
        "TRIAL_STATES",
        "FieldKind",
        "FilterField",
        "TrialFilter",
        "filter_fields",
        "shown_rows",
    ),
    "tuning.views.front_data": ("FrontPoints", "front_points", "front_table"),
    "tuning.views.front_figures": ("front_figure",),
    "tuning.views.failures": ("failure_headline", "user_tracebacks"),
    "tuning.views.formatting": (
        "column_format",
        "fmt_duration",
        "fmt_params",
        "fmt_score",
        "fmt_with_unit",
        "note_line",
    ),
    "tuning.views.history": ("HiddenState", "HistoryPoints", "history_points"),
    "tuning.views.outcome": ("WinnerOutcome", "baseline_lines", "baseline_notes", "winner_outcome"),
    "tuning.views.outcome_figures": ("add_baselines", "confusion_figure", "prediction_figure"),
    "tuning.views.parallel_figure": ("parallel_figure",),
    "tuning.views.progress": ("Progress", "run_progress"),
    "tuning.views.safe_csv": ("safe_csv",),
    "tuning.views.reproduce": ("reproduce_command", "reproduce_spec"),
    "tuning.views.snapshot": ("Race", "RunSnapshot", "RunWatcher", "read_race", "shared_watcher"),
    "tuning.views.summary": (
        "RunSummary",
        "data_label",
        "failed_tracebacks",
        "run_summaries",
        "space_label",
        "summarize",
    ),
    "tuning.winner.folder": ("ModelFolder", "Source"),
    "tuning.winner.load": ("PickledModel", "load_model", "model_archive"),
    "tuning.winner.model": ("Prediction", "WinnerModel"),
    "tuning.winner.output": (
        "metrics_table",
        "model_snippet",
        "prediction_lines",
        "predictions_csv",
        "with_predictions",
    ),
    "tuning.winner.rows": ("read_rows",),
}

#: Each exported name → its module.
SOURCES: dict[str, str] = {name: module for module, names in EXPORTS.items() for name in names}

__all__ = list(SOURCES)


def __getattr__(name: str) -> Any:
    """Import ``name`` from its module on first use, then keep it here."""
    module = SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'tuning' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
