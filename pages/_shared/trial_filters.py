"""The trials table's filter widgets: they build a ``TrialFilter``; the engine applies it.

Hyperparameter widgets take their bounds from the run's spec (``filter_fields``), which
never move, so a narrowed range survives a live run's refreshes. The loss is filtered by
two optional numbers for the same reason: its bounds move with every trial.
"""

from __future__ import annotations

import math

import streamlit as st

from pages._shared.common import ERROR, plain
from tuning import TRIAL_STATES, FieldError, FieldKind, FilterField, TrialFilter

LOG_STEP = 0.01  # decades


def trial_filter(fields: list[FilterField]) -> TrialFilter:
    """Filter widgets in an expander; the filter they describe (empty: every trial)."""
    with st.expander("Filter trials", icon=":material/filter_list:"):
        state_col, low_col, high_col = st.columns([2, 1, 1])
        states = state_col.multiselect("State", TRIAL_STATES, default=TRIAL_STATES, key="filter_states")
        low = low_col.number_input("Loss at least", value=None, format="%.5g", key="filter_loss_low")
        high = high_col.number_input("Loss at most", value=None, format="%.5g", key="filter_loss_high")
        ranges: dict[str, tuple[float | None, float | None]] = {}
        if low is not None or high is not None:
            ranges["loss"] = (low, high)
        options: dict[str, frozenset[object]] = {}
        for column, field in zip(st.columns(3) * len(fields), fields, strict=False):
            with column:
                _field_widget(field, ranges, options)
        narrowed = frozenset(states) if len(states) < len(TRIAL_STATES) else None
        try:
            return TrialFilter(narrowed, ranges, options)
        except FieldError as error:
            st.error(plain(str(error)), icon=ERROR)
            return TrialFilter()


def _field_widget(
    field: FilterField,
    ranges: dict[str, tuple[float | None, float | None]],
    options: dict[str, frozenset[object]],
) -> None:
    """One hyperparameter's widget; adds to ``ranges`` or ``options`` only when it narrows."""
    key = f"filter_{field.name}"
    if field.kind is FieldKind.CHOICE:
        chosen = st.multiselect(field.name, field.options, default=field.options, key=key)
        if len(chosen) < len(field.options):
            options[field.name] = frozenset(chosen)
        return
    if field.kind is FieldKind.LOG_RANGE:
        bounds = (math.log10(field.low), math.log10(field.high))
        low, high = st.slider(f"{field.name} (log₁₀)", *bounds, bounds, step=LOG_STEP, key=key)
        if (low, high) != bounds:  # a hair wider: the slider's ends are rounded to its step
            ranges[field.name] = (10 ** (low - LOG_STEP / 2), 10 ** (high + LOG_STEP / 2))
        return
    kind = int if field.integer else float
    bounds = (kind(field.low), kind(field.high))
    low, high = st.slider(field.name, *bounds, bounds, key=key)
    if (low, high) != bounds:
        ranges[field.name] = (low, high)
