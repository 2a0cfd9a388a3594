"""Analysis: Optuna's views of a run, or a message when the run cannot fill one yet."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from tests.fake_runs import make_run
from tests.pages.page_helpers import figures, texts
from tuning import preset_spec


@pytest.mark.parametrize("view", ["importance", "slice", "contour", "parallel", "edf"])
def test_every_view_draws_a_run(open_page: Callable[..., AppTest], storage_url: str, view: str) -> None:
    make_run(storage_url, "tpe", 30, spec=preset_spec("article-optuna"))
    at = open_page("pages/analysis.py", run="tpe", view=view)
    assert at.segmented_control(key="view").value == view
    (figure,) = figures(at)
    assert figure["data"]
    assert "30 complete trials of 30" in texts(at)


def test_too_few_trials_is_a_message_not_an_exception(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "young", 3, spec=preset_spec("article-optuna"), finished=False)
    at = open_page("pages/analysis.py", run="young")
    assert "needs at least 5 complete trial(s); this run has 3 so far" in at.info[0].value
    assert not figures(at)
    at.segmented_control(key="view").set_value("slice").run()
    assert not at.exception and len(figures(at)) == 1


def test_importances_of_a_handful_of_trials_come_with_a_warning(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """Eight trials gave the learning rate 0.81 of the network's size, which it cannot move,
    with nothing to say the bars were chance."""
    make_run(storage_url, "few", 8, spec=preset_spec("article-optuna"))
    make_run(storage_url, "enough", 30, spec=preset_spec("article-optuna"))
    at = open_page("pages/analysis.py", run="few", view="importance")
    assert figures(at)
    assert [w.value for w in at.warning] == [
        "Only 8 complete trial(s): parameter importances from fewer than 30 are a rough estimate; "
        "a handful of trials cannot tell a hyperparameter that moves an objective from chance, and "
        "the importances always add up to 1: even one that cannot move it (the learning rate, for "
        "the network's size) gets a share."
    ]
    at.segmented_control(key="view").set_value("slice").run()
    assert not at.warning  # the other views show the trials themselves
    at.selectbox(key="analysis_run").set_value("enough").run()
    at.segmented_control(key="view").set_value("importance").run()
    assert not at.warning and figures(at)


def test_a_contour_needs_two_hyperparameters(open_page: Callable[..., AppTest], storage_url: str) -> None:
    make_run(storage_url, "tpe", 10, spec=preset_spec("article-optuna"))
    at = open_page("pages/analysis.py", run="tpe", view="contour")
    at.multiselect(key="contour_params").set_value(["lr"]).run()
    assert "Choose two or more hyperparameters" in texts(at)
