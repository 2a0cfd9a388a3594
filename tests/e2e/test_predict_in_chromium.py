"""The Predict panel in a real browser: upload rows to a finished run's Monitor, read the
first predictions and the metrics beside the test figures, download them all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.table_cases import mixed_table
from tuning import RunSpec, create_run, load_run
from tuning.storage.refit import ask_refit
from tuning.training.worker import Worker, WorkerOptions

pytestmark = pytest.mark.browser
TEXT = mixed_table(rows=60, classes=2)


def test_uploaded_rows_are_predicted_shown_scored_and_downloaded(
    new_page: Callable[[str], Page], server: SimpleNamespace, tmp_path: Path
) -> None:
    spec = RunSpec.from_dict({
        "dataset": {"name": "csv", "target": "label", "filename": "t.csv"}, "strategy": "random",
        "budget": {"n_trials": 1}, "space": {"hidden_size": 8, "epochs": 4},
        "task": "classification", "metric": "log_loss",
    })  # fmt: skip
    create_run(spec, "predicted", server.storage, TEXT)
    Worker(
        "predicted", server.storage, WorkerOptions()
    ).work()  # in this process: the model is stored with the run
    upload = tmp_path / "new-rows.csv"
    upload.write_text(TEXT)

    page = new_page("monitor?run=predicted")
    expect(page.get_by_role("heading", name="Use the model")).to_be_visible()
    page.get_by_text("Predict new rows").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    expect(page.get_by_text("60 prediction(s) from the selected model of run predicted")).to_be_visible()
    expect(page.get_by_text("On these 60 rows with a target")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download all predictions (CSV)").click()
    saved = tmp_path / "predictions.csv"
    download.value.save_as(saved)
    predictions = pd.read_csv(saved)
    assert len(predictions) == 60 and set(predictions["predicted_label"]) <= {"c0", "c1"}


def test_a_refit_asked_for_is_followed_until_its_figures_show(
    new_page: Callable[[str], Page], server: SimpleNamespace
) -> None:
    """The panel said 'Reload the page to see it when it is done' and never changed by itself."""
    spec = RunSpec.from_dict({
        "dataset": {"name": "synthetic-houses", "rows": 120}, "strategy": "random",
        "budget": {"n_trials": 1}, "space": {"hidden_size": 8, "epochs": 3},
    })  # fmt: skip
    create_run(spec, "refits", server.storage)
    Worker("refits", server.storage, WorkerOptions()).work()
    ask_refit(load_run("refits", server.storage))  # as Refit's button asks, with no worker yet

    page = new_page("monitor?run=refits")
    expect(page.get_by_text("Refit of trial #0: requested. This panel follows it.")).to_be_visible()
    Worker("refits", server.storage, WorkerOptions()).work()  # the worker the button would start
    expect(page.get_by_text("trained on 96 training + validation rows for 3 epochs")).to_be_visible()
    expect(page.get_by_text("This panel follows it")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
