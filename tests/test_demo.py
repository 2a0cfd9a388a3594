"""Demo mode: caps enforced by the engine, ownership of runs, clean-up, and bad uploads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.demo_memory import largest_csv, largest_spec
from tests.launch_race import (
    STARTED,
    assert_exactly,
    processes_together,
    race_processes,
    race_threads,
    together,
)
from tests.runs_helpers import QUICK_SPACE, quick_spec, run_in_process
from tuning.actions import Actor, annotate_run, enqueue_params, extend_run, fork_source
from tuning.cli import main
from tuning.data.csv_data import parse_csv
from tuning.definition.presets import preset_spec
from tuning.definition.spec import RunSpec
from tuning.demo import (
    ADMIN_TOKEN_ENV,
    DEMO_ENV,
    DemoLimits,
    NotAllowed,
    check_control,
    check_spec,
)
from tuning.demo_capacity import remove_expired_runs
from tuning.errors import FieldError, SpecError
from tuning.launcher import launch
from tuning.reading.trials import list_run_names
from tuning.storage import record
from tuning.storage.lifecycle import Extension
from tuning.storage.owners import owner_hash
from tuning.storage.runs import create_run, load_run, request_stop
from tuning.training.worker import Worker, WorkerOptions
from tuning.views.export import export_run
from tuning.views.summary import summarize

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "0123456789abcdef0123456789abcdef"  # a visitor id as the browser's cookie holds it


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
        (
            {"space": {"hidden_size": {"type": "int", "low": 8, "high": 512, "log": True}}},
            "space.hidden_size",
            "a hidden size of 512 is over the demo's cap of 256",
        ),
        ({"space": {"hidden_size": 1024}}, "space.hidden_size", "a hidden size of 1024 is over"),
        (
            {"cv_folds": 3, "repeats": 2},
            "cv_folds",
            "3 fold(s) × 2 repeat(s) = 6 models per trial is over the demo's cap of 5",
        ),
        ({"cv_folds": 3, "repeats": 2}, "repeats", "= 6 models per trial"),
        ({"repeats": 6}, "repeats", "1 fold(s) × 6 repeat(s) = 6 models per trial"),
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


RACES = {"threads": race_threads, "processes": race_processes}
ALL_BUSY, ONE_EACH = "at most 3 searches at once", "you already have 1 search running"


@pytest.mark.parametrize("how", list(RACES))
def test_simultaneous_launches_of_five_visitors_start_exactly_the_cap(
    demo, storage_url: str, tmp_path: Path, how: str
) -> None:
    """Issue 15.3: five visitors starting together got 5 runs past the cap of 3."""
    owners = [f"{index:032x}" for index in range(5)]
    outcomes = RACES[how](storage_url, owners, tmp_path)
    assert_exactly(demo.max_active_runs, outcomes, ALL_BUSY, storage_url)


@pytest.mark.parametrize("how", list(RACES))
def test_two_tabs_of_one_visitor_starting_together_get_one_run(
    demo, storage_url: str, tmp_path: Path, how: str
) -> None:
    outcomes = RACES[how](storage_url, [COOKIE, COOKIE], tmp_path)
    assert_exactly(demo.max_active_runs_per_session, outcomes, ONE_EACH, storage_url)


def test_only_demo_launches_take_the_storage_lock(
    storage_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock guards the caps: a private app (any storage kind, MySQL too) launches without it."""
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    lock = data_dir / "runs.journal.launch.lock"
    launch(quick_spec(), "private", storage_url)
    assert not lock.exists()
    monkeypatch.setenv(DEMO_ENV, "1")
    launch(quick_spec(), "public", storage_url, owner=COOKIE)
    assert lock.exists()


def test_only_the_owner_or_the_admin_may_stop_a_run(demo, storage_url: str) -> None:
    run = create_run(quick_spec(), "owned", storage_url, owner="visitor-a")
    check_control(run, "visitor-a")
    with pytest.raises(NotAllowed, match="started by another visitor"):
        check_control(run, "visitor-b")
    with pytest.raises(NotAllowed):
        check_control(run, "visitor-b", token="wrong")
    check_control(run, "visitor-b", token="s3cret")


