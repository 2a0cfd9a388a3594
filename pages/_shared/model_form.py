"""The Launch page's model picker: the built-in MLP, your model file, or an Optuna objective.

A model file or objective is described by the engine (``tuning.describe``), which imports
it in a process of its own: the dashboard never runs the user's code. Its space becomes
the form's rows, its ``DEFAULTS`` fill the form once per version of the file, and an
import error or a missing ``SPACE``/``build`` is shown under the reference before Start.
The public demo runs no code of a visitor's: there the picker is absent.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages._shared.common import SUCCESS, plain
from pages._shared.launch_form import form_state
from tuning import MODELS, CodeKind, DemoLimits, FieldError, ModelFamily, ModelSource, RunSpec, describe

BUILT_IN = "mlp"
KINDS = {
    BUILT_IN: "Built-in MLP",
    "model": "Your model (a file or module)",
    "objective": "An Optuna objective",
}
PLACEHOLDERS = {
    "model": "examples/digits_cnn.py or package.module",
    "objective": "examples/optuna_objective.py:objective",
}
#: The model file (kind, reference, sha256) whose DEFAULTS and SPACE last filled the form.
LOADED_KEY = "f_model_loaded"


def family_of(source: ModelSource | None) -> ModelFamily:
    """The family the form edits: the picked code's, or the built-in MLP."""
    return source.family if source is not None else MODELS[BUILT_IN]


def model_section(errors: dict[str, str], slots: dict[str, Any]) -> ModelSource | None:
    """The picker; returns the described code, or None for the built-in MLP (or a refusal,
    put into ``errors`` under the ``model`` or ``objective`` field)."""
    if DemoLimits.from_env() is not None:
        return None
    kind = (
        st.segmented_control(
            "Model",
            list(KINDS),
            format_func=KINDS.__getitem__,
            key="f_model_kind",
            required=True,
            persist_state="session",
        )
        or BUILT_IN
    )  # required, and Launch sets it first: never None
    if kind == BUILT_IN:
        if st.session_state.pop(LOADED_KEY, None) and st.session_state.get("f_dataset") == "code":
            st.session_state["f_dataset"] = "article"  # the MLP trains on a Sweetspot dataset
        return None
    reference = st.text_input(
        "File, module or function",
        key="f_model_ref",
        placeholder=PLACEHOLDERS[kind],
        persist_state="session",
        help="imported in a separate process to read its space; docs/your-model.md says what it declares",
    ).strip()
    slots[kind] = st.empty()
    if not reference:
        errors[kind] = f"type the {'file or module' if kind == 'model' else 'file:function'} to tune"
        return None
    try:
        with st.spinner("Importing it in a separate process…"):
            source = describe(CodeKind(kind), reference)
    except FieldError as error:
        errors[error.field] = error.message
        return None
    st.success(plain(summary(source)), icon=SUCCESS)
    loaded = f"{source.kind}:{source.reference}:{source.sha256}"
    if st.session_state.get(LOADED_KEY) != loaded:
        st.session_state[LOADED_KEY] = loaded
        st.session_state.update(code_form_state(source))
    return source


def summary(source: ModelSource) -> str:
    """What the file declares, in a sentence."""
    if source.kind is CodeKind.OBJECTIVE:
        return f"{source.reference}: an objective; its space is in its code (its trial.suggest_* calls)."
    data = source.data
    got = (
        f"; its data(): {data['rows']:,} rows of shape {tuple(data['input_shape'])}, {data['task']}"
        + (f" ({data['classes']} classes)" if data["classes"] else "")
        if data
        else "; it trains on the dataset picked below"
    )
    return f"{source.reference} declares {', '.join(source.space)}{got}."


def code_form_state(source: ModelSource) -> dict[str, Any]:
    """The form filled from the file's DEFAULTS and SPACE (the training loop's defaults beside)."""
    family = source.family
    defaults = dict(source.defaults or {})
    raw = {
        "strategy": st.session_state.get("f_strategy", "random"),
        **defaults,
        "dataset": defaults.get("dataset") or {"name": "code" if not family.needs_dataset else "article"},
        "space": {**family.declared, **defaults.get("space", {})},
    }
    return form_state(raw, family.hyperparameters)


def spec_form_state(spec: RunSpec) -> dict[str, Any]:
    """The form filled from a run's spec ("Edit as a new run"), its model picker included:
    the file is not filled again from its DEFAULTS while it is the run's version."""
    state = form_state(spec.to_dict(), spec.family.hyperparameters)
    code = spec.source
    state["f_model_kind"] = code.kind.value if code else BUILT_IN
    if code is not None:
        state.update(
            {"f_model_ref": code.reference, LOADED_KEY: f"{code.kind}:{code.reference}:{code.sha256}"}
        )
    return state
