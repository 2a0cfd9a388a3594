"""A real table in a real browser: upload, pick a class target, search, read the verdict
against every baseline, gradient boosting included.

The table has text categories and gaps (empty, NA, ?, null cells), a yes/no column and an
ID-like name; its class column is not the last one, so the target must be picked.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.charts import live_chart, plotly_files
from tests.table_cases import mixed_table, regression_table

pytestmark = pytest.mark.browser
STATE = ".st-key-run-state"


def no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


def choose(page: Page, label: str, option: str | re.Pattern[str], shows: Locator, gone: bool = False) -> None:
    """Pick ``option`` in the selectbox labelled ``label``, and wait until the rerun the pick
    started has drawn what it ``shows`` (something the page did not show before; with
    ``gone``, something it showed and no longer does) and ended.

    The page reads "notRunning" for about half a second after a pick, until the server
    starts the rerun (measured: 0.4-0.5 s here, more on a busy machine), so waiting for
    "notRunning" alone let the next dropdown open just before that rerun drew the page
    again, and its options left the DOM under the pointer (reproduced 1 in 10 under two
    busy loops). An effect of the pick proves the rerun began; "notRunning" then, that it
    is over.
    """
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(idle).to_have_count(1)  # whatever ran before: a radio's rerun, say
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option).click()
    expect(shows).to_have_count(0) if gone else expect(shows).to_be_visible()
    expect(idle).to_have_count(1)


def test_a_table_with_categories_and_gaps_gets_a_classifier_a_baseline_and_a_confusion_matrix(
    new_page: Callable[[str], Page], screenshot: Callable[..., Path], server: SimpleNamespace, tmp_path: Path
) -> None:
    frame = pd.read_csv(io.StringIO(mixed_table(rows=90, classes=3)), keep_default_na=False, dtype=str)
    upload = tmp_path / "customers.csv"
    frame[["label", "size", "colour", "garden", "name"]].to_csv(upload, index=False)  # target first

    page = new_page("launch")
    expect(page.get_by_role("heading", name="Launch a run")).to_be_visible()
    penguins = page.get_by_text("12 trials", exact=False).first  # its random search's budget
    choose(page, "Start from a preset", re.compile(r"^penguins"), penguins)
    choose(page, "Dataset", "Upload a CSV file", uploader(page))
    uploader(page).locator('input[type="file"]').set_input_files(str(upload))
    expect(page.get_by_text("Columns (what training will do with each)")).to_be_visible()
    choose(page, "Target column", "label", page.get_by_text("classification for label"))
    expect(page.get_by_text("Class balance (3 classes)")).to_be_visible()
    expect(page.get_by_text("Select by (classification metric)")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Fit every baseline")).to_be_checked()  # the preset asks
    trials = page.get_by_role("spinbutton", name="Trials")
    trials.fill("3")
    trials.press("Enter")
    expect(page.get_by_text("3 trials", exact=False).first).to_be_visible()
    no_exception(page)
    screenshot(page, "launch-table")

    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/monitor\?run=random-"))
    expect(page.locator(STATE)).to_contain_text("finished", timeout=180_000)
    no_exception(page)

    expect(page.get_by_text(re.compile(r"Trial #\d+: validation log loss"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"accuracy \d"))).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"the tuned network (beats|trails|ties with) majority class"))
    ).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"(beats|trails|ties with) gradient boosting \(log loss"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"fit time \(every fold\):.*gradient boosting"))).to_be_visible()
    confusion = live_chart(page, "confusion")
    expect(confusion).to_be_visible()
    matrix = confusion.evaluate("plot => ({type: plot.data[0].type, classes: plot.data[0].x})")
    assert matrix == {"type": "heatmap", "classes": ["c0", "c1", "c2"]}

    history = live_chart(page, "history")
    expect(history).to_be_visible()
    labels = history.evaluate("plot => (plot.layout.annotations || []).map(a => a.text)")
    assert any(text.startswith("baseline: logistic regression") for text in labels), labels
    assert any(text.startswith("baseline: majority class") for text in labels), labels
    assert any(text.startswith("baseline: gradient boosting") for text in labels), labels
    dashes = history.evaluate("plot => (plot.layout.shapes || []).map(s => s.line.dash)")
    assert dashes == ["dot", "dash", "dashdot"], dashes  # each baseline its own dotted line
    screenshot(page, "monitor-table")

    # Opened afresh, the finished run's Monitor, its test picture included, loads one plotly.js.
    fresh = new_page(page.url.split("/", 3)[3])
    expect(live_chart(fresh, "confusion")).to_be_visible(timeout=30_000)
    assert plotly_files(fresh) == ["cartesian"]


def test_changing_target_task_and_dataset_in_any_order_keeps_the_form_working(
    new_page: Callable[[str], Page], tmp_path: Path
) -> None:
    """A house table whose last column is yes/no: classification is inferred. Changing the
    target to the price, then clicking any other widget, raised "'inferred: classification'
    is not a valid Task" on every click: the task picker's option for the inferred task was
    labelled with it, and the browser sent back the old label."""
    frame = pd.read_csv(io.StringIO(regression_table(rows=40)))
    upload = tmp_path / "houses.csv"
    frame[["area", "district", "price", "pool"]].to_csv(upload, index=False)  # yes/no last

    page = new_page("launch")
    classes = page.get_by_text("Class balance (2 classes)")
    regression = page.get_by_text("Regression: the model predicts price's value.")
    choose(page, "Dataset", "Upload a CSV file", uploader(page))
    uploader(page).locator('input[type="file"]').set_input_files(str(upload))
    expect(classes).to_be_visible()
    choose(page, "Target column", "price", regression)
    folds(page, 2)  # any other widget
    expect(page.get_by_text("each training 2 model(s) per configuration")).to_be_visible()
    no_exception(page)
    task = page.get_by_test_id("stRadio").filter(has_text="Task")
    problems = page.get_by_text("problem(s) to fix above")
    task.get_by_text("classification", exact=True).click()  # a price as classes: too rare each
    expect(problems).to_be_visible()
    task.get_by_text("regression", exact=True).click()
    expect(problems).to_have_count(0)
    expect(regression).to_be_visible()
    no_exception(page)
    refused = page.get_by_text("can only be predicted as classes")
    choose(page, "Target column", "pool", refused)  # still asked for an amount: yes/no cannot be one
    no_exception(page)
    choose(page, "Dataset", re.compile(r"^Diabetes"), uploader(page), gone=True)
    choose(page, "Dataset", "Upload a CSV file", uploader(page))
    uploader(page).locator('input[type="file"]').set_input_files(str(upload))
    expect(classes).to_be_visible()
    choose(page, "Target column", "price", regression)
    folds(page, 3)
    expect(page.get_by_text("each training 3 model(s) per configuration")).to_be_visible()
    no_exception(page)


def folds(page: Page, count: int) -> None:
    """Set the CV folds: a widget away from the table's."""
    field = page.get_by_role("spinbutton", name="CV folds")
    field.fill(str(count))
    field.press("Enter")


def uploader(page: Page) -> Locator:
    return page.get_by_test_id("stFileUploader")
