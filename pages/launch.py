"""Launch: a run's search space as widgets, judged by the engine before Start is enabled.

The page turns the widgets into a spec's plain data and asks ``RunSpec.from_dict``;
each refusal is shown next to the widget it names, and Start stays disabled until there
are none. Start only stores the run and spawns its workers; the Monitor takes over.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from pages._shared.common import (
    ERROR,
    MONITOR,
    admin_token,
    engine_errors,
    plain,
    storage_caption,
    storage_url,
    visitor,
)
from pages._shared.launch_form import dataset_section, form_state, metric_section, raw_spec, tradeoff_section
from pages._shared.shell import within_app
from pages._shared.space_form import param_row
from tuning import (
    DATASETS,
    HYPERPARAMETERS,
    MAX_TRIALS,
    PRESET_HELP,
    PRESETS,
    PRUNERS,
    STRATEGIES,
    DemoLimits,
    FieldError,
    Forecast,
    Pruner,
    RunSpec,
    SpecError,
    Strategy,
    TuningError,
    check_name,
    check_spec,
    check_warm_start,
    fmt_bytes,
    fmt_duration,
    forecast,
    launch,
    machine_bytes,
    start_warnings,
)

within_app()


def apply_preset() -> None:
    if st.session_state["f_preset"] is not None:  # None: a copy of a run, no preset
        st.session_state.update(form_state(PRESETS[st.session_state["f_preset"]]))


if "f_strategy" not in st.session_state:
    st.session_state["f_preset"] = "article-grid"
    apply_preset()

st.title("Launch a run")
errors: dict[str, str] = {}
slots: dict[str, Any] = {}
fork = st.session_state.get("fork")  # set by the Monitor's "Edit as a new run"
warm_start = None
if fork:
    with st.container(border=True, key="fork"):
        st.markdown(f"Editing a copy of run **{fork['name']}**: change anything, then Start a new run.")
        if st.checkbox(
            f"Warm start from {fork['name']}",
            key="f_warm_start",
            help="the new run begins with the finished trials of that run that fit this space, "
            "marked inherited and outside the budget; needs the same data, split and seed",
        ):
            warm_start = fork["name"]
        slots["warm_start"] = st.empty()
        st.button("Start from scratch instead", on_click=lambda: st.session_state.pop("fork", None))
st.selectbox(
    "Start from a preset",
    list(PRESETS),
    key="f_preset",
    on_change=apply_preset,
    format_func=lambda name: f"{name}: {PRESET_HELP[name]}",
    persist_state="session",
    placeholder=f"none: a copy of run {fork['name']}; pick one to start over" if fork else "pick a preset",
)

strategy_col, data_col = st.columns(2, gap="large")
with strategy_col:
    st.subheader("Strategy")
    st.radio(
        "How the next configuration is chosen",
        [s.value for s in STRATEGIES],
        key="f_strategy",
        captions=[info.help for info in STRATEGIES.values()],
        persist_state="session",
    )
    slots["strategy"] = st.empty()
    st.selectbox(
        "Pruner (early stopping)",
        [pruner.value for pruner in PRUNERS],
        key="f_pruner",
        persist_state="session",
        format_func=lambda p: f"{p}: {PRUNERS[Pruner(p)].help}",
    )
    slots["pruner"] = st.empty()
with data_col:
    st.subheader("Data")
    csv = dataset_section(errors)
    slots["dataset"] = st.empty()

st.subheader("Search space")
st.caption(
    "**Fixed**: one value. **Range**: drawn between two bounds (inclusive). **Values**: the listed "
    "ones; a grid tries every combination of them."
)
for name in HYPERPARAMETERS:
    slots[f"space.{name}"] = param_row(name)
slots["space"] = st.empty()

budget_col, advanced_col = st.columns(2, gap="large")
grid = STRATEGIES[Strategy(st.session_state["f_strategy"])].exhaustive
with budget_col:
    st.subheader("Budget")
    trials, timeout, workers = st.columns(3)
    trials.number_input(
        "Trials",
        1,
        MAX_TRIALS,
        key="f_trials",
        disabled=grid,
        persist_state="session",
        help="a grid runs every combination once instead",
    )
    timeout.number_input(
        "Time limit (min)",
        0.0,
        10_000.0,
        step=5.0,
        key="f_timeout_min",
        format="%g",
        persist_state="session",
        help="0 = none; trials running at the limit finish",
    )
    workers.number_input(
        "Workers",
        1,
        64,
        key="f_workers",
        persist_state="session",
        help=f"processes training in parallel; this machine has {os.cpu_count()} cores",
    )
    slots.update(dict.fromkeys(["budget", "workers"], st.empty()))
with advanced_col:
    st.subheader("Evaluation")
    seed, folds, repeats = st.columns(3)
    seed.number_input("Seed", 0, 2**31 - 1, key="f_seed", persist_state="session")
    folds.number_input(
        "CV folds",
        0,
        20,
        key="f_cv",
        persist_state="session",
        help="0 = one validation split; 2 or more = k-fold cross-validation",
    )
    repeats.number_input(
        "Repeats",
        1,
        20,
        key="f_repeats",
        persist_state="session",
        help="models per fold with different seeds; their scores are averaged",
    )
    task = csv.task if csv else DATASETS[st.session_state["f_dataset"]].task
    metric_section(task)
    slots.update(dict.fromkeys(["metric", "task"], st.empty()))
    tradeoff_section(task)
    slots.update(dict.fromkeys(["objectives", "constraints"], st.empty()))
    val, test = st.columns(2)
    val.number_input("Validation share", 0.05, 0.8, step=0.05, key="f_val", persist_state="session")
    test.number_input("Test share", 0.05, 0.8, step=0.05, key="f_test", persist_state="session")
    st.checkbox(
        "Fit every baseline",
        key="f_baselines_all",
        persist_state="session",
        help="the mean or majority class, linear or logistic regression and gradient boosting; without "
        "this, gradient boosting is fitted only when it takes under a tenth of the run's forecast",
    )
    evaluation = ["seed", "cv_folds", "repeats", "val_fraction", "test_fraction", "baselines"]
    slots.update(dict.fromkeys(evaluation, st.empty()))
    st.checkbox(
        "Refit the winner on training + validation rows when the run ends",
        key="f_refit",
        persist_state="session",
        help="trains the winning configuration once more on every non-test row, tests it once; "
        "predictions then use it (docs/model.md)",
    )
    slots["refit"] = st.empty()
    name = st.text_input(
        "Run name (optional)", key="f_name", placeholder="strategy-date-time", persist_state="session"
    )
    slots["name"] = st.empty()

raw, problems = raw_spec(st.session_state, csv)
errors.update(problems)
spec: RunSpec | None = None
demo = DemoLimits.from_env()
try:
    spec = RunSpec.from_dict(raw)
    if demo is not None:
        check_spec(spec, demo)  # the public demo's caps, shown beside their widgets
except SpecError as error:
    for field, message in error.by_field().items():
        errors.setdefault(field, message)
if warm_start and spec is not None and not errors:
    try:  # the same check as Start's, shown before it: other data or split, and how many fit
        inherited = check_warm_start(warm_start, spec, csv.text if csv else None, storage_url())
        slots["warm_start"].caption(f"{inherited} finished trial(s) of {warm_start} fit this space.")
    except SpecError as error:
        errors.update(error.by_field())
    except TuningError as error:
        errors["warm_start"] = str(error)
if name:
    try:
        check_name(name)
    except FieldError as error:
        errors[error.field] = error.message

summary = st.container(border=True)
unplaced, placed = [], {}
for field, message in errors.items():
    slot = slots.get(field) or slots.get(field.split(".")[0])
    text = plain(message) if field.startswith("space.") else f"`{field}`: {plain(message)}"
    if slot is None:
        unplaced.append(text)
    else:
        placed.setdefault(id(slot), (slot, []))[1].append(text)
for slot, texts in placed.values():
    slot.error("  \n".join(texts), icon=ERROR)
if demo is not None:  # the public demo's caps, beside the widgets they limit
    caps: dict[int, tuple[Any, list[str]]] = {}
    for field, cap in demo.caps_by_field().items():
        slot = slots.get(field) or slots.get(field.split(".")[0])
        if slot is not None and id(slot) not in placed:
            texts = caps.setdefault(id(slot), (slot, []))[1]
            texts.extend([cap] if cap not in texts else [])
    for slot, texts in caps.values():
        slot.caption(" · ".join(texts))


def describe(spec: RunSpec, plan: Forecast, machine: int | None) -> str:
    """What Start will run, in a sentence, with the forecast of its duration and memory."""
    searched = spec.searched()
    if spec.exhaustive:
        sizes = " × ".join(f"{n} ({len(p.values())})" for n, p in searched.items())  # type: ignore[union-attr]
        what = f"**{plan.trials:,} grid combinations**" + (f": {sizes}" if sizes else "")
    else:
        what = (
            f"**{plan.trials:,} trials** of {spec.strategy.value} search over {len(searched)} hyperparameters"
        )
    members = max(spec.cv_folds, 1) * spec.repeats
    limit = " (the time limit)" if plan.limited_by_time else ""
    return (
        f"{what}, each training {members} model(s) per configuration.  \n"
        f"About **{fmt_duration(plan.seconds)}**{limit} with {spec.workers} worker(s); "
        "pruning can make it shorter.  \n"
        f"Memory: about **{fmt_bytes(plan.memory_bytes)}** at the space's largest model "
        f"({fmt_bytes(plan.worker_bytes)} per worker)"
        + (f"; this machine has {fmt_bytes(machine)}." if machine else ".")
    )


def may_start(warnings: list[str]) -> bool:
    """Show why Start should wait; locally an explicit checkbox overrides, never in the public demo."""
    for warning in warnings:
        st.error(warning, icon=ERROR)
    if not warnings:
        return True
    if demo is not None:
        return False
    return st.checkbox("Start anyway: I know this machine can take it", key="f_override")


with summary:
    st.subheader("What will run")
    for line in unplaced:
        st.error(line, icon=ERROR)
    allowed = False
    if spec is not None and not errors:
        plan, machine = forecast(spec, csv.shape if csv else None), machine_bytes()
        st.markdown(describe(spec, plan, machine))
        allowed = may_start(start_warnings(spec, plan, machine))
    else:
        st.warning(f"{len(errors)} problem(s) to fix above before the run can start.", icon=":material/edit:")
    start = st.button("Start", type="primary", icon=":material/play_arrow:", disabled=not allowed)
if start and spec is not None:
    with engine_errors():
        run = launch(
            spec,
            name or None,
            storage_url(),
            csv.text if csv else None,
            owner=visitor(),
            warm_start=warm_start,
            token=admin_token(),
        )
    st.switch_page(MONITOR, query_params={"run": run.name})
storage_caption()
