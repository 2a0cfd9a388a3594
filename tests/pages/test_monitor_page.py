"""Monitor: a run's trials, charts and best configuration; Stop; the run from the URL."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from optuna.trial import create_trial
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from pages._shared.common import STATE_BADGES
from pages._shared.monitor_panels import ADMIN_INPUT_KEY, REPRODUCE_OPEN_KEY, TRIALS_OPEN_KEY
from tests.fake_runs import make_run
from tests.filesystems import make_read_only, tmpfs
from tests.pages.page_helpers import APP, button, click, figure, figures, open_lazy, shown, texts
from tests.runs_helpers import quick_spec
from tests.table_cases import regression_table
from tuning import RunSpec, RunState, create_run, list_run_names, load_run, preset_spec, summarize
from tuning.reading import rows
from tuning.storage import record
from tuning.training.worker import Worker, WorkerOptions
from tuning.views import snapshot
from tuning.views.filters import TABLE_ROWS
from tuning.views.history import MAX_POINTS
from tuning.views.snapshot import RunWatcher

REFRESH = re.compile(r"Updated \S+ in ([\d.]+) s")


def test_a_finished_run_shows_its_trials_charts_and_best(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "grid-done", 24, spec=preset_spec("article-grid"), n_pruned=2, n_failed=1)
    at = open_page("pages/monitor.py", run="grid-done")
    assert at.selectbox(key="monitor_run").value == "grid-done"
    progress = at.get("progress")[0].proto.text
    assert progress.startswith("27 / 24 trials done · 24 complete · 0 running · 2 pruned · 1 failed")
    history, curves, parallel = figures(at)
    complete = next(t for t in history["data"] if t["name"] == "complete")
    assert len(complete["x"]) == 24
    assert history["layout"]["yaxis"]["title"]["text"] == "validation MSE ($1000s²)"
    assert history["layout"]["uirevision"] == "grid-done:clipped:linear"
    assert len(curves["data"]) == 10
    assert {trace["type"] for trace in parallel["data"]} == {"scatter"}  # SVG lines, no WebGL parcoords
    assert parallel["layout"]["xaxis"]["ticktext"][-1] == "score" and parallel["layout"]["height"] == 400
    assert "| `hidden_size` | " in texts(at)  # the best configuration, as a table
    assert not at.code and not at.dataframe  # the command and the trials table open on demand
    assert [b.label for b in at.download_button] == ["Download trials (CSV)", "Download run (JSON)"]
    open_lazy(at, REPRODUCE_OPEN_KEY, TRIALS_OPEN_KEY)
    code = "\n".join(c.value for c in at.code)
    assert '"hidden_size"' in code and "python -m tuning launch --spec grid-done-best.json --wait" in code
    table = at.dataframe[0].value
    assert len(table) == 27 and {"validation MSE", "hidden_size", "duration_s", "error"} <= set(table.columns)
    assert "not refreshing" in texts(at)
    assert not [b for b in at.button if b.label == "Stop run"]


def test_stop_asks_the_workers_to_stop(open_page: Callable[..., AppTest], storage_url: str) -> None:
    make_run(storage_url, "live", 5, n_running=2, finished=False, worker_pid=os.getpid())
    at = open_page("pages/monitor.py", run="live")
    assert "refreshes every 2 s" in texts(at)
    click(at, "Stop run")
    assert not at.exception
    assert summarize(load_run("live", storage_url)).state == "stopping"
    assert "stopping]" in texts(at)  # the state badge


def test_every_run_state_has_a_badge() -> None:
    assert set(STATE_BADGES) == set(RunState)


def test_the_run_comes_from_the_url_or_the_newest(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "older", 3)
    make_run(storage_url, "newer", 3)
    assert open_page("pages/monitor.py", run="older").selectbox(key="monitor_run").value == "older"
    at = open_page("pages/monitor.py")
    assert at.selectbox(key="monitor_run").value == "newer"
    assert at.query_params["run"] == "newer"


def test_a_dead_workers_trials_show_failed_everywhere(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """No worker is left to record them failed in the storage; the Monitor says so anyway."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    make_run(storage_url, "orphaned", 5, n_running=2, finished=False, worker_pid=gone.pid)
    at = open_page("pages/monitor.py", run="orphaned")
    assert "0 running · 0 pruned · 2 failed" in at.get("progress")[0].proto.text
    table = open_lazy(at, TRIALS_OPEN_KEY).dataframe[0].value
    dead = table[table["error"].fillna("").str.contains("died during the trial")]
    assert len(dead) == 2 and set(dead["state"]) == {"failed"}
    _, curves, _ = figures(at)
    assert not [t for t in curves["data"] if "running" in t["name"]]
    assert "and 0 running" in texts(at)


