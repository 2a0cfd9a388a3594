"""Home: the empty state's presets, the runs table, and the way to a new run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fake_runs import make_run
from tests.pages.page_helpers import APP, texts
from tests.runs_helpers import quick_spec
from tuning import PRESETS, Actor, annotate_run, fmt_score, list_run_names, load_run, preset_spec, summarize
from tuning.storage import record


def test_an_empty_storage_offers_the_presets(open_page: Callable[..., AppTest]) -> None:
    at = open_page("pages/home.py")
    assert [s.value for s in at.subheader] == ["No runs yet"]
    labels = [b.label for b in at.button]
    assert labels.count("Start") == len(PRESETS)
    assert "**The article** the presets follow is the tutorial" in texts(at)  # what "the article's" means
    assert "New run" in labels


def test_a_preset_starts_in_one_click(
    open_page: Callable[..., AppTest], storage_url: str, no_workers: list[str]
) -> None:
    at = open_page("pages/home.py")
    at.button(key="preset-article-grid").click().run()
    assert not at.exception
    assert list_run_names(storage_url) == no_workers  # stored, its workers asked for
    run = load_run(no_workers[0], storage_url)
    assert run.spec.to_dict()["space"]["hidden_size"] == PRESETS["article-grid"]["space"]["hidden_size"]
    assert at.title[0].value == "Monitor"


def test_runs_are_listed_with_state_progress_and_best(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    make_run(storage_url, "houses-done", 60, finished=True)
    make_run(storage_url, "tradeoff", 6, spec=preset_spec("houses-tradeoff"))
    at = open_page("pages/home.py")
    table = at.dataframe[0].value
    assert table.set_index("run").loc["tradeoff", "metric"] == "mse + params"  # what it trades off
    row = table.set_index("run").loc["houses-done"]
    assert (row["strategy"], row["state"], row["trials"]) == ("bayesian", "finished", "60 / 60")
    assert row["progress"] == 100  # percent
    assert row["best score"] == fmt_score(summarize(load_run("houses-done", storage_url)).best_value)
    assert row["test score"] == "250" and row["metric"] == "MSE ($1000s²)"  # units as on the Monitor
    assert [m.label for m in at.metric] == ["Runs", "Active now", "Trials finished"]
    assert "not refreshing" in texts(at)


def test_an_unreachable_storage_is_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNING_STORAGE", "postgresql+psycopg2://sweetspot@127.0.0.1:9/none")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert "cannot reach the storage" in at.error[0].value


def test_an_upload_shows_its_file_a_note_its_text_and_a_big_score_its_digits(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """The table said "csv" for every upload, showed notes as Markdown source and a score of
    262590000 as it came."""
    spec = quick_spec(dataset={"name": "csv", "target": "price", "filename": "houses.csv"})
    study = make_run(storage_url, "uploaded", 3, spec=spec)
    study.set_user_attr(
        record.RESULT.key, {"state": "finished", "finished_at": 1.0, "test_loss": 262590000.0}
    )
    annotate_run("uploaded", "**lr** near [0.005](http://x.example)\nmore", [], Actor(storage_url))
    row = open_page("pages/home.py").dataframe[0].value.set_index("run").loc["uploaded"]
    assert (row["dataset"], row["note"], row["test score"]) == ("houses.csv", "lr near 0.005", "262,590,000")


def test_the_demo_offers_each_preset_within_its_caps(
    open_page: Callable[..., AppTest],
    storage_url: str,
    no_workers: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The houses search asks for 60 trials and 2 workers: the demo's Home page offered it and
    then refused it with the caps' message; now it starts within the caps and says so."""
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    at = open_page("pages/home.py")
    assert "In this demo: 40 trials, 1 worker" in texts(at)
    at.button(key="preset-houses").click().run()
    assert not at.exception and not at.error
    spec = load_run(no_workers[0], storage_url).spec
    assert (spec.budget.n_trials, spec.workers) == (40, 1)
    assert at.title[0].value == "Monitor"


def test_a_run_of_your_code_names_the_code_as_its_dataset(
    open_page: Callable[..., AppTest], storage_url: str, code_root: Path
) -> None:
    from tests.code_files import QUADRATIC_OBJECTIVE, write_code
    from tuning import RunSpec, create_run

    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    spec = RunSpec.from_dict({"objective": "quadratic.py:objective", "strategy": "random", "budget": 3})
    create_run(spec, "objective", storage_url)
    table = open_page("pages/home.py").dataframe[0].value
    assert table.set_index("run").loc["objective", "dataset"] == "your objective (quadratic.py:objective)"
