"""The Launch form's state: filled from a spec (a preset), read back as a spec's plain data.

Every widget of the form keeps its value in ``st.session_state`` under an ``f_`` key, so
a preset fills the whole form in one callback and the values survive a page switch.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages._shared.space_form import Known, space_from_state, space_state
from pages._shared.table_form import CsvChoice, csv_section
from tuning import (
    DATASETS,
    DEFAULT_METRIC,
    STRATEGIES,
    DatasetOption,
    ModelSource,
    Strategy,
    Task,
    metrics_of,
)

#: Where each dataset option's value comes from: a form key, or the uploaded CSV's choice.
OPTION_KEYS = {DatasetOption.ROWS: "f_rows", DatasetOption.SEED: "f_data_seed"}
CSV_OPTIONS = {
    DatasetOption.TARGET: "target",
    DatasetOption.FILENAME: "filename",
    DatasetOption.EXCLUDE: "exclude",
}


def form_state(raw: dict[str, Any], known: Known) -> dict[str, Any]:
    """Every form key's value for the raw spec ``raw`` (defaults for what it leaves out), the
    space's rows those of the hyperparameters ``known`` (the spec's family's)."""
    dataset = raw.get("dataset", {})
    dataset = {"name": dataset} if isinstance(dataset, str) else dataset
    budget = raw.get("budget", {})
    return {
        "f_strategy": raw["strategy"],
        "f_dataset": dataset["name"],
        "f_rows": dataset.get("rows", 1000),
        "f_data_seed": dataset.get("seed", 0),
        "f_trials": budget.get("n_trials", 20),
        "f_timeout_min": budget.get("timeout_s", 0) / 60,
        "f_workers": raw.get("workers", 1),
        "f_pruner": raw.get("pruner", "none"),
        "f_seed": raw.get("seed", 0),
        "f_cv": raw.get("cv_folds", 0),
        "f_val": raw.get("val_fraction", 0.2),
        "f_test": raw.get("test_fraction", 0.2),
        "f_repeats": raw.get("repeats", 1),
        "f_metric": raw.get("metric"),
        "f_direction": raw.get("direction", "minimize"),
        **space_state(raw.get("space", {}), known),
    }


def raw_spec(
    state: Any, csv: CsvChoice | None, known: Known, source: ModelSource | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The spec the form describes, as plain data, and messages for values it cannot read.

    ``known`` are the rows' hyperparameters; ``source`` the model file or objective picked."""
    space, problems = space_from_state(state, known)
    dataset: dict[str, Any] = {"name": state["f_dataset"]}
    for option in DATASETS[dataset["name"]].options:
        if option in OPTION_KEYS:
            dataset[option.value] = state[OPTION_KEYS[option]]
        else:
            dataset[option.value] = getattr(csv, CSV_OPTIONS[option]) if csv else None
    budget: dict[str, Any] = {}
    if STRATEGIES[Strategy(state["f_strategy"])].needs_budget:
        budget["n_trials"] = state["f_trials"]
    if state["f_timeout_min"]:
        budget["timeout_s"] = state["f_timeout_min"] * 60
    raw = {
        "dataset": dataset,
        "strategy": state["f_strategy"],
        "space": space,
        "budget": budget,
        "workers": state["f_workers"],
        "pruner": state["f_pruner"],
        "seed": state["f_seed"],
        "cv_folds": state["f_cv"],
        "val_fraction": state["f_val"],
        "test_fraction": state["f_test"],
        "repeats": state["f_repeats"],
    }
    if state.get("f_metric"):
        raw["metric"] = state["f_metric"]
    if csv is not None and csv.overridden:
        raw["task"] = csv.task.value
    if source is not None:
        raw[source.kind.value] = source.reference
    if source is not None and source.kind.value == "objective":  # its data, space and score are its own
        for field in ("dataset", "space", "metric", "cv_folds", "repeats"):
            raw.pop(field, None)
        raw["direction"] = state.get("f_direction", "minimize")
    return raw, problems


def data_task(csv: CsvChoice | None, source: ModelSource | None) -> Task:
    """The task of the data picked: an upload's, a model file's data()'s, or a dataset's."""
    if csv is not None:
        return csv.task
    name = st.session_state["f_dataset"]
    if DATASETS[name].from_code and source is not None and source.data:
        return Task(source.data["task"])
    return DATASETS[name].task


def evaluation_section(slots: dict[str, Any], task: Task | None) -> None:
    """Seed, folds, repeats, the selection metric of ``task`` and the shares; for an Optuna
    objective (``task`` None) the seed and its direction only: it evaluates itself."""
    seed, folds, repeats = st.columns(3)
    seed.number_input("Seed", 0, 2**31 - 1, key="f_seed", persist_state="session")
    if task is None:
        st.radio(
            "The objective's value is better", ["minimize", "maximize"], key="f_direction", horizontal=True,
            format_func=lambda d: "lower" if d == "minimize" else "higher", persist_state="session",
        )  # fmt: skip
        slots.update(dict.fromkeys(["seed", "direction"], st.empty()))
        return
    folds.number_input(
        "CV folds", 0, 20, key="f_cv", persist_state="session",
        help="0 = one validation split; 2 or more = k-fold cross-validation",
    )  # fmt: skip
    repeats.number_input(
        "Repeats", 1, 20, key="f_repeats", persist_state="session",
        help="models per fold with different seeds; their scores are averaged",
    )  # fmt: skip
    metric_section(task)
    slots.update(dict.fromkeys(["metric", "task"], st.empty()))
    val, test = st.columns(2)
    val.number_input("Validation share", 0.05, 0.8, step=0.05, key="f_val", persist_state="session")
    test.number_input("Test share", 0.05, 0.8, step=0.05, key="f_test", persist_state="session")
    slots.update(dict.fromkeys(["seed", "cv_folds", "repeats", "val_fraction", "test_fraction"], st.empty()))


def metric_section(task: Task) -> None:
    """The selection metric, from the metrics of the data's task (its loss by default)."""
    names = [m.name for m in metrics_of(task)]
    if st.session_state.get("f_metric") not in names:
        st.session_state["f_metric"] = DEFAULT_METRIC[task]
    labels = {
        m.name: f"{m.label} ({'lower' if m.direction == 'minimize' else 'higher'} is better)"
        for m in metrics_of(task)
    }
    st.selectbox(
        f"Select by ({task.value} metric)",
        names,
        key="f_metric",
        format_func=labels.get,
        help="trials are compared, pruned and the winner picked by this score on validation; "
        "every metric of the task is recorded",
    )


def dataset_section(errors: dict[str, str], own_data: bool = False) -> CsvChoice | None:
    """The dataset picker and its options; returns the CSV choice for a CSV dataset.
    ``own_data``: the model file brings its data() (the ``code`` dataset), offered too."""
    names = [name for name, info in DATASETS.items() if own_data or not info.from_code]
    if st.session_state.get("f_dataset") not in names:
        st.session_state["f_dataset"] = names[0]
    name = st.selectbox(
        "Dataset",
        names,
        format_func=lambda name: DATASETS[name].label,
        key="f_dataset",
        persist_state="session",
    )
    info = DATASETS[name]
    if DatasetOption.ROWS in info.options or DatasetOption.SEED in info.options:
        rows, seed = st.columns(2)
        if DatasetOption.ROWS in info.options:
            rows.number_input("Rows", 20, 1_000_000, step=500, key="f_rows", persist_state="session")
        if DatasetOption.SEED in info.options:
            seed.number_input("Data seed", 0, 2**31 - 1, key="f_data_seed", persist_state="session")
    if info.uploaded:
        return csv_section(errors)
    return None
