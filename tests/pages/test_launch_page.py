"""Launch: the space as widgets, refusals next to their widget, presets, CSV, Start."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.filesystems import make_read_only, tmpfs
from tests.pages.page_helpers import button, errors, texts
from tests.table_cases import mixed_table
from tuning import HYPERPARAMETERS, PRESETS, STRATEGIES, list_run_names, load_run, open_storage

HOUSES_CSV = b"size,rooms,price\n" + b"".join(
    f"{50 + i},{1 + i % 4},{100 + 3 * i}\n".encode() for i in range(30)
)


def column_table(at: AppTest):  # noqa: ANN201 - a DataFrame
    """The Launch page's table of columns and what happens to each."""
    return next(d.value for d in at.dataframe if "what happens" in d.value.columns)


def test_every_widget_is_there_and_the_article_grid_is_ready(open_page: Callable[..., AppTest]) -> None:
    at = open_page("pages/launch.py")
    assert at.radio(key="f_strategy").options == [s.value for s in STRATEGIES]
    assert {c.key for c in at.segmented_control} == {
        "f_model_kind",
        *(f"f_{name}_mode" for name in HYPERPARAMETERS),
    }
    assert at.selectbox(key="f_dataset").value == "article"
    assert {n.key for n in at.number_input} >= {"f_timeout_min", "f_workers", "f_seed", "f_cv"}
    assert at.multiselect(key="f_hidden_size_values").value == [8, 16, 32]
    assert "**24 grid combinations**" in texts(at)
    assert "About **" in texts(at)
    assert not button(at, "Start").disabled


def test_a_grid_shows_its_size_as_its_trials(open_page: Callable[..., AppTest]) -> None:
    """The grid's Trials field showed the other strategies' budget (20), greyed out, beside
    a summary of 24 combinations."""
    at = open_page("pages/launch.py")
    trials = next(t for t in at.text_input if t.label == "Trials")
    assert trials.disabled and trials.value == "24"
    at.multiselect(key="f_hidden_size_values").set_value([8, 16]).run()
    assert next(t for t in at.text_input if t.label == "Trials").value == "16"
    at.radio(key="f_strategy").set_value("random").run()
    assert at.number_input(key="f_trials").value == 20 and not at.number_input(key="f_trials").disabled


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"f_lr_mode": "range"}, "a grid needs discrete values"),
        ({"f_lr_values": ["0.01", "fast"]}, "'fast' is not a number"),
        ({"f_hidden_size_values": []}, "a choice needs a non-empty list of values"),
        ({"f_name": "no spaces allowed"}, "is not a valid run name"),
        ({"f_val": 0.5, "f_test": 0.45}, "val_fraction + test_fraction must stay below 0.9"),
    ],
)
def test_invalid_input_is_refused_next_to_its_widget(
    open_page: Callable[..., AppTest], change: dict[str, object], message: str
) -> None:
    at = open_page("pages/launch.py")
    for key, value in change.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    assert any(message in e for e in errors(at)), errors(at)
    assert button(at, "Start").disabled
    assert "problem(s) to fix above" in texts(at)


def test_a_preset_fills_the_form(open_page: Callable[..., AppTest]) -> None:
    at = open_page("pages/launch.py")
    at.selectbox(key="f_preset").set_value("houses").run()
    assert not at.exception
    houses = PRESETS["houses"]
    assert at.radio(key="f_strategy").value == "bayesian"
    assert at.number_input(key="f_trials").value == houses["budget"]["n_trials"]
    assert at.number_input(key="f_workers").value == 2
    assert at.segmented_control(key="f_hidden_size_mode").value == "range"
    assert at.session_state["f_hidden_size_range"] == (8, 128)
    assert at.session_state["f_lr_range"] == (1e-4, 3e-2)
    assert at.number_input(key="f_rows").value == 2000
    assert "**60 trials**" in texts(at)
    at.run()  # a second run keeps the ranges (select sliders keep both ends)
    assert at.session_state["f_lr_range"] == (1e-4, 3e-2)


