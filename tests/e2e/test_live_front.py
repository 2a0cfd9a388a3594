"""The Monitor's front in Chromium: it follows a running trade-off run live, and a pick moves
the winner (pages/_shared/front_panel.py)."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from optuna.trial import TrialState, create_trial
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.charts import live_chart
from tests.fake_runs import make_run
from tuning import load_run, preset_spec, summarize

pytestmark = pytest.mark.browser


def trial_numbers(plot: Locator, trace: str) -> list[int]:
    """The trials the trace called ``trace`` draws (each point's id is its trial number)."""
    ids = plot.evaluate("(plot, name) => (plot.data.find(t => t.name === name) || {}).ids || []", trace)
    return sorted(int(n) for n in ids)


def wait_for(plot: Locator, trace: str, numbers: list[int], seconds: float = 60) -> None:
    """Until the chart draws exactly these trials in ``trace``. The locator is resolved on
    every look: a full page run (after a pick) may draw the graph in a new element."""
    deadline = time.monotonic() + seconds
    while (drawn := trial_numbers(plot, trace)) != numbers:
        assert time.monotonic() < deadline, f"{trace} stayed at {drawn}, not {numbers}"
        plot.page.wait_for_timeout(250)


def choose(page: Page, label: str, option: re.Pattern[str], attempts: int = 5) -> None:
    """Pick ``option`` in the selectbox labelled ``label``. A list opened while the page's own
    run is still drawing is drawn again and closes (the live panel's reruns leave it open):
    then it is opened again, once that run has ended."""
    for _ in range(attempts):
        expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(1)
        page.get_by_test_id("stSelectbox").filter(has_text=label).click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"the list of {label!r} never held {option.pattern} long enough to pick it")


def add_dominating_trial(storage: str, name: str) -> int:
    """A trial better than every other in both objectives, stored as a worker would."""
    study = load_run(name, storage).study
    model = study.get_trials(states=(TrialState.COMPLETE,))[0]
    study.add_trial(create_trial(values=[1.0, 10.0], params=model.params, distributions=model.distributions))
    return len(study.get_trials()) - 1


def test_the_front_grows_live_and_a_pick_moves_the_tested_winner(
    new_page: Callable[[str], Page], server: SimpleNamespace
) -> None:
    worker = subprocess.Popen(["sleep", "600"])  # a live worker process: the run reads as running
    try:
        make_run(server.storage, "front-live", 30, spec=preset_spec("houses-tradeoff"), finished=False,
                 worker_pid=worker.pid)  # fmt: skip
        summary = summarize(load_run("front-live", server.storage))
        front = sorted(entry["number"] for entry in summary.pareto)
        page = new_page("monitor?run=front-live")
        plot = live_chart(page, "front")
        expect(plot).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        wait_for(plot, "the front", front)
        assert trial_numbers(plot, "winner (tested)") == [summary.winner]

        other = next(n for n in front if n != summary.winner)
        plot.evaluate("plot => { plot.dataset.before = 'pick'; }")
        choose(page, "Winner to test", re.compile(rf"^#{other}:"))
        page.get_by_role("button", name="Make it the winner").click()
        expect(page.get_by_text(f"Trial {other} is the winner")).to_be_visible()
        wait_for(plot, "winner (tested)", [other])
        # The pick's message above the live panel moved none of it: the same graph was
        # updated (the reader's zoom survives), not a new one mounted beside a stale copy.
        expect(plot).to_have_attribute("data-before", "pick")
        assert summarize(load_run("front-live", server.storage)).picked

        newest = add_dominating_trial(server.storage, "front-live")  # the live refresh brings it
        wait_for(plot, "the front", [newest])
        assert trial_numbers(plot, "winner (tested)") == [other]  # a pick holds
        expect(page.get_by_text(f"The winner is trial #{other} (picked)")).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        worker.kill()
        worker.wait()
