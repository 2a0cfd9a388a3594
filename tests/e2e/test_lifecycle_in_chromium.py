"""A run's lifecycle in a real browser: finish a Bayesian run of 20 trials, extend it by 10
trials from the Monitor, fork it with warm start, queue its best configuration with
another learning rate, write a note and a tag, and see each on the Monitor and Runs pages."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.charts import live_chart, trace_length
from tests.runs_helpers import quick_spec
from tuning import RunSummary, load_run, summarize
from tuning.launcher import launch

pytestmark = pytest.mark.browser
STATE = ".st-key-run-state"


def no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


def ended(name: str, storage: str, timeout_s: float = 180) -> RunSummary:
    deadline = time.monotonic() + timeout_s
    while (summary := summarize(load_run(name, storage))).active:
        assert time.monotonic() < deadline, f"run {name} still {summary.state} after {timeout_s} s"
        time.sleep(0.5)
    return summary


def finished_article_run(storage: str) -> str:
    """A finished Bayesian run of 20 trials, like the article's, on a space that trains in
    seconds (the article's own, batches of 1 to 4 rows over 3 folds, took most of a minute)."""
    run = launch(
        quick_spec(strategy="bayesian", budget={"n_trials": 20}), "article-life", storage_url=storage
    )
    assert ended(run.name, storage).state == "finished"
    return run.name


def extend_by_ten(page: Page, name: str, storage: str) -> None:
    page.get_by_role("button", name="Extend run").click()
    trials = page.get_by_role("spinbutton", name="Trials to add")
    trials.fill("10")
    trials.press("Enter")
    page.get_by_role("button", name="Extend", exact=True).click()
    expect(page.get_by_text(f"Run {name} extended +10 trials")).to_be_visible()
    summary = ended(name, storage)
    assert (summary.state, summary.n_complete, len(summary.history)) == ("finished", 30, 1)
    page.reload()
    expect(page.locator(STATE)).to_contain_text("finished")
    expect(page.get_by_text("30 / 30 trials done")).to_be_visible()
    expect(page.get_by_text("Earlier results", exact=True)).to_be_visible()
    no_exception(page)


def fork_with_warm_start(page: Page, name: str, storage: str) -> None:
    page.get_by_role("button", name="Edit as a new run").click()
    expect(page.get_by_role("heading", name="Launch a run")).to_be_visible()
    expect(page.get_by_text(f"Editing a copy of run {name}")).to_be_visible()
    page.get_by_text(f"Warm start from {name}").click()
    run_name = page.get_by_label("Run name (optional)")
    run_name.fill("article-fork")
    run_name.press("Enter")
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url(re.compile(r"/monitor\?run=article-fork"))
    expect(page.get_by_text(re.compile(rf"\d+ inherited from {name}"))).to_be_visible()
    source = summarize(load_run(name, storage))
    fork = ended("article-fork", storage)
    assert (fork.n_inherited, fork.warm_start["from"]) == (source.n_complete, name)
    assert fork.n_complete == fork.n_trials  # the inherited trials are not part of its budget
    no_exception(page)


def queue_best_with_other_lr(page: Page, name: str, storage: str) -> dict[str, object]:
    best = summarize(load_run(name, storage)).best_params
    assert best is not None
    picked = {**best, "lr": 0.005 if abs(best["lr"] - 0.005) > 1e-4 else 0.002}
    page.get_by_text("Try a configuration").click()  # a lazy expander: built when opened
    box = page.get_by_label(re.compile(r"^Configuration \(JSON\)"))
    expect(box).to_have_value(re.compile(r'"lr"'))
    assert json.loads(box.input_value()) == best  # the best configuration, to edit in place
    box.fill(json.dumps(picked))
    box.press("Control+Enter")
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Queue this configuration").click()
    expect(page.get_by_text(re.compile(rf"\(hand-picked\) in {name}: it runs next"))).to_be_visible()
    summary = ended(name, storage)
    assert summary.n_hand_picked == 1 and len(summary.history) == 2
    page.reload()
    expect(page.get_by_text(re.compile(r"1 hand-picked"))).to_be_visible()
    expect(live_chart(page, "history")).to_be_visible(timeout=60_000)
    assert trace_length(live_chart(page, "history"), "hand-picked") == 1
    page.get_by_text("Try a configuration").click()  # a reload is a new session: closed again
    # Tables are canvases; their accessible cells hold the values.
    lr = page.locator(".st-key-hand-picked [role=gridcell]", has_text=re.compile(rf"^{picked['lr']}$"))
    expect(lr).to_have_count(1)
    return picked


def write_note_and_tag(page: Page) -> None:
    page.get_by_text("Edit notes and tags").click()
    note = page.get_by_label("Note (Markdown)")
    note.fill("Extended once; **lr** around 0.005 looks better.")
    note.press("Control+Enter")
    tags = page.get_by_label("Tags, comma-separated")
    tags.fill("article")
    tags.press("Enter")
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Save note and tags").click()
    notes = page.locator(".st-key-run-notes")
    expect(notes).to_contain_text("Tags: article")
    expect(notes.locator("strong", has_text="lr")).to_be_visible()  # Markdown, outside the demo
    no_exception(page)


def test_extend_fork_enqueue_and_annotate(
    new_page: Callable[[str], Page], screenshot: Callable[..., Path], server: SimpleNamespace
) -> None:
    name = finished_article_run(server.storage)
    page = new_page(f"monitor?run={name}")
    expect(page.locator(STATE)).to_contain_text("finished")
    extend_by_ten(page, name, server.storage)
    queue_best_with_other_lr(page, name, server.storage)
    write_note_and_tag(page)
    screenshot(page, "monitor-lifecycle")
    fork_with_warm_start(page, name, server.storage)

    runs = new_page("")
    expect(runs.locator("[role=gridcell]", has_text="article-fork")).to_have_count(1)
    expect(runs.locator("[role=gridcell]", has_text="Extended once")).to_have_count(1)
    runs.get_by_test_id("stMultiSelect").filter(has_text="Filter by tag").click()
    runs.get_by_role("option", name="article").click()
    expect(runs.locator("[role=gridcell]", has_text="article-fork")).to_have_count(0)
    expect(runs.locator("[role=gridcell]", has_text=name)).to_have_count(1)
    no_exception(runs)
    screenshot(runs, "runs-tags")