def test_a_csv_is_previewed_with_its_target_and_checked(open_page: Callable[..., AppTest]) -> None:
    at = open_page("pages/launch.py")
    at.selectbox(key="f_dataset").set_value("csv").run()
    assert any("upload a CSV file" in e for e in errors(at))
    assert button(at, "Start").disabled
    at.file_uploader(key="f_csv").set_value(("houses.csv", HOUSES_CSV, "text/csv")).run()
    assert not at.exception
    assert at.selectbox(key="f_target").value == "price"
    profile = column_table(at)
    assert list(profile["column"]) == ["size", "rooms", "price"]
    assert list(profile["what happens"]) == ["number", "number", "target"]
    assert at.radio(key="f_task").value == "inferred" and at.selectbox(key="f_metric").value == "mse"
    assert "2 of 2 feature columns used" in texts(at)
    assert not button(at, "Start").disabled
    one_class = b"a,b\n" + b"".join(f"{i % 3}.5,x\n".encode() for i in range(10))
    at.file_uploader(key="f_csv").set_value(("bad.csv", one_class, "text/csv")).run()
    assert any("the target has one class only ('x', 10 rows)" in e for e in errors(at))
    assert button(at, "Start").disabled


def test_a_missing_or_unreadable_csv_is_the_one_problem_shown(open_page: Callable[..., AppTest]) -> None:
    """Without a readable table there is no target to pick: its 'needs the name of its target
    column' sat under the file's own error, with no widget to fix it."""
    at = open_page("pages/launch.py")
    at.selectbox(key="f_dataset").set_value("csv").run()
    assert [e for e in errors(at) if "dataset" in e] == [
        "`dataset.csv`: upload a CSV file with a header row and a column to predict"
    ]
    at.file_uploader(key="f_csv").set_value(("junk.csv", bytes(range(256)) * 4, "text/csv")).run()
    shown = [e for e in errors(at) if "dataset" in e]
    assert len(shown) == 1 and shown[0].startswith("`dataset.csv`: ") and "target" not in shown[0]
    assert button(at, "Start").disabled


def test_a_blank_target_is_not_called_a_regression(open_page: Callable[..., AppTest]) -> None:
    """A target with no value in any row: the task read 'classification for price' beside
    'Regression: the model predicts price's value.'"""
    at = open_page("pages/launch.py")
    at.selectbox(key="f_dataset").set_value("csv").run()
    blank = b"size,price\n" + b"".join(f"{i},\n".encode() for i in range(30))
    at.file_uploader(key="f_csv").set_value(("blank.csv", blank, "text/csv")).run()
    assert not at.exception
    assert not [c.value for c in at.caption if c.value.startswith("Regression:")]
    assert button(at, "Start").disabled