def test_no_output_carries_the_visitors_cookie(
    demo, storage_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Issue 15.2: whoever read the owner in a download could set the cookie and stop the run."""
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    launch(quick_spec(budget={"n_trials": 2}), "mine", storage_url, owner=COOKIE)
    Worker("mine", storage_url, WorkerOptions()).work()  # a finished run: result, trials, weights
    run = load_run("mine", storage_url)
    outputs = {
        "summary": json.dumps(summarize(run).to_dict()),
        "export": json.dumps(export_run(run)),
        "study attrs": json.dumps(run.attrs()),
    }
    for argv in (["show", "mine", "--json"], ["ls", "--json"], ["export", "mine"], ["show", "mine"], ["ls"]):
        assert main([*argv, "--storage", storage_url]) == 0
        outputs[" ".join(argv)] = capsys.readouterr().out
    outputs.update({str(p): p.read_bytes().decode("latin-1") for p in data_dir.rglob("*") if p.is_file()})
    assert [where for where, text in outputs.items() if COOKIE in text] == []
    assert summarize(run).owner == owner_hash(COOKIE)
    check_control(run, COOKIE)  # the visitor who launched it still may stop it


def test_a_cookie_set_to_the_stored_owner_hash_is_refused(
    demo, storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    run = create_run(quick_spec(), "owned", storage_url, owner=COOKIE)
    shown = export_run(run)["summary"]["owner"]  # what any watcher can download
    with pytest.raises(NotAllowed, match="started by another visitor"):
        check_control(run, shown)
    with pytest.raises(NotAllowed, match="you already have 1 search running"):
        launch(quick_spec(), "second", storage_url, owner=COOKIE)
    launch(quick_spec(), "forged", storage_url, owner=shown)  # the hash is someone else: a new visitor


def test_old_finished_runs_are_cleaned_up(demo, storage_url: str) -> None:
    old = create_run(quick_spec(), "old", storage_url)
    old.study.set_user_attr(record.RESULT.key, {"state": "finished", "finished_at": time.time() - 3 * 86400})
    create_run(quick_spec(), "fresh", storage_url)
    assert remove_expired_runs(storage_url, demo) == ["old"]
    assert list_run_names(storage_url) == ["fresh"]


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("", "the file is empty"),
        ("size,price\n", "header but no data rows"),
        ("size,price\n1,2\n", "at least 8"),
        ("size,price\n" + "".join(f"{i % 3}.5,x\n" for i in range(10)), "one class only \\('x', 10 rows\\)"),
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


@pytest.mark.parametrize("preset", ["article-grid", "article-optuna"])
def test_the_article_presets_fit_the_demo(demo, preset: str) -> None:
    check_spec(preset_spec(preset), demo)


def test_a_preset_is_fitted_to_the_caps_where_a_budget_can_fit_it(demo) -> None:
    houses = demo.fit(preset_spec("houses"))  # 60 trials, 2 workers
    assert houses is not None and (houses.budget.n_trials, houses.workers) == (40, 1)
    check_spec(houses, demo)
    assert demo.fit(preset_spec("article-grid")) == preset_spec("article-grid")  # within the caps
    timed = demo.fit(quick_spec(budget={"timeout_s": 7200}))  # time only: the trial cap bounds it
    assert timed is not None and (timed.budget.n_trials, timed.budget.timeout_s) == (40, 3600)
    too_wide = quick_spec(space={**QUICK_SPACE, "hidden_size": 1024})
    assert demo.fit(too_wide) is None  # no budget fixes the network's width
    grid = quick_spec(strategy="grid", space={"hidden_size": {"type": "int", "low": 1, "high": 100}})
    assert demo.fit(grid) is None  # 100 configurations: a grid is not cut short


def test_the_memory_benchmark_measures_every_cap_at_its_limit(demo) -> None:
    """bench/demo_memory.py sizes the caps: its runs must be the largest the demo accepts."""
    spec, csv_text = largest_spec(demo), largest_csv(demo)
    check_spec(spec, demo)
    table = parse_csv(csv_text.encode(), "target", demo.csv_limits())
    assert (len(table.target), len(table.feature_names) + 1) == (demo.max_rows, demo.max_columns)
    assert 0.9 * demo.max_upload_bytes < len(csv_text.encode()) <= demo.max_upload_bytes
    assert max(spec.cv_folds, 1) * spec.repeats == demo.max_models_per_trial
    fixed = spec.fixed_values()
    assert (fixed["hidden_size"], fixed["epochs"], spec.budget.n_trials, spec.workers) == (
        demo.max_hidden_size, demo.max_epochs, demo.max_trials, demo.max_workers,
    )  # fmt: skip


SECRETS_TO_LIMITS = """
from streamlit.runtime.secrets import secrets_singleton
from tuning.demo import DemoLimits, is_admin
secrets_singleton.load_if_toml_exists()  # as `streamlit run` does at start, before any page
print(DemoLimits.from_env().max_trials, is_admin("t0ken"))
"""


def test_community_cloud_secrets_switch_the_demo_on(tmp_path: Path) -> None:
    """Root-level secrets become environment variables when the server starts; workers inherit them."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        'SWEETSPOT_DEMO = "1"\nSWEETSPOT_DEMO_MAX_TRIALS = 20\nSWEETSPOT_ADMIN_TOKEN = "t0ken"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWEETSPOT_")}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", SECRETS_TO_LIMITS], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.stdout.split() == ["20", "True"], done.stderr


