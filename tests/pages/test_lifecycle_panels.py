"""The Monitor's lifecycle panels and what they lead to: extend, fork with warm start,
queue a configuration, notes and tags (on the Monitor and on the runs list)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from pages._shared.lifecycle_panels import EXTEND_OPEN_KEY, NOTES_OPEN_KEY
from pages._shared.monitor_panels import PICKED_ROW_KEY, TRY_OPEN_KEY
from tests.fake_runs import make_run
from tests.pages.page_helpers import button, open_lazy, texts
from tests.runs_helpers import quick_spec
from tuning import create_run, list_run_names, load_run, summarize
from tuning.demo import DEMO_ENV


def test_extend_an_ended_run_from_the_monitor(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    make_run(storage_url, "done", 8)
    at = open_page("pages/monitor.py", run="done")
    assert not at.number_input  # Extend, the note editor and "Try a configuration" open on demand
    at = open_lazy(at, EXTEND_OPEN_KEY)
    at.number_input(key="extend_trials").set_value(10).run()
    # Its budget was 60 and it made 8: the 52 it never made come too, as a stopped run's queue
    # would, which "+10 trials" alone did not say (a run stopped at 9 of 30, extended by 3, trained 24).
    resumed = "The 52 trials of its budget not run yet resume, with the 10 added: 62 to train."
    assert resumed in [c.value for c in at.caption]
    at.button(key="extend_go").click().run()
    assert not at.exception, at.exception
    summary = summarize(load_run("done", storage_url))
    assert (summary.state, summary.n_waiting, summary.n_trials) == ("starting", 62, 70)
    assert no_workers == ["done"]
    assert f"Run done extended +10 trials. {resumed} Its workers are starting." in texts(at)
    assert "Earlier results" in texts(at)
    # Going again: the best trial changes under this panel, which is not refreshed.
    assert "Now: going again; its winner is tested when it ends (the best so far is above)." in texts(at)
    (history,) = [d.value for d in at.dataframe if "superseded" in d.value.columns]
    assert history["test score"].tolist() == ["250"] and history["best trial"].tolist() == [0]


def test_a_running_run_cannot_be_extended(open_page: Callable[..., AppTest], storage_url: str) -> None:
    make_run(storage_url, "live", 3, finished=False, worker_pid=os.getpid())
    at = open_page("pages/monitor.py", run="live")
    (popover,) = [p.proto.popover for p in at.get("popover") if p.proto.popover.label == "Extend run"]
    assert popover.disabled and popover.help == "the run is running; extend it once it has ended"


def test_queue_the_best_configuration_with_another_learning_rate(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    make_run(storage_url, "done", 8)
    best = summarize(load_run("done", storage_url)).best_params
    at = open_lazy(open_page("pages/monitor.py", run="done"), TRY_OPEN_KEY)
    area = next(a for a in at.text_area if a.key == "try:done")
    shown = json.loads(area.value)
    assert shown.keys() == best.keys() and shown["hidden_size"] == best["hidden_size"]
    trials = load_run("done", storage_url).study.get_trials()
    other = next(t for t in trials if t.value is not None and t.params != best)
    at.session_state[TRY_OPEN_KEY] = False
    at.run()
    assert not at.text_area
    at.session_state[PICKED_ROW_KEY] = other.number  # what selecting its row in the table does,
    at.session_state[TRY_OPEN_KEY] = True  # which opens the panel too
    at.run()
    picked = json.loads(next(a for a in at.text_area if a.key == "try:done").value)
    assert picked == pytest.approx(other.params) and at.selectbox(key="try_from").value == other.number
    at.selectbox(key="try_from").set_value(summarize(load_run("done", storage_url)).best_trial).run()
    area = next(a for a in at.text_area if a.key == "try:done")
    assert json.loads(area.value) == pytest.approx(shown)
    area.set_value(json.dumps({**shown, "lr": 5.0})).run()
    at.button(key="try_go").click().run()
    assert "params.lr: must be from 0.0001 to 0.03, got 5.0" in texts(at)
    assert summarize(load_run("done", storage_url)).n_hand_picked == 0
    next(a for a in at.text_area if a.key == "try:done").set_value(json.dumps({**shown, "lr": 0.002})).run()
    at.button(key="try_go").click().run()
    summary = summarize(load_run("done", storage_url))
    assert summary.n_hand_picked == 1 and summary.n_waiting == 1 and no_workers == ["done"]
    assert "(hand-picked) in done: it runs next." in texts(at)


@pytest.mark.parametrize("demo", [False, True])
def test_notes_and_tags_show_on_the_monitor_and_the_runs_list(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch, demo: bool
) -> None:
    make_run(storage_url, "done", 5)
    make_run(storage_url, "other", 5)
    at = open_lazy(open_page("pages/monitor.py", run="done"), NOTES_OPEN_KEY)
    next(a for a in at.text_area if a.key == "note:done").set_value("**lr** matters").run()
    at.text_input(key="tags:done").set_value("baseline, lr").run()
    at.button(key="save_note").click().run()
    assert not at.exception, at.exception
    assert summarize(load_run("done", storage_url)).tags == ["baseline", "lr"]
    if demo:  # the visitor's session owns nothing: the admin token lets the note be saved
        monkeypatch.setenv(DEMO_ENV, "1")
        at = open_lazy(open_page("pages/monitor.py", run="done"), NOTES_OPEN_KEY, TRY_OPEN_KEY)
        for label in ("Save note and tags", "Edit as a new run", "Queue this configuration"):
            assert button(at, label).disabled and "only the runs you started" in button(at, label).help
        (extend,) = [p.proto.popover for p in at.get("popover") if p.proto.popover.label == "Extend run"]
        assert extend.disabled and "started by another visitor" in extend.help
    else:
        at = open_page("pages/monitor.py", run="done")
    shown = [t.value for t in at.text]
    assert "Tags: baseline, lr" in shown
    assert ("**lr** matters" in shown) is demo  # plain text in the demo, Markdown otherwise
    assert any(m.value == "**lr** matters" for m in at.markdown) is not demo

    home = open_page("pages/home.py")
    table = home.dataframe[0].value
    assert table.set_index("run").loc["done", "tags"] == "baseline, lr"
    home.multiselect(key="tag_filter").set_value(["lr"]).run()
    assert home.dataframe[0].value["run"].tolist() == ["done"]
    home.multiselect(key="tag_filter").set_value([]).run()
    home.text_input(key="note_filter").set_value("MATTERS").run()
    assert home.dataframe[0].value["run"].tolist() == ["done"]


def test_edit_as_a_new_run_with_warm_start(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    make_run(storage_url, "source", 12)
    at = open_page("pages/monitor.py", run="source")
    button(at, "Edit as a new run").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Launch a run"
    assert "Editing a copy of run **source**" in texts(at)
    assert at.radio(key="f_strategy").value == "bayesian"
    assert at.selectbox(key="f_preset").value is None  # a copy, not the article's grid
    at.switch_page("pages/launch.py")  # AppTest reruns the page it was told, not where the script went
    at.checkbox(key="f_warm_start").check().run()
    assert "12 finished trial(s) of source fit this space." in texts(at)
    at.number_input(key="f_seed").set_value(5).run()  # another seed draws another split
    assert "`seed`: is 5 here but 0 in source" in texts(at)
    assert "a warm start from source needs the same data" in texts(at)
    assert button(at, "Start").disabled
    at.number_input(key="f_seed").set_value(0).run()
    at.text_input(key="f_name").set_value("fork").run()
    button(at, "Start").click().run()
    assert not at.exception, at.exception
    assert "fork" in list_run_names(storage_url) and no_workers == ["fork"]
    summary = summarize(load_run("fork", storage_url))
    assert summary.n_inherited == 12 and summary.warm_start["from"] == "source"
    assert summary.n_complete == 0 and summary.n_waiting == summary.n_trials


def test_a_fork_keeps_the_uploaded_data(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    text = "size,rooms,price\n" + "".join(f"{50 + i},{1 + i % 4},{100 + 3 * i}\n" for i in range(30))
    spec = quick_spec(dataset={"name": "csv", "target": "price", "filename": "houses.csv"}, baselines="all")
    create_run(spec, "uploaded", storage_url, csv_text=text)
    at = open_page("pages/monitor.py", run="uploaded")
    button(at, "Edit as a new run").click().run()
    at.switch_page("pages/launch.py")
    at.run()
    assert "Using houses.csv of run uploaded; upload a file to replace it." in texts(at)
    assert at.selectbox(key="f_target").value == "price"
    assert at.checkbox(key="f_baselines_all").value  # the run asked for every baseline; so does its copy
    at.text_input(key="f_name").set_value("copy").run()
    button(at, "Start").click().run()
    assert not at.exception, at.exception
    copy = load_run("copy", storage_url)
    assert copy.csv_text() == text and copy.spec.dataset == spec.dataset and no_workers == ["copy"]
    assert copy.spec.baselines == "all"