def test_start_stores_the_run_and_opens_its_monitor(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    at = open_page("pages/launch.py")
    at.session_state["f_name"] = "my-grid"
    at.run()
    button(at, "Start").click().run()
    assert not at.exception
    assert list_run_names(storage_url) == ["my-grid"] == no_workers
    assert load_run("my-grid", storage_url).spec.n_trials_planned() == 24
    assert at.title[0].value == "Monitor"
    assert at.query_params["run"] == "my-grid"
    assert load_run("my-grid", storage_url).spec.refit is None  # unticked: omitted from the spec


def test_the_refit_box_asks_for_a_refit_in_the_spec(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    at = open_page("pages/launch.py")
    at.session_state["f_name"] = "refit-grid"
    at.checkbox(key="f_refit").check().run()
    button(at, "Start").click().run()
    assert not at.exception and load_run("refit-grid", storage_url).spec.refit is True


def test_the_demo_caps_are_shown_beside_their_widgets(
    open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    at = open_page("pages/launch.py")
    at.selectbox(key="f_preset").set_value("houses").run()
    messages = " ".join(errors(at))
    assert "60 trials is over the demo's cap of 40 trials" in messages
    assert "2 workers is over the demo's cap of 1" in messages
    assert button(at, "Start").disabled


def test_the_demo_caps_show_before_anyone_runs_into_them(
    open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    at = open_page("pages/launch.py")
    captions = " ".join(c.value for c in at.caption)
    for cap in (
        "demo cap: 40 trials",
        "demo cap: 1 worker(s)",
        "demo cap: 100 epochs",
        "demo cap: 256 units",
    ):
        assert cap in captions
    assert not at.error and not button(at, "Start").disabled


def test_a_table_with_categories_and_gaps_shows_each_column_and_the_class_balance(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    at = open_page("pages/launch.py")
    at.session_state["f_name"] = "table-run"
    at.selectbox(key="f_dataset").set_value("csv").run()
    table = mixed_table(rows=60, classes=3, index=True).encode()
    at.file_uploader(key="f_csv").set_value(("mixed.csv", table, "text/csv")).run()
    assert not at.exception
    assert at.selectbox(key="f_target").value == "label"
    assert at.radio(key="f_task").proto.captions[0] == "classification for label"
    fate = dict(zip(column_table(at)["column"], column_table(at)["what happens"], strict=True))
    assert fate["Unnamed: 0"] == "dropped: row numbers (a leading index column), not a measurement"
    assert fate["colour"] == "one-hot, 3 categories; gaps filled from training rows, plus a missing flag"
    assert fate["garden"] == "yes/no as 1/0" and fate["name"].startswith("dropped: 60 distinct values")
    balance = next(d.value for d in at.dataframe if "share" in d.value.columns)
    assert balance["rows"].sum() == 60 and set(balance.index) == {"c0", "c1", "c2"}
    assert at.selectbox(key="f_metric").value == "log_loss"
    at.selectbox(key="f_metric").set_value("accuracy").run()
    at.multiselect(key="f_exclude").set_value(["garden"]).run()
    assert dict(zip(column_table(at)["column"], column_table(at)["what happens"], strict=True))["garden"] == (
        "dropped: excluded by you"
    )
    assert "2 of 5 feature columns used" in texts(at)
    button(at, "Start").click().run()
    assert not at.exception
    spec = load_run("table-run", storage_url).spec
    assert (spec.task, spec.metric, spec.dataset.exclude) == ("classification", "accuracy", ("garden",))
    assert no_workers == ["table-run"]


def test_a_task_override_that_the_target_cannot_take_is_refused(open_page: Callable[..., AppTest]) -> None:
    at = open_page("pages/launch.py")
    at.selectbox(key="f_dataset").set_value("csv").run()
    at.file_uploader(key="f_csv").set_value(("mixed.csv", mixed_table().encode(), "text/csv")).run()
    at.radio(key="f_task").set_value("regression").run()
    assert not at.exception
    assert errors(at) == [  # that alone: it said "dataset.exclude: ... got None" too
        "`task`: the target 'label' holds text, so it can only be predicted as classes (classification)"
    ]
    assert button(at, "Start").disabled


def test_start_on_a_read_only_journal_is_a_message_naming_the_file(
    open_page: Callable[..., AppTest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_workers: list[str]
) -> None:
    with tmpfs(tmp_path / "mounted") as folder:
        path = folder / "runs.journal"
        monkeypatch.setenv("TUNING_STORAGE", f"journal://{path}")
        open_storage(f"journal://{path}")  # the file exists, then its filesystem turns read-only
        make_read_only(folder)
        at = open_page("pages/launch.py")
        button(at, "Start").click().run()
        assert not at.exception, at.exception
        assert f"cannot write to the journal file {path}: Read-only file system" in texts(at)
        assert no_workers == [] and list_run_names(f"journal://{path}") == []


def test_the_memory_forecast_is_shown_beside_the_time(open_page: Callable[..., AppTest]) -> None:
    at = open_page("pages/launch.py")
    assert "Memory: about **" in texts(at) and "per worker" in texts(at)


def test_a_budget_of_100000_trials_is_accepted_with_its_forecast(open_page: Callable[..., AppTest]) -> None:
    """Issue 24: budgets are queued as workers go, so 100,000 trials start like any other."""
    at = open_page("pages/launch.py")
    at.radio(key="f_strategy").set_value("random").run()
    at.number_input(key="f_trials").set_value(100_000).run()
    assert not at.exception and "**100,000 trials** of" in texts(at) and "Memory: about **" in texts(at)
    assert not button(at, "Start").disabled


@pytest.mark.parametrize("demo", [False, True], ids=["local", "demo"])
def test_start_waits_for_an_override_when_the_run_needs_more_memory_than_the_machine(
    open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch, storage_url: str, demo: bool
) -> None:
    """A forecast over this machine's memory blocks Start; only locally may a checkbox override it."""
    if demo:
        monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    monkeypatch.setattr("tuning.machine_bytes", lambda: 100 * 2**20)  # a 100 MiB machine
    at = open_page("pages/launch.py")
    assert any("more than this machine's 100 MiB" in e.value for e in at.error), [e.value for e in at.error]
    assert button(at, "Start").disabled
    if demo:
        assert [c.key for c in at.checkbox] == ["f_baselines_all", "f_refit"]  # no override
        return
    at.checkbox(key="f_override").check().run()
    assert not button(at, "Start").disabled
    button(at, "Start").click().run()
    assert not at.exception
    assert len(list_run_names(storage_url)) == 1


def test_a_trade_off_run_is_launched_with_its_objectives_and_bounds(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    at = open_page("pages/launch.py")
    at.selectbox(key="f_preset").set_value("houses-tradeoff").run()
    assert at.multiselect(key="f_objectives").value == ["params"]
    at.number_input(key="f_max_latency_ms").set_value(0.5).run()
    at.selectbox(key="f_pruner").set_value("median").run()
    assert any("with several objectives set pruner to none" in e for e in errors(at))
    assert button(at, "Start").disabled
    at.selectbox(key="f_pruner").set_value("none").run()
    at.session_state["f_name"] = "trade"
    button(at, "Start").click().run()
    assert not at.exception and no_workers == ["trade"]
    spec = load_run("trade", storage_url).spec.to_dict()
    assert spec["objectives"] == [
        {"name": "mse", "direction": "minimize"},
        {"name": "params", "direction": "minimize"},
    ]
    assert spec["constraints"] == {"max_latency_ms": 0.5}


def test_target_task_and_table_changes_in_any_order_keep_the_task_shown_consistent(
    open_page: Callable[..., AppTest],
) -> None:
    """Every order of a target change, a task override and another upload: no traceback, and
    the page shows the task chosen (or says why the target cannot take it). The browser's
    side of the same bug (a stale option label) is tests/e2e/test_real_tables.py's."""
    houses = b"area,price,pool\n" + b"".join(
        f"{50 + i},{100 + 3.5 * i},{'yes' if i % 3 else 'no'}\n".encode() for i in range(30)
    )
    tables = {
        "houses.csv": (houses, "price"),
        "rows.csv": (mixed_table(rows=60, index=True).encode(), "Unnamed: 0"),
    }
    at = open_page("pages/launch.py")
    at.selectbox(key="f_dataset").set_value("csv").run()
    for order in itertools.permutations(("target", "task", "table")):
        at.file_uploader(key="f_csv").set_value(("houses.csv", houses, "text/csv"))
        at.session_state["f_task"] = "inferred"  # the radio is gone while a target is refused
        at.run()
        upload = "houses.csv"
        for step in order:
            if step == "target":
                at.selectbox(key="f_target").set_value(tables[upload][1])
            elif step == "task":
                at.session_state["f_task"] = "regression"
            else:
                upload = "rows.csv"
                at.file_uploader(key="f_csv").set_value((upload, tables[upload][0], "text/csv"))
            at.run()
            assert not at.exception, (order, step, at.exception)
            chosen = at.session_state.get("f_task", "inferred")
            shown = shown_task(at)
            if shown is None:
                assert any("can only be predicted as classes" in e for e in errors(at)), (order, step)
            else:
                assert chosen in ("inferred", shown), (order, step, chosen, shown)


def shown_task(at: AppTest) -> str | None:
    """The task the page says training will use: its class balance or its regression
    caption; None when it shows neither (the target was refused)."""
    page = texts(at)
    if "Class balance" in page:
        return "classification"
    return "regression" if "Regression:" in page else None


def test_a_name_another_run_has_is_refused_as_it_is_typed(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    from tests.fake_runs import make_run

    make_run(storage_url, "qa-tpe", 1)
    at = open_page("pages/launch.py")
    at.text_input(key="f_name").input("qa-tpe").run()
    assert not at.exception
    assert "`name`: a run named 'qa-tpe' exists already" in "\n".join(errors(at)), errors(at)
    assert button(at, "Start").disabled
    assert "problem(s) to fix above" in texts(at)
    at.text_input(key="f_name").input("qa-tpe-2").run()
    assert not errors(at) and not button(at, "Start").disabled
