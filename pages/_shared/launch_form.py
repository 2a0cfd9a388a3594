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
    Measure,
    ModelSource,
    Strategy,
    Task,
    label_of,
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
        "f_baselines_all": raw.get("baselines") == "all",
        **tradeoff_state(raw),
        "f_refit": bool(raw.get("refit")),
        "f_direction": raw.get("direction", "minimize"),
        **space_state(raw.get("space", {}), known),
    }


#: The bounds the form has a widget for; a spec's others are kept as they are (a fork's).
BOUND_KEYS = {"max_params": "f_max_params", "max_latency_ms": "f_max_latency_ms"}


def tradeoff_state(raw: dict[str, Any]) -> dict[str, Any]:
    """The form keys of a spec's objectives beyond the selection metric, and its bounds."""
    objectives = [o if isinstance(o, str) else o["name"] for o in raw.get("objectives") or []]
    bounds = dict(raw.get("constraints") or {})
    return {
        "f_objectives": objectives[1:],
        "f_max_params": int(bounds.pop("max_params", 0)),  # the widgets' own number types
        "f_max_latency_ms": float(bounds.pop("max_latency_ms", 0.0)),
        "f_other_bounds": bounds,
    }


def tradeoff_spec(state: Any) -> dict[str, Any]:
    """The spec's ``objectives`` and ``constraints`` as the form holds them (none: left out)."""
    raw: dict[str, Any] = {}
    if state.get("f_objectives") and state.get("f_metric"):
        raw["objectives"] = [state["f_metric"], *state["f_objectives"]]
    bounds = {
        **state.get("f_other_bounds", {}),
        **{n: state[k] for n, k in BOUND_KEYS.items() if state.get(k)},
    }
    if bounds:
        raw["constraints"] = bounds
    return raw


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
        elif csv is not None:
            dataset[option.value] = getattr(csv, CSV_OPTIONS[option])
    if csv is None and DatasetOption.TARGET in DATASETS[dataset["name"]].options and state.get("f_target"):
        # The table was refused (the section says why): the picked target is still one, and
        # the other options stay unset rather than null ("exclude ... got None" said nothing).
        dataset[DatasetOption.TARGET.value] = state["f_target"]
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
    if state.get("f_baselines_all"):
        raw["baselines"] = "all"
    raw.update(tradeoff_spec(state))
    if state.get("f_refit"):
        raw["refit"] = True
    if csv is not None and csv.overridden:
        raw["task"] = csv.task.value
    if source is not None:
        raw[source.kind.value] = source.reference
    if source is not None and source.kind.value == "objective":  # its data, space and score are its own
        for field in OBJECTIVE_OWN:
            raw.pop(field, None)
        raw["direction"] = state.get("f_direction", "minimize")
    return raw, problems


#: What an Optuna objective decides in its own code: the form leaves these out of its spec.
OBJECTIVE_OWN = (
    "dataset", "space", "metric", "cv_folds", "repeats", "baselines", "objectives", "constraints", "refit",
)  # fmt: skip


def data_task(csv: CsvChoice | None, source: ModelSource | None) -> Task:
    """The task of the data picked: an upload's, a model file's data()'s, or a dataset's."""
    if csv is not None:
        return csv.task
    name = st.session_state["f_dataset"]
    if DATASETS[name].from_code and source is not None and source.data:
        return Task(source.data["task"])
    return DATASETS[name].task


def evaluation_section(slots: dict[str, Any], task: Task | None) -> None:
    """Seed, folds, repeats, the selection metric of ``task``, trade-offs, the shares, the
    baselines and the refit; for an Optuna objective (``task`` None) the seed and its
    direction(s) only: it evaluates itself."""
    seed, folds, repeats = st.columns(3)
    seed.number_input("Seed", 0, 2**31 - 1, key="f_seed", persist_state="session")
    if task is None:
        direction_section()
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
    tradeoff_section(task)
    slots.update(dict.fromkeys(["objectives", "constraints"], st.empty()))
    val, test = st.columns(2)
    val.number_input("Validation share", 0.05, 0.8, step=0.05, key="f_val", persist_state="session")
    test.number_input("Test share", 0.05, 0.8, step=0.05, key="f_test", persist_state="session")
    st.checkbox(
        "Fit every baseline", key="f_baselines_all", persist_state="session",
        help="the mean or majority class, linear or logistic regression and gradient boosting; without "
        "this, gradient boosting is fitted only when it takes under a tenth of the run's forecast",
    )  # fmt: skip
    evaluation = ["seed", "cv_folds", "repeats", "val_fraction", "test_fraction", "baselines"]
    slots.update(dict.fromkeys(evaluation, st.empty()))
    st.checkbox(
        "Refit the winner on training + validation rows when the run ends", key="f_refit",
        persist_state="session",
        help="trains the winning configuration once more on every non-test row, tests it once; "
        "predictions then use it (docs/model.md)",
    )  # fmt: skip
    slots["refit"] = st.empty()


def direction_section() -> None:
    """An objective's direction: a choice for one value; the directions its file (or the
    spec) lists for an objective that returns several, shown as they are."""
    directions = st.session_state.get("f_direction", "minimize")
    if isinstance(directions, list):
        better = ", ".join("lower" if d == "minimize" else "higher" for d in directions)
        st.caption(f"The objective returns {len(directions)} values, traded off (better: {better}).")
        return
    st.radio(
        "The objective's value is better", ["minimize", "maximize"], key="f_direction", horizontal=True,
        format_func=lambda d: "lower" if d == "minimize" else "higher", persist_state="session",
    )  # fmt: skip


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
        format_func=labels.__getitem__,
        help="trials are compared, pruned and the winner picked by this score on validation; "
        "every metric of the task is recorded",
    )


def tradeoff_section(task: Task) -> None:
    """Up to two more objectives beside the selection metric, and bounds on size and speed."""
    metric = st.session_state.get("f_metric")
    options = [m.value for m in Measure] + [m.name for m in metrics_of(task) if m.name != metric]
    st.session_state["f_objectives"] = [n for n in st.session_state.get("f_objectives", []) if n in options]
    st.multiselect(
        "Also optimise (trade-offs)",
        options,
        key="f_objectives",
        max_selections=2,
        format_func=label_of,
        help="each trial is then judged on these too: the Monitor draws the front of the best "
        "trade-offs and lets you pick the winner; needs no pruner, and a strategy other than cmaes",
    )
    size, speed = st.columns(2)
    size.number_input("Max parameters", 0, 10**9, step=1000, key="f_max_params", help="0 = no bound")
    speed.number_input(
        "Max latency (ms per 1,000 rows)", 0.0, 10**6 * 1.0, step=0.1, key="f_max_latency_ms", format="%g",
        help="0 = no bound; trials beyond a bound are kept and marked, never the default winner",
    )  # fmt: skip
    others = st.session_state.get("f_other_bounds") or {}
    if others:
        st.caption("Also bounded: " + ", ".join(f"{key} {value:g}" for key, value in others.items()))


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
