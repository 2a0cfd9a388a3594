"""Demo mode: caps enforced by the engine, ownership of runs, clean-up, and bad uploads."""

from __future__ import annotations

import time

import pytest
from runs_helpers import quick_spec

from tuning.demo import ADMIN_TOKEN_ENV, DEMO_ENV, DemoLimits, NotAllowed, check_control, remove_expired_runs
from tuning.errors import FieldError, SpecError
from tuning.launcher import launch
from tuning.runs import RESULT_ATTR, create_run, list_run_names
from tuning.spec import RunSpec


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> DemoLimits:
    monkeypatch.setenv(DEMO_ENV, "1")
    monkeypatch.setenv(ADMIN_TOKEN_ENV, "s3cret")
    limits = DemoLimits.from_env()
    assert limits is not None
    return limits


def test_demo_is_off_unless_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEMO_ENV, raising=False)
    assert DemoLimits.from_env() is None
    monkeypatch.setenv(DEMO_ENV, "1")
    monkeypatch.setenv(f"{DEMO_ENV}_MAX_TRIALS", "7")
    assert DemoLimits.from_env().max_trials == 7


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"budget": {"n_trials": 500}}, "budget.n_trials", "500 trials is over the demo's cap of 40 trials"),
        ({"budget": {"timeout_s": 60}}, "budget.n_trials", "a time-only budget is over the demo's cap"),
        ({"space": {"epochs": 1000}}, "space.epochs", "1000 epochs is over the demo's cap of 100"),
        (
            {"space": {"epochs": {"type": "int", "low": 10, "high": 500}}},
            "space.epochs",
            "500 epochs is over",
        ),
        ({"workers": 4}, "workers", "4 workers is over the demo's cap of 1"),
        ({"dataset": {"name": "synthetic-houses", "rows": 100_000}}, "dataset.rows", "100,000 rows is over"),
        (
            {"strategy": "grid", "space": {"hidden_size": {"type": "int", "low": 1, "high": 100}}},
            "space",
            "100 trials is over the demo's cap of 40",
        ),
    ],
)
def test_launch_refuses_specs_over_the_caps(
    demo, storage_url: str, change: dict, field: str, message: str
) -> None:
    with pytest.raises(SpecError) as caught:
        launch(quick_spec(**change), "over", storage_url, owner="visitor")
    assert message in caught.value.by_field()[field]
    assert list_run_names(storage_url) == []


def test_a_million_combination_grid_is_refused_before_anything_is_stored(storage_url: str) -> None:
    space = {
        "hidden_size": {"type": "int", "low": 1, "high": 1000},
        "batch_size": {"type": "int", "low": 1, "high": 1000},
    }
    with pytest.raises(SpecError, match="1,000,000 combinations"):
        RunSpec.from_dict({"dataset": "article", "strategy": "grid", "space": space})


def test_one_active_run_per_visitor(demo, storage_url: str) -> None:
    create_run(quick_spec(), "mine", storage_url, owner="visitor-a")
    with pytest.raises(NotAllowed, match="you already have 1 search running"):
        launch(quick_spec(), "second", storage_url, owner="visitor-a")
    assert list_run_names(storage_url) == ["mine"]


def test_the_demo_caps_concurrent_runs_overall(demo, storage_url: str) -> None:
    for index in range(demo.max_active_runs):
        create_run(quick_spec(), f"run{index}", storage_url, owner=f"visitor-{index}")
    with pytest.raises(NotAllowed, match="at most 3 searches at once"):
        launch(quick_spec(), "one-more", storage_url, owner="newcomer")


def test_only_the_owner_or_the_admin_may_stop_a_run(demo, storage_url: str) -> None:
    run = create_run(quick_spec(), "owned", storage_url, owner="visitor-a")
    check_control(run, "visitor-a")
    with pytest.raises(NotAllowed, match="started by another visitor"):
        check_control(run, "visitor-b")
    with pytest.raises(NotAllowed):
        check_control(run, "visitor-b", token="wrong")
    check_control(run, "visitor-b", token="s3cret")


def test_old_finished_runs_are_cleaned_up(demo, storage_url: str) -> None:
    old = create_run(quick_spec(), "old", storage_url)
    old.study.set_user_attr(RESULT_ATTR, {"state": "finished", "finished_at": time.time() - 3 * 86400})
    create_run(quick_spec(), "fresh", storage_url)
    assert remove_expired_runs(storage_url, demo) == ["old"]
    assert list_run_names(storage_url) == ["fresh"]


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("", "the file is empty"),
        ("size,price\n", "header but no data rows"),
        ("size,price\n1,2\n", "at least 8"),
        ("size,price\n" + "1,x\n" * 10, "not numeric"),
    ],
)
def test_a_bad_csv_is_refused_by_launch_and_nothing_is_stored(
    storage_url: str, csv_text: str, message: str
) -> None:
    spec = quick_spec(dataset={"name": "csv", "target": "price"})
    with pytest.raises(FieldError, match=message):
        launch(spec, "csv-run", storage_url, csv_text=csv_text)
    assert list_run_names(storage_url) == []


def test_upload_size_cap_follows_demo_mode(demo, storage_url: str) -> None:
    spec = quick_spec(dataset={"name": "csv", "target": "price"})
    big = "size,price\n" + "".join(f"{i},{i * 2 + 1}\n" for i in range(200_000))
    with pytest.raises(FieldError, match="over the limit of 1.0 MB"):
        launch(spec, "big", storage_url, csv_text=big, owner="v")
