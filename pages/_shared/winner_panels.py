"""The Monitor's "Use the model" panels on an ended run: the model folder to download, the
refit, five lines of Python, and predicting uploaded rows.

Everything here calls the engine (``tuning``): predicting happens in this process with the
model folder's numpy path (no torch, no pickle), or, for a model file's network, in a
process the engine starts (this one never imports torch or the user's file); a refit is a
worker's job, asked for here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from pages._shared.common import (
    ERROR,
    INFO,
    WARNING,
    code_span,
    end_live,
    live_panel,
    on_demand,
    plain,
    storage_url,
)
from pages._shared.lifecycle_panels import actor, attempt, guarded_button, refusal
from pages._shared.monitor_panels import markdown_table, table_cell
from tuning import (
    Prediction,
    Refit,
    RefitState,
    Run,
    RunSnapshot,
    RunSummary,
    TuningError,
    WinnerModel,
    csv_limits,
    get_metric,
    load_model,
    metrics_table,
    model_archive,
    model_snippet,
    predictions_csv,
    read_rows,
    read_weights,
    refit_of,
    refit_run,
    with_predictions,
)

if TYPE_CHECKING:  # what st.column_config's functions return; Streamlit exports no public name for it
    from streamlit.elements.lib.column_types import ColumnConfig

SNIPPET_OPEN_KEY = "monitor_snippet_open"
PREDICT_OPEN_KEY = "monitor_predict_open"
MODEL_CHOICE_KEY = "predict_model"
UPLOAD_KEY = "predict_rows"
#: Rows of the predictions shown on the page; the download holds them all.
SHOWN_ROWS = 20
#: How the page shows a class probability (the download keeps full precision).
PROBABILITY_FORMAT = "%.3f"


def model_download(run: Run, summary: RunSummary) -> None:
    """The model folder as a zip once the run has ended (an older run's weights file, with
    how to convert it)."""
    if summary.active:
        st.caption("The model can be downloaded once the run ends.")
        return
    archive = model_archive(run)
    if archive:
        st.download_button(
            "Download the model (.zip)", archive, file_name=f"{run.name}-model.zip",
            mime="application/zip", icon=":material/download:", on_click="ignore",
        )  # fmt: skip
        st.caption(
            "A model folder without pickle: weights as safetensors, the preprocessing as JSON, "
            "`model.json`, and the network as TorchScript (a model file's network when it scripts; "
            "`model.json` says why not otherwise). "
            f"{code_span(f'python -m tuning model {run.name} --out DIR')} writes the same."
        )
        return
    weights = read_weights(run)
    if weights:
        st.download_button(
            "Download weights (.pt)", weights, file_name=f"{run.name}-best-weights.pt",
            mime="application/octet-stream", icon=":material/download:", on_click="ignore",
        )  # fmt: skip
        st.caption(
            "This run was stored before model folders: its preprocessing is a pickle. If you trust "
            f"it, {code_span(f'python -m tuning model {run.name} --out DIR --trust-pickle')} converts it."
        )


def winner_panels(snapshot: RunSnapshot) -> None:
    """Below the live view of an ended run with a winner: refit, Python, predictions."""
    run, summary = snapshot.run, snapshot.summary
    if summary.active or summary.best_trial is None or summary.test_metrics is None:
        return
    st.subheader("Use the model")
    refit = refit_of(run)
    refit_panel(run, summary, refit)
    on_demand(
        "Load it in Python", ":material/code:", SNIPPET_OPEN_KEY,
        lambda: st.code(model_snippet(run.name), language="python"),
    )  # fmt: skip
    on_demand(
        "Predict new rows", ":material/table_eye:", PREDICT_OPEN_KEY,
        lambda: predict_panel(run, refit is not None and refit.state is RefitState.DONE),
    )  # fmt: skip


def refit_panel(run: Run, summary: RunSummary, refit: Refit | None) -> None:
    """The refit's state, its test figures beside the selected model's, or the button."""
    trial = f"trial #{summary.best_trial}"
    if refit is not None and refit.state.pending:
        live_panel(lambda live: refit_progress(run, trial), live=True)
        return
    if refit is not None and refit.state is RefitState.DONE:
        st.markdown(
            f"**Refit**: {trial}'s configuration trained on {refit.rows:,} training + validation rows "
            f"for {refit.epochs} epochs; predictions use it."
        )
        rows = (
            (get_metric(name).label, table_cell(selected), table_cell((refit.test_metrics or {}).get(name)))
            for name, selected in (summary.test_metrics or {}).items()
        )
        st.markdown(markdown_table(("test rows", "selected model", "refit model"), rows))
        return
    if refit is not None and refit.state is RefitState.FAILED:
        st.warning(f"The refit failed: {plain(refit.error)}", icon=WARNING)
    help_text = (
        f"trains {trial}'s configuration once more on the training and validation rows, for the "
        "epochs it was selected with, tests it once on the test rows; predictions then use it"
    )
    if guarded_button(
        "Refit on training + validation rows", refusal(run), help_text, icon=":material/replay:"
    ):
        attempt(lambda: f"Refit of {run.name}'s winner requested: {refit_run(run.name, actor()).state.value}")


def refit_progress(run: Run, trial: str) -> None:
    """A pending refit's state, read again every refresh; once it has ended, one full rerun
    shows its test figures (or why it failed) and offers it to the predictions."""
    refit = refit_of(run)
    if refit is None or not refit.state.pending:
        end_live()
    st.info(f"Refit of {trial}: {refit.state.value}. This panel follows it.", icon=INFO)


def predict_panel(run: Run, has_refit: bool) -> None:
    """Upload rows, see the first predictions and the metrics when they carry the target,
    download them all."""
    which = (
        st.radio("Model", ["refit", "selected"], horizontal=True, key=MODEL_CHOICE_KEY) if has_refit else None
    )
    try:
        model = load_model(run.name, storage_url(), which or "selected")
    except TuningError as error:
        st.error(plain(error), icon=ERROR)
        return
    if model.network.get("takes") == "arrays":  # a model file's data(): no rows to upload
        st.caption(plain(model.arrays_only()))
        return
    columns = ", ".join(code_span(name) for name in model.columns)
    upload = st.file_uploader(
        f"Rows to predict: a CSV with the columns {columns}", type=["csv"], key=UPLOAD_KEY
    )
    if upload is None:
        return
    try:
        rows = read_rows(upload.getvalue(), csv_limits())
        prediction = model.predict_rows(rows)
    except TuningError as error:
        st.error(plain(error), icon=ERROR)
        return
    show_predictions(run, model, rows, prediction)


def show_predictions(run: Run, model: WinnerModel, rows: pd.DataFrame, prediction: Prediction) -> None:
    """What the predictions are, the first rows, the metrics, and the download of all."""
    st.caption(f"{len(prediction.frame):,} prediction(s) from {plain(prediction.model)}.")
    if prediction.ignored:
        st.caption(f"Ignored (not used by the model): {plain(', '.join(prediction.ignored))}.")
    shown = with_predictions(rows.head(SHOWN_ROWS), prediction)  # the rows beside their predictions
    rounded = probability_columns(shown, rows, prediction)
    st.dataframe(shown, hide_index=True, key="predictions_shown", column_config=rounded)
    if prediction.metrics:
        figures = metrics_table(prediction, model.card.get("test_metrics"))
        st.markdown(
            f"**On these {prediction.scored:,} rows with a target**, beside the test rows:\n\n"
            + markdown_table(
                ("metric", "these rows", "test rows"),
                ((m, table_cell(a), table_cell(b)) for m, a, b in figures),
            )
        )
    if prediction.unknown_labels:
        st.caption(
            f"Left out of the metrics: classes the model never saw, {plain(list(prediction.unknown_labels))}."
        )
    st.download_button(
        "Download all predictions (CSV)", predictions_csv(prediction.frame),
        file_name=f"{run.name}-predictions.csv", mime="text/csv", icon=":material/download:",
        on_click="ignore",
        help="one row per uploaded row, in the same order",
    )  # fmt: skip


def probability_columns(
    shown: pd.DataFrame, rows: pd.DataFrame, prediction: Prediction
) -> dict[str, ColumnConfig]:
    """The shown probability columns to three decimals (a raw 2e-16 is 0.000), however
    ``with_predictions`` renamed them; the download keeps every digit."""
    added = shown.columns[len(rows.columns) :]  # the prediction columns, in their order
    return {
        str(label): st.column_config.NumberColumn(
            format=PROBABILITY_FORMAT, help="rounded here; the downloaded CSV holds every digit"
        )
        for label, name in zip(added, prediction.frame.columns, strict=True)
        if name in prediction.probabilities
    }
