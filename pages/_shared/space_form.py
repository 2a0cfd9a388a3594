"""The search space as widgets: one row per hyperparameter, fixed, a range, or listed values.

The rows are the model family's hyperparameters (the built-in MLP's, or a model file's
``SPACE`` and the training loop's). They keep their values in ``st.session_state`` under
``f_<param>_<part>`` keys, so a preset or a model file fills them (``space_state``) and
the page reads them back as the spec's plain data (``space_from_state``). Whether that
data is a valid space is the engine's call (``RunSpec.from_dict``); only text that is not
a number is refused here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from tuning import Hyperparameter, WidgetKind

Known = Mapping[str, Hyperparameter]

MODES = {"fixed": "Fixed", "range": "Range", "values": "Values"}


def key(name: str, part: str) -> str:
    return f"f_{name}_{part}"


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def space_state(space: dict[str, Any], known: Known) -> dict[str, Any]:
    """Session-state values for every row of the family's hyperparameters ``known`` from a
    spec's raw ``space`` (a preset's, or a model file's SPACE)."""
    state: dict[str, Any] = {}
    for name, entry in known.items():
        domain, raw = entry.domain, space.get(name, entry.domain.default)
        low, high = entry.widget.default_range
        state.update(
            {
                key(name, "mode"): "fixed",
                key(name, "fixed"): domain.default,
                key(name, "values"): list(domain.choices) if domain.choices else [domain.default],
                key(name, "range"): (low, high),
                key(name, "low"): low,
                key(name, "high"): high,
                key(name, "step"): 0.0,
            }
        )
        if not isinstance(raw, dict):
            state[key(name, "fixed")] = raw
        elif raw.get("type") == "choice":
            state.update({key(name, "mode"): "values", key(name, "values"): list(raw["values"])})
        else:
            low, high = raw["low"], raw["high"]
            state.update(
                {
                    key(name, "mode"): "range",
                    key(name, "range"): (low, high),
                    key(name, "low"): low,
                    key(name, "high"): high,
                    key(name, "step"): float(raw.get("step") or 0.0),
                }
            )
    return state


def space_from_state(state: Any, known: Known) -> tuple[dict[str, Any], dict[str, str]]:
    """The raw ``space`` the rows of ``known`` describe, and the rows whose typed values are
    not numbers."""
    space: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, entry in known.items():
        domain, mode = entry.domain, state[key(name, "mode")]
        if mode == "fixed":
            space[name] = state[key(name, "fixed")]
        elif mode == "values":
            try:
                values = [_number(v, domain.kind) for v in state[key(name, "values")]]
            except ValueError as error:
                problems[f"space.{name}"] = str(error)
                continue
            space[name] = {"type": "choice", "values": values}
        else:
            slid = entry.kind in (WidgetKind.LOG_SLIDER, WidgetKind.SLIDER)
            bounds = (
                state[key(name, "range")] if slid else (state[key(name, "low")], state[key(name, "high")])
            )
            raw: dict[str, Any] = {"type": domain.kind.__name__, "low": bounds[0], "high": bounds[1]}
            if entry.kind is WidgetKind.LOG_SLIDER:
                raw["log"] = True
            step = state.get(key(name, "step")) or 0
            if domain.kind is float and entry.kind is not WidgetKind.LOG_SLIDER and step > 0:
                raw["step"] = step
            space[name] = raw
    return space, problems


def _number(value: Any, kind: type) -> Any:
    """A value typed into a multiselect as the hyperparameter's kind, or ValueError in words."""
    if kind is str or not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number; type values like 0.001 or 1e-3") from None
    return int(number) if kind is int and number.is_integer() else number


def param_row(name: str, entry: Hyperparameter) -> Any:
    """Draw one hyperparameter's row; returns the slot under it for its error message."""
    domain, hint = entry.domain, entry.widget
    label, mode_col, value_col = st.columns([2, 2, 5], vertical_alignment="center")
    label.markdown(f"**{hint.label}**", help=f"`{name}`: {hint.help}")
    modes = ["fixed", "values"] if entry.kind is WidgetKind.SELECT else list(MODES)
    mode = mode_col.segmented_control(
        f"{name} mode",
        modes,
        format_func=MODES.__getitem__,
        key=key(name, "mode"),
        required=True,
        label_visibility="collapsed",
        persist_state="session",
    )
    with value_col:
        if mode == "range":
            _range(name, entry)
        elif mode == "values":
            options = sorted({*hint.suggestions, *st.session_state[key(name, "values")]}, key=_order)
            st.multiselect(
                f"{name} values",
                options,
                format_func=_fmt,
                key=key(name, "values"),
                accept_new_options=domain.kind is not str,
                label_visibility="collapsed",
                placeholder="pick or type values",
                persist_state="session",
            )
        elif entry.kind is WidgetKind.SELECT:
            st.selectbox(
                f"{name} value",
                domain.choices,
                key=key(name, "fixed"),
                label_visibility="collapsed",
                persist_state="session",
            )
        else:
            _number_input(name, domain, "fixed", f"{name} value")
    return st.empty()


def _order(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, (int, float)) else (1, str(value))


def _range(name: str, entry: Hyperparameter) -> None:
    hint = entry.widget
    if entry.kind is WidgetKind.LOG_SLIDER:
        options = sorted({*hint.ladder, *st.session_state[key(name, "range")]})
        st.select_slider(
            f"{name} range",
            options,
            # Streamlit 1.67 decides "range or single" from ``value`` alone, never from the
            # session state: without a pair here a range comes back as one value.
            value=(hint.ladder[0], hint.ladder[-1]),
            format_func=_fmt,
            key=key(name, "range"),
            label_visibility="collapsed",
            persist_state="session",
        )
        return
    if entry.kind is WidgetKind.SLIDER and hint.slider is not None:
        low, high, step = hint.slider
        bounds, step_col = st.columns([4, 1]) if entry.domain.kind is float else (st.container(), None)
        bounds.slider(
            f"{name} range",
            low,
            high,
            step=step,
            key=key(name, "range"),
            label_visibility="collapsed",
            persist_state="session",
        )
        if step_col is not None:
            step_col.number_input(
                "grid step",
                0.0,
                1.0,
                step=0.05,
                key=key(name, "step"),
                format="%g",
                help="0 = continuous; a grid needs a step",
                persist_state="session",
            )
        return
    low, high = st.columns(2)
    with low:
        _number_input(name, entry.domain, "low", f"{name} from")
    with high:
        _number_input(name, entry.domain, "high", f"{name} to")


def _number_input(name: str, domain: Any, part: str, label: str) -> None:
    whole = domain.kind is int
    st.number_input(
        label,
        min_value=None if domain.low is None else (int(domain.low) if whole else float(domain.low)),
        max_value=int(domain.high) if whole and domain.high else None,
        step=1 if whole else None,
        format=None if whole else "%g",
        key=key(name, part),
        label_visibility="visible" if part != "fixed" else "collapsed",
        persist_state="session",
    )