def test_a_page_load_reads_the_run_once(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live panel draws from the page's own read (a second read of a 10,000-trial run
    was 0.15 s of every page load)."""
    make_run(storage_url, "once", 5)
    at = open_page("pages/monitor.py", run="once")
    reads: list[str] = []
    read = RunWatcher.read
    monkeypatch.setattr(RunWatcher, "read", lambda watcher: reads.append("read") or read(watcher))
    at.run()
    assert not at.exception and reads == ["read"]


def test_visitors_of_an_unchanged_run_share_its_charts(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten visitors of a live run refresh it between two of its changes: each chart is
    built and encoded once per change and choice of toggles, not once per refresh of each
    visitor (which saturated the load test's server)."""
    monkeypatch.setattr(snapshot, "REUSE_S", 3600.0)  # no clock here: only the run's changes count
    make_run(storage_url, "watched", 5, n_running=1, finished=False, worker_pid=os.getpid())
    encoded: list[str] = []
    to_json = go.Figure.to_json
    monkeypatch.setattr(
        go.Figure, "to_json", lambda fig, *a, **k: encoded.append("chart") or to_json(fig, *a, **k)
    )
    first = open_page("pages/monitor.py", run="watched")
    assert len(encoded) == 3  # score by trial, learning curves, parallel coordinates
    second = open_page("pages/monitor.py", run="watched")  # another visitor
    assert _drawn(second) == _drawn(first) and len(encoded) == 3
    first.toggle(key="log_y").set_value(True).run()  # a choice of the reader's own
    assert not first.exception and len(encoded) == 5  # the two charts it changes
    assert _drawn(second.run()) != _drawn(first) and len(encoded) == 5


def _drawn(at: AppTest) -> str:
    """The page's figures as one text (NaN, a missing score, equals itself here)."""
    return json.dumps(figures(at))


def test_no_runs_points_to_launch(open_page: Callable[..., AppTest]) -> None:
    at = open_page("pages/monitor.py")
    assert "No runs yet." in texts(at)