def test_another_visitors_run_cannot_be_extended_forked_seeded_or_annotated(demo, storage_url: str) -> None:
    spec = quick_spec(budget={"n_trials": 2})
    run_in_process(spec, storage_url, "theirs")
    load_run("theirs", storage_url).study.set_user_attr(record.OWNER.key, owner_hash("visitor-a"))
    before = load_run("theirs", storage_url).attrs(), len(load_run("theirs", storage_url).study.get_trials())
    picked = {"hidden_size": 8, "lr": 0.01, "batch_size": 16}
    attempts = [
        lambda: extend_run("theirs", Extension(trials=2), Actor(storage_url, "visitor-b")),
        lambda: enqueue_params("theirs", picked, Actor(storage_url, "visitor-b")),
        lambda: annotate_run("theirs", "mine now", ["x"], Actor(storage_url, "visitor-b")),
        lambda: fork_source("theirs", Actor(storage_url, "visitor-b")),
        lambda: launch(spec, "fork", storage_url, owner="visitor-b", warm_start="theirs"),
    ]
    for attempt in attempts:
        with pytest.raises(
            NotAllowed, match="run theirs was started by another visitor; in the demo you can"
        ):
            attempt()
    after = load_run("theirs", storage_url)
    assert (after.attrs(), len(after.study.get_trials())) == before
    assert list_run_names(storage_url) == ["theirs"]
    annotate_run("theirs", "admin note", None, Actor(storage_url, "visitor-b", "s3cret"))
    assert fork_source("theirs", Actor(storage_url, "visitor-a")).spec == load_run("theirs", storage_url).spec


def test_an_extension_must_fit_the_demo_caps(demo, storage_url: str) -> None:
    run_in_process(quick_spec(budget={"n_trials": 2}), storage_url, "mine")
    load_run("mine", storage_url).study.set_user_attr(record.OWNER.key, owner_hash("visitor-a"))
    with pytest.raises(SpecError, match="budget.n_trials: 42 trials is over the demo's cap of 40"):
        extend_run("mine", Extension(trials=40), Actor(storage_url, "visitor-a"))
    with pytest.raises(SpecError, match="a time-only budget is over the demo's cap"):
        extend_run("mine", Extension(minutes=5), Actor(storage_url, "visitor-a"))
    assert load_run("mine", storage_url).spec.budget.n_trials == 2


def test_a_hand_picked_configuration_must_fit_the_trial_cap(demo, storage_url: str) -> None:
    run_in_process(
        quick_spec(budget={"n_trials": 40}, space={**QUICK_SPACE, "epochs": 1}), storage_url, "full"
    )
    load_run("full", storage_url).study.set_user_attr(record.OWNER.key, owner_hash("visitor-a"))
    picked = {"hidden_size": 8, "lr": 0.01, "batch_size": 16}
    with pytest.raises(
        NotAllowed, match=r"run full would hold 41 trials \(40 stored, 1 more\), over the demo's cap of 40"
    ):
        enqueue_params("full", picked, Actor(storage_url, "visitor-a"))
    assert len(load_run("full", storage_url).study.get_trials()) == 40


PICKED = {"hidden_size": 8, "lr": 0.01, "batch_size": 16}


def owned_run(storage_url: str, name: str, n_trials: int, owner: str = COOKIE) -> None:
    """A run of ``n_trials`` one-epoch trials, finished, owned by ``owner``."""
    run_in_process(
        quick_spec(budget={"n_trials": n_trials}, space={**QUICK_SPACE, "epochs": 1}), storage_url, name
    )
    load_run(name, storage_url).study.set_user_attr(record.OWNER.key, owner_hash(owner))


def stored(name: str, storage_url: str) -> int:
    return len(load_run(name, storage_url).study.get_trials())


