"""Launch: a run's search space as widgets, judged by the engine before Start is enabled.

The page turns the widgets into a spec's plain data and asks ``RunSpec.from_dict``;
each refusal is shown next to the widget it names, and Start stays disabled until there
are none. Start only stores the run and spawns its workers; the Monitor takes over.
"""

from __future__ import annotations

from pages._shared.shell import MONITOR, within_app

within_app()  # first of all: on a freshly started server this file runs before app.py

import os
from typing import Any

import streamlit as st

from pages._shared.common import (
    ERROR,
    admin_token,
    engine_errors,
    plain,
    storage_caption,
    storage_url,
    visitor,
)
from pages._shared.launch_form import data_task, dataset_section, evaluation_section, form_state, raw_spec
from pages._shared.model_form import BUILT_IN, LOADED_KEY, family_of, model_section
from pages._shared.space_form import param_row
from tuning import (
    MAX_TRIALS,
    MODELS,
    PRESET_HELP,
    PRESETS,
    PRUNERS,
    STRATEGIES,
    CodeKind,
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
    list_run_names,
    machine_bytes,
    preset_code,
    space_label,
    start_warnings,
)

demo = DemoLimits.from_env()
#: The presets offered: in the public demo, none that runs a model file (it runs no code).
presets = [name for name in PRESETS if demo is None or preset_code(name) is None]


def apply_preset() -> None:
    """Fill the form from the chosen preset; a model file's preset from the file (its
    DEFAULTS and SPACE, once the model picker has described it). None: a copy of a run."""
    name = st.session_state["f_preset"]
    if name is None:
        return
    st.session_state.pop(LOADED_KEY, None)
    code = preset_code(name)
    if code is not None:
        st.session_state.update({"f_model_kind": code[0].value, "f_model_ref": code[1]})
        return
    st.session_state["f_model_kind"] = BUILT_IN
    st.session_state.update(form_state(PRESETS[name], MODELS[BUILT_IN].hyperparameters))


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
    presets,
    key="f_preset",
    on_change=apply_preset,
    format_func=lambda name: f"{name}: {PRESET_HELP[name]}",
    persist_state="session",
    placeholder=f"none: a copy of run {fork['name']}; pick one to start over" if fork else "pick a preset",
)
source = model_section(errors, slots)
family = family_of(source)
objective = source is not None and source.kind is CodeKind.OBJECTIVE

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
    csv = None
    if objective:
        st.caption("An Optuna objective loads its own data; Sweetspot sees only the value it returns.")
    else:
        csv = dataset_section(errors, own_data=source is not None and source.data is not None)
    slots["dataset"] = st.empty()

st.subheader("Search space")
if objective:
    st.caption(
        "The space is defined in the objective's code (its `trial.suggest_*` calls); the charts read it "
        "from the trials."
    )
else:
    st.caption(
        "**Fixed**: one value. **Range**: drawn between two bounds (inclusive). **Values**: the listed "
        "ones; a grid tries every combination of them."
    )
for name, entry in family.hyperparameters.items():
    slots[f"space.{name}"] = param_row(name, entry)
slots["space"] = st.empty()

budget_col, advanced_col = st.columns(2, gap="large")
grid = STRATEGIES[Strategy(st.session_state["f_strategy"])].exhaustive
with budget_col:
    st.subheader("Budget")
    trials, timeout, workers = st.columns(3)
    # a grid's budget is its size, known once the space is read (below); the budget typed
    # for the other strategies is kept for them
    grid_size = trials.empty() if grid else None
    if grid_size is None:
        trials.number_input("Trials", 1, MAX_TRIALS, key="f_trials", persist_state="session")
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
    evaluation_section(slots, None if objective else data_task(csv, source))
    name = st.text_input(
        "Run name (optional)", key="f_name", placeholder="strategy-date-time", persist_state="session"
    )
    slots["name"] = st.empty()

raw, problems = raw_spec(st.session_state, csv, family.hyperparameters, source)
errors.update(problems)
spec: RunSpec | None = None
try:
    spec = RunSpec.from_dict(raw, source)
    if demo is not None:
        check_spec(spec, demo)  # the public demo's caps, shown beside their widgets
except SpecError as error:
    for field, message in error.by_field().items():
        errors.setdefault(field, message)
if grid_size is not None:
    size = f"{spec.n_trials_planned():,}" if spec is not None else "–"
    grid_size.text_input("Trials", size, disabled=True, help="a grid runs every combination once")
if "dataset.csv" in errors:  # no table read, so no target to pick: the file is the one problem
    errors.pop("dataset.target", None)
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
        if name in list_run_names(storage_url()):  # Start would refuse it: say so beside the field now
            errors["name"] = f"a run named {name!r} exists already; run names are unique, so choose another"
    except FieldError as error:
        errors[error.field] = error.message
    except TuningError:  # an unreachable storage: Start says so with the storage's message
        pass

summary = st.container(border=True)
unplaced: list[str] = []
placed: dict[int, tuple[Any, list[str]]] = {}  # by slot: each slot's messages, shown together
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
        what = f"**{plan.trials:,} trials** of {spec.strategy.value} search over {space_label(spec)}"
    members = max(spec.cv_folds, 1) * spec.repeats
    limit = " (the time limit)" if plan.limited_by_time else ""
    caveat = (
        "a rough guess: your code's cost is known once its first trials end"
        if spec.source
        else "pruning can make it shorter"
    )
    return (
        f"{what}, each training {members} model(s) per configuration.  \n"
        f"About **{fmt_duration(plan.seconds)}**{limit} with {spec.workers} worker(s); {caveat}.  \n"
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