@pytest.fixture(scope="module")
def big_run(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A finished 5,000-trial run (built directly in a storage: seconds, not hours)."""
    url = f"journal://{tmp_path_factory.mktemp('big') / 'runs.journal'}"
    make_run(url, "big", 4990, n_failed=6, n_pruned=4)
    return url


def test_a_5000_trial_run_is_drawn_reduced_and_read_incrementally(
    open_page: Callable[..., AppTest], big_run: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What keeps a big run's refresh cheap (its server time is benchmarked in bench/dashboard.py)."""
    monkeypatch.setenv("TUNING_STORAGE", big_run)
    at = open_lazy(open_page("pages/monitor.py", run="big"), TRIALS_OPEN_KEY)
    built: list[int] = []
    records = rows.records_frame
    monkeypatch.setattr(rows, "records_frame", lambda trials: built.append(len(trials)) or records(trials))
    at.run()  # the second refresh of a session reuses the finished trials' rows
    assert not at.exception and REFRESH.search(texts(at))
    assert max(built, default=0) == 0, built  # no finished trial's row was built again
    history, curves, parallel = figures(at)
    drawn = sum(len(trace["x"]) for trace in history["data"] if trace["name"] != "best so far")
    assert drawn <= MAX_POINTS and f"{drawn:,} of " in history["layout"]["xaxis"]["title"]["text"]
    assert len(curves["data"]) == 10
    assert "The 500 best of 4,990 complete trials" in texts(at)
    assert len(at.dataframe[0].value) == TABLE_ROWS
    assert f"Showing the {TABLE_ROWS:,} best of 5,000" in texts(at)


def test_in_the_demo_only_the_owner_may_stop(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    make_run(storage_url, "theirs", 3, n_running=1, finished=False, worker_pid=os.getpid())
    at = open_page("pages/monitor.py", run="theirs")
    stop = button(at, "Stop run")
    assert stop.disabled and "started by another visitor" in shown(stop.help)


def _as_visitor(visitor: str, run: str) -> AppTest:
    """The Monitor on ``run`` for a browser whose visitor cookie is ``visitor``."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["visitor"] = visitor  # what pages/_shared/common.visitor() takes from the cookie
    at.run()
    at.switch_page("pages/monitor.py")
    at.query_params["run"] = run
    at.run()
    assert not at.exception, at.exception
    return at


def _everything_sent(at: AppTest) -> str:
    """Every element the browser receives, as text (download labels, help, captions, charts)."""
    found, nodes = [], [at._tree]
    while nodes:
        node = nodes.pop()
        found.append(str(getattr(node, "proto", "")))
        nodes.extend(getattr(node, "children", {}).values())
    return "\n".join(found)


def test_in_the_demo_a_watcher_cannot_learn_or_forge_the_owner(
    storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15.2: the owner's id was in the page's downloads; set as a cookie it opened the run."""
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    owner = "0123456789abcdef0123456789abcdef"
    create_run(quick_spec(), "theirs", storage_url, owner=owner)
    watcher = _as_visitor("f" * 32, "theirs")
    sent = _everything_sent(watcher)
    assert "Stop run" in sent and "Download run (JSON)" in sent  # the scan sees the whole page
    assert owner not in sent
    stored = summarize(load_run("theirs", storage_url)).owner
    forger = _as_visitor(stored, "theirs")
    assert next(b for b in forger.button if b.label == "Stop run").disabled
    assert not next(b for b in _as_visitor(owner, "theirs").button if b.label == "Stop run").disabled


def test_the_admin_token_lifts_the_demo_owner_rule(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    monkeypatch.setenv("SWEETSPOT_ADMIN_TOKEN", "s3cret")
    make_run(storage_url, "theirs", 3, n_running=1, finished=False, worker_pid=os.getpid())
    make_run(storage_url, "ended", 3)
    at = open_page("pages/monitor.py", run="theirs")
    at.text_input(key=ADMIN_INPUT_KEY).set_value("wrong").run()
    assert button(at, "Stop run").disabled
    at.text_input(key=ADMIN_INPUT_KEY).set_value("s3cret").run()
    at.run()  # a refresh: the token once forgot itself here, its box no longer drawn (QA pass)
    assert not button(at, "Stop run").disabled
    click(at, "Stop run")
    assert summarize(load_run("theirs", storage_url)).state in ("stopping", "stopped")
    at.selectbox(key="monitor_run").set_value("ended").run()  # and on another run, outside the live panel
    assert not button(at, "Delete run").disabled


def test_stopping_or_deleting_on_a_read_only_journal_is_a_message(
    open_page: Callable[..., AppTest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(tmp_path / "mounted") as folder:
        url = f"journal://{folder / 'runs.journal'}"
        monkeypatch.setenv("TUNING_STORAGE", url)
        make_run(url, "old", 3)
        make_run(url, "live", 3, n_running=1, finished=False, worker_pid=os.getpid())
        pages = {name: open_page("pages/monitor.py", run=name) for name in ("old", "live")}
        make_read_only(folder)
        for name, buttons in (("old", ("Delete run", "Delete old")), ("live", ("Stop run",))):
            at = click(pages[name], *buttons)  # Delete asks first
            assert not at.exception, at.exception
            assert f"cannot write to the journal file {folder / 'runs.journal'}" in texts(at), name
        assert list_run_names(url) == ["live", "old"]
        assert summarize(load_run("live", url)).state == "running"


def test_a_finished_run_is_deleted_once_confirmed(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "old", 3)
    make_run(storage_url, "kept", 3)
    at = open_page("pages/monitor.py", run="old")
    click(at, "Delete run")
    assert "Delete run **old** and its 3 trials for good?" in texts(at)
    click(at, "Cancel")
    assert list_run_names(storage_url) == ["kept", "old"]
    click(at, "Delete run", "Delete old")
    assert not at.exception
    assert list_run_names(storage_url) == ["kept"]
    assert at.selectbox(key="monitor_run").value == "kept"


def test_one_diverged_trial_is_clipped_until_the_reader_asks_for_all(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    study = make_run(storage_url, "wild", 40, n_pruned=3, n_failed=2)
    model = study.get_trials(deepcopy=False)[0]
    study.add_trial(create_trial(value=1e9, params=model.params, distributions=model.distributions))
    at = open_page("pages/monitor.py", run="wild")
    history = figures(at)[0]
    assert "1 point above" in history["layout"]["xaxis"]["title"]["text"]
    assert max(max(trace["y"]) for trace in history["data"]) < 1e5  # the rest on a readable axis
    at.toggle(key="history_clip").set_value(False).run()
    history = figures(at)[0]
    assert not at.exception and max(max(trace["y"]) for trace in history["data"]) == 1e9
    assert history["layout"]["xaxis"]["title"]["text"] == "trial number"


def test_pruned_and_failed_trials_can_leave_the_loss_chart(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "mixed", 20, n_pruned=4, n_failed=2)
    at = open_page("pages/monitor.py", run="mixed")
    names = {trace["name"] for trace in figures(at)[0]["data"]}
    assert {"complete", "pruned (last epoch)", "failed (last epoch)"} <= names
    at.get("button_group")[0].set_value(["pruned"]).run()
    names = {trace["name"] for trace in figures(at)[0]["data"]}
    assert not at.exception and "failed (last epoch)" not in names and "pruned (last epoch)" in names


def test_the_trials_table_shows_only_what_passes_the_filters(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "filtered", 40, n_pruned=6, n_failed=4)
    at = open_lazy(open_page("pages/monitor.py", run="filtered"), TRIALS_OPEN_KEY)
    median = at.dataframe[0].value["validation MSE"].median()
    assert len(at.dataframe[0].value) == 50
    at.multiselect(key="filter_states").set_value(["pruned", "failed"]).run()
    assert not at.exception and set(at.dataframe[0].value["state"]) == {"pruned", "failed"}
    assert "10 of 50 trials pass the filter." in texts(at)
    at.multiselect(key="filter_states").set_value(list(at.multiselect(key="filter_states").options)).run()
    at.number_input(key="filter_loss_high").set_value(median).run()
    table = at.dataframe[0].value
    assert 0 < len(table) < 50 and (table["validation MSE"] <= median).all()
    at.number_input(key="filter_loss_low").set_value(median + 1).run()
    assert "loss: the low end must not exceed the high end" in texts(at)
    assert len(at.dataframe[0].value) == 50  # a bad filter shows everything, and says why
    at.number_input(key="filter_loss_low").set_value(None).run()
    at.slider(key="filter_n_layers").set_value((2, 3)).run()
    assert set(at.dataframe[0].value["n_layers"]) <= {2, 3}


def test_a_finished_table_run_shows_its_test_report_baselines_and_picture(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    spec = RunSpec.from_dict(
        {
            "dataset": {"name": "csv", "target": "price", "filename": "houses.csv"},
            "strategy": "random", "budget": {"n_trials": 2}, "metric": "mae", "baselines": "all",
            "space": {"hidden_size": 8, "lr": 0.01, "epochs": 5, "batch_size": 16},
        }
    )  # fmt: skip
    create_run(spec, "houses-table", storage_url, regression_table(rows=60))
    Worker("houses-table", storage_url, WorkerOptions()).work()
    at = open_page("pages/monitor.py", run="houses-table")
    assert not at.exception
    history = figures(at)[0]
    assert history["layout"]["yaxis"]["title"]["text"] == "validation MAE (price units)"
    baselines = [a["text"] for a in history["layout"]["annotations"]]
    assert len(baselines) == 3 and baselines[0].startswith("baseline: mean")
    assert any(text.startswith("baseline: linear regression") for text in baselines)
    assert any(text.startswith("baseline: gradient boosting") for text in baselines)
    shown = texts(at)
    assert re.search(r"MSE \*\*[\d,.]+\*\* · RMSE \*\*[\d,.]+\*\* · MAE \*\*[\d,.]+\*\* · R² \*\*", shown), (
        shown
    )
    assert re.search(r"By MAE, the tuned network (beats|trails|ties with) mean \(MAE [\d.]+\)", shown), shown
    assert "**Predicted against actual** (test rows)" in shown
    assert not at.get("plotly_chart")  # drawn like every chart, by the page's one plotly.js
    picture = figure(at, "predictions")
    assert picture["layout"]["xaxis"]["title"]["text"] == "actual (price units)"
    assert (
        "| metric | tuned network | mean | linear regression | gradient boosting |" in shown
    )  # every metric
    assert re.search(r"(beats|trails|ties with) gradient boosting \(MAE [\d.]+\)", shown), shown
    assert re.search(r"fit time \(every fold\): mean [\d.e-]+ s, .*gradient boosting [\d.e-]+ s", shown), (
        shown
    )
    assert re.search(r"\| MAE \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", shown), shown
    assert not at.dataframe  # no data grid until the trials table is opened


def _csv_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], object]]:
    """The data of every deferred download the page offers, by file name, as a click reads it."""
    found: dict[str, Callable[[], object]] = {}
    add = MediaFileManager.add_deferred

    def recorded(self: MediaFileManager, data: Callable[[], object], *args: object, **kwargs: object) -> str:
        found[str(kwargs.get("file_name", args[2] if len(args) > 2 else ""))] = data
        return add(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MediaFileManager, "add_deferred", recorded)
    return found


def test_a_tradeoff_runs_table_and_csv_have_every_objective(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parameter count of a two-objective run was in neither the table nor its CSV."""
    study = make_run(storage_url, "tradeoff", 6, spec=preset_spec("houses-tradeoff"), n_failed=1)
    counts = {t.number: t.values[1] for t in study.get_trials() if t.values}
    downloads = _csv_downloads(monkeypatch)

    def exported() -> pd.DataFrame:
        csv = pd.read_csv(io.StringIO(str(downloads["tradeoff-trials.csv"]())))
        assert list(csv.columns[:4]) == ["number", "state", "validation MSE", "parameters (count)"]
        return csv.set_index("number")["parameters (count)"]

    at = open_page("pages/monitor.py", run="tradeoff")
    every = exported()  # the table closed: every trial
    assert every[list(counts)].tolist() == list(counts.values()) and every.isna().sum() == 1  # the failed
    at = open_lazy(at, TRIALS_OPEN_KEY)
    table = at.dataframe[0].value.set_index("number")["parameters (count)"]
    assert table[list(counts)].tolist() == exported()[list(counts)].tolist() == list(counts.values())


def test_short_trials_durations_stay_readable(
    open_page: Callable[..., AppTest], storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fast run's trials (0.025 s each) all read "0.0 s" in the table."""
    make_run(storage_url, "fast", 5, trial_s=0.025)
    downloads = _csv_downloads(monkeypatch)
    at = open_lazy(open_page("pages/monitor.py", run="fast"), TRIALS_OPEN_KEY)
    printf = json.loads(at.dataframe[0].proto.columns)["duration_s"]["type_config"]["format"]
    assert printf.replace("%,", "%") % 0.025 == "0.025 s"
    assert printf.replace("%,", "%") % 0.0234 == "0.023 s"
    csv = pd.read_csv(io.StringIO(str(downloads["fast-trials.csv"]())))
    assert csv["duration_s"].tolist() == pytest.approx([0.025] * 5)  # the CSV keeps raw seconds


def test_the_trials_table_shows_a_dash_where_a_trial_has_no_value(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """A failed trial's score read "None" in the table, "–" everywhere else on the page."""
    make_run(storage_url, "failing", 4, n_failed=2)
    at = open_lazy(open_page("pages/monitor.py", run="failing"), TRIALS_OPEN_KEY)
    table = at.dataframe[0]
    assert table.value.set_index("state")["validation MSE"].loc["failed"].isna().all()
    assert table.proto.placeholder == "–"


def test_a_baseline_far_above_the_trials_does_not_flatten_the_loss_chart(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """The mean's dotted line, ten times the trials' losses, squashed every trial onto the
    bottom of the chart; it is now said at the chart's top, and a close baseline is drawn."""
    study = make_run(storage_url, "flat", 20)
    losses = sorted(t.value for t in study.get_trials() if t.value is not None)
    near = losses[len(losses) // 2]
    baselines = {
        name: {"label": label, "validation": {"mse": value}, "test": {"mse": value}, "fit_s": 0.01}
        for name, label, value in [
            ("constant", "mean", losses[-1] * 100),
            ("linear", "linear regression", near),
        ]
    }
    study.set_user_attr(record.BASELINES.key, baselines)
    history = figure(open_page("pages/monitor.py", run="flat"), "history")
    assert [shape["y0"] for shape in history["layout"]["shapes"]] == [near]
    texts_drawn = [a["text"] for a in history["layout"]["annotations"]]
    assert any(
        text.startswith("baseline: mean ") and text.endswith(", above the chart") for text in texts_drawn
    )
    assert max(max(trace["y"]) for trace in history["data"]) < losses[-1] * 10