def test_hand_picked_trials_count_against_an_extension(
    demo, storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23.4: 3 trials, 37 hand-picked, a stop, then 37 more: 77 stored against a cap of 40."""
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    owned_run(storage_url, "mine", 3)
    me = Actor(storage_url, COOKIE)
    for _ in range(37):
        enqueue_params("mine", PICKED, me)
    with pytest.raises(NotAllowed, match=r"run mine would hold 41 trials \(40 stored, 1 more\)"):
        enqueue_params("mine", PICKED, me)
    request_stop(load_run("mine", storage_url))
    monkeypatch.setattr(
        "tuning.views.summary.STARTUP_GRACE_S", 0.0
    )  # no worker is due: stopped, not stopping
    with pytest.raises(
        NotAllowed, match=r"run mine would hold 77 trials \(40 stored, 37 more\), over the demo's cap of 40"
    ):
        extend_run("mine", Extension(trials=37), me)
    assert stored("mine", storage_url) == 40


@pytest.mark.parametrize("how", ["threads", "processes"])
def test_simultaneous_enqueues_on_a_39_trial_run_add_exactly_one(
    demo, storage_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Issue 23.4: eight enqueues at the same moment left 41 trials: the count was read outside the lock."""
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    launch(quick_spec(budget={"n_trials": 39}), "almost", storage_url, owner=COOKIE)  # queued, no worker
    if how == "threads":
        outcomes = together([lambda: enqueue_params("almost", PICKED, Actor(storage_url, COOKIE))] * 8)
    else:
        call = ["enqueue", storage_url, "almost", COOKIE, json.dumps(PICKED)]
        outcomes = processes_together(tmp_path, [call] * 8)
    assert outcomes.count(STARTED) == 1, outcomes
    assert all("would hold 41 trials" in outcome for outcome in outcomes if outcome != STARTED), outcomes
    assert stored("almost", storage_url) == 40


def test_a_budget_counts_whole_while_its_tickets_are_made_a_block_at_a_time(
    demo, storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of 38 trials stores its first block of tickets only: the cap counts all 38."""
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    monkeypatch.setattr("tuning.storage.runs.TICKET_BLOCK", 5)
    launch(quick_spec(budget={"n_trials": 38}), "blocks", storage_url, owner=COOKIE)
    assert stored("blocks", storage_url) == 5
    enqueue_params("blocks", PICKED, Actor(storage_url, COOKIE))
    enqueue_params("blocks", PICKED, Actor(storage_url, COOKIE))
    with pytest.raises(NotAllowed, match=r"run blocks would hold 41 trials \(40 stored, 1 more\)"):
        enqueue_params("blocks", PICKED, Actor(storage_url, COOKIE))
    assert stored("blocks", storage_url) == 7


def test_a_warm_start_counts_its_inherited_trials(demo, storage_url: str, monkeypatch) -> None:
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    owned_run(storage_url, "source", 30)
    spec = quick_spec(budget={"n_trials": 20}, space={**QUICK_SPACE, "epochs": 1})
    with pytest.raises(NotAllowed, match=r"the new run would hold 50 trials \(30 inherited, 20 more\)"):
        launch(spec, "fork", storage_url, owner=COOKIE, warm_start="source")
    assert list_run_names(storage_url) == ["source"]
    launch(quick_spec(budget={"n_trials": 10}, space={**QUICK_SPACE, "epochs": 1}), "fork", storage_url,
           owner=COOKIE, warm_start="source")  # fmt: skip
    assert stored("fork", storage_url) == 40


def test_the_demo_caps_the_time_a_run_may_go_on(demo, storage_url: str, monkeypatch) -> None:
    """Issue 23.4: an extension by 40,000 minutes (about 28 days) was accepted."""
    monkeypatch.setattr("tuning.launcher.spawn_workers", lambda *args, **kwargs: [])
    with pytest.raises(
        SpecError, match="budget.timeout_s: a time limit of 61 minutes from now is over the demo's cap of 60"
    ):
        launch(quick_spec(budget={"n_trials": 5, "timeout_s": 61 * 60}), "long", storage_url, owner=COOKIE)
    owned_run(storage_url, "mine", 2)
    load_run("mine", storage_url).study.set_user_attr(record.CREATED_AT.key, time.time() - 86400)  # a day old
    me = Actor(storage_url, COOKIE)
    with pytest.raises(
        SpecError, match="a time limit of 40,000 minutes from now is over the demo's cap of 60"
    ):
        extend_run("mine", Extension(trials=2, minutes=40_000), me)
    extend_run("mine", Extension(trials=2, minutes=60), me)  # an hour from now, however old the run
    assert stored("mine", storage_url) == 4
