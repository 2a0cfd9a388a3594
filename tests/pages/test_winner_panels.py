"""Monitor, "Use the model": the model folder to download, the refit button, the Python
snippet, and predicting uploaded rows (with refusals and metrics)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages._shared.winner_panels import PREDICT_OPEN_KEY, SNIPPET_OPEN_KEY, UPLOAD_KEY
from tests.code_files import TINY_MODEL, write_code
from tests.pages.page_helpers import click, errors, open_lazy, texts
from tests.runs_helpers import run_in_process
from tests.table_cases import mixed_table
from tuning import CodeKind, RunSpec, create_run
from tuning.training.worker import Worker, WorkerOptions

TEXT = mixed_table(rows=60, classes=2)


def finished_table_run(storage_url: str, name: str = "t", text: str = TEXT) -> None:
    spec = RunSpec.from_dict({
        "dataset": {"name": "csv", "target": "label", "filename": "t.csv"}, "strategy": "random",
        "budget": {"n_trials": 1}, "space": {"hidden_size": 8, "epochs": 4},
        "task": "classification", "metric": "log_loss",
    })  # fmt: skip
    create_run(spec, name, storage_url, text)
    Worker(name, storage_url, WorkerOptions()).work()


def test_an_ended_run_offers_its_model_and_predicts_uploaded_rows(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    finished_table_run(storage_url)
    at = open_page("pages/monitor.py", run="t")
    assert "Download the model (.zip)" in [b.label for b in at.download_button]
    assert "Use the model" in [h.value for h in at.subheader]
    open_lazy(at, SNIPPET_OPEN_KEY, PREDICT_OPEN_KEY)
    assert 'model = load_model("t")' in "\n".join(c.value for c in at.code)

    at.file_uploader(key=UPLOAD_KEY).set_value(("rows.csv", TEXT.encode(), "text/csv")).run()
    assert not at.exception and not errors(at)
    shown = at.dataframe[-1].value
    assert len(shown) == 20 and {"predicted_label", "probability_c0", "probability_c1"} <= set(shown.columns)
    page = texts(at)
    assert "60 prediction(s) from the selected model of run t (trial #0, chosen on validation)" in page
    assert "Ignored (not used by the model): name" in page
    assert "**On these 60 rows with a target**, beside the test rows:" in page and "| accuracy |" in page
    assert "Download all predictions (CSV)" in [b.label for b in at.download_button]

    at.file_uploader(key=UPLOAD_KEY).set_value(
        ("bad.csv", b"size,colour,garden\nbig,red,yes\n", "text/csv")
    ).run()
    assert errors(at) == [
        "new rows: column 'size' holds 'big' in row 1: text in a column that was a number in training: fix or empty that cell"
    ]

    click(at, "Refit on training + validation rows")
    assert no_workers == ["t"] and "Refit of trial #0: requested." in texts(at)


def test_names_in_inline_code_show_without_backslashes(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """A code span shows backslash escapes literally: `bill\\_length\\_mm` read so on the page."""
    finished_table_run(storage_url, "peng-a", TEXT.replace("size,colour", "bill_length_mm,body_mass_g", 1))
    at = open_lazy(open_page("pages/monitor.py", run="peng-a"), PREDICT_OPEN_KEY)
    caption = next(c.value for c in at.caption if "python -m tuning model" in c.value)
    assert caption.endswith("`python -m tuning model peng-a --out DIR` writes the same.")
    label = at.file_uploader(key=UPLOAD_KEY).label
    assert label == "Rows to predict: a CSV with the columns `bill_length_mm`, `body_mass_g`, `garden`"


def test_refusals_of_uploaded_rows_name_the_new_rows_and_list_columns_plainly(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    finished_table_run(storage_url)
    at = open_lazy(open_page("pages/monitor.py", run="t"), PREDICT_OPEN_KEY)
    uploads = {
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR": "new rows: the file is binary, not a CSV text file",
        b"size,garden\n1,yes\n": (
            "new rows: the column(s) colour are missing; the model was trained on size, colour, garden "
            "(other columns are ignored)"
        ),
    }
    for data, message in uploads.items():
        at.file_uploader(key=UPLOAD_KEY).set_value(("junk.csv", data, "text/csv")).run()
        assert not at.exception and errors(at) == [message]


def test_a_demo_refuses_an_oversized_upload_of_new_rows_by_its_name(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished_table_run(storage_url)
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    at = open_lazy(open_page("pages/monitor.py", run="t"), PREDICT_OPEN_KEY)
    rows = b"size,colour,garden\n" + b"1.5,red,yes\n" * 100_000  # 1.2 MB, over the demo's 1 MB
    at.file_uploader(key=UPLOAD_KEY).set_value(("rows.csv", rows, "text/csv")).run()
    assert not at.exception
    assert errors(at) == ["new rows: the file is 1.2 MB, over the limit of 1.0 MB; upload fewer rows"]


def test_probabilities_are_shown_rounded_and_kept_whole(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    finished_table_run(storage_url)
    at = open_lazy(open_page("pages/monitor.py", run="t"), PREDICT_OPEN_KEY)
    at.file_uploader(key=UPLOAD_KEY).set_value(("rows.csv", TEXT.encode(), "text/csv")).run()
    table = at.dataframe[-1]
    config = json.loads(table.proto.columns)
    for name in ("probability_c0", "probability_c1"):
        assert config[name]["type_config"]["format"] == "%.3f", config
        assert table.value[name].dtype == "float64"  # the grid formats; the values stay whole
    assert "size" not in config and "predicted_label" not in config


def test_a_refit_run_shows_both_models_on_test_and_predicts_with_the_refit(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    spec = RunSpec.from_dict({
        "dataset": {"name": "synthetic-houses", "rows": 120}, "strategy": "random", "budget": {"n_trials": 1},
        "space": {"hidden_size": 8, "epochs": 3}, "refit": True,
    })  # fmt: skip
    create_run(spec, "r", storage_url)
    Worker("r", storage_url, WorkerOptions()).work()
    at = open_page("pages/monitor.py", run="r")
    page = texts(at)
    assert "trained on 96 training + validation rows for 3 epochs; predictions use it" in page
    assert "| test rows | selected model | refit model |" in page and "| MSE |" in page
    open_lazy(at, PREDICT_OPEN_KEY)
    assert at.radio(key="predict_model").value == "refit"
    rows = "size_m2,bedrooms,age_years,distance_km\n120,3,10,5\n"
    at.file_uploader(key=UPLOAD_KEY).set_value(("rows.csv", rows.encode(), "text/csv")).run()
    assert "1 prediction(s) from the refit model of run r" in texts(at)


def test_a_model_files_winner_predicts_uploaded_rows_or_says_it_takes_arrays(
    open_page: Callable[..., AppTest], storage_url: str, code_root: Path
) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    on_table = {"dataset": {"name": "synthetic-houses", "rows": 60}, "budget": {"n_trials": 1}}
    for name, raw in (("table", on_table), ("arrays", {"budget": {"n_trials": 1}})):
        run_in_process(RunSpec.for_code(CodeKind.MODEL, "tiny.py", raw), storage_url, name)
    at = open_lazy(open_page("pages/monitor.py", run="table"), PREDICT_OPEN_KEY)
    rows = "size_m2,bedrooms,age_years,distance_km\n120,3,10,5\n80,2,30,1\n"
    at.file_uploader(key=UPLOAD_KEY).set_value(("rows.csv", rows.encode(), "text/csv")).run()
    assert not at.exception and not errors(at)
    assert "2 prediction(s) from the selected model of run table" in texts(at)  # through its own process
    at = open_lazy(open_page("pages/monitor.py", run="arrays"), PREDICT_OPEN_KEY)
    assert "it takes inputs shaped (3) per row, as data() gives them" in texts(at)
    assert [u for u in at.get("file_uploader")] == []
