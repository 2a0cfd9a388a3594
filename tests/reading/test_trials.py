"""The dashboard's reader of a storage URL: the runs listed, and the damage its journal
replica stepped over, as Optuna's hardened reader of the same file names it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import optuna
from optuna.trial import FrozenTrial, Trial, TrialState

from tests.fake_runs import make_run
from tuning.reading.records import learning_curve
from tuning.reading.trials import list_run_names, read_run, storage_damage
from tuning.storage import record
from tuning.storage.journal import open_journal


def test_a_damaged_journal_lists_its_runs_and_names_the_damage_as_the_storage_does(storage_url: str) -> None:
    make_run(storage_url, "first", 3)
    path = Path(storage_url.removeprefix("journal://"))
    with open(path, "ab") as file:
        file.write(b'{"op_code": 99, "worker_id": "elsewhere"}\n{"op_code": 4, "stud\n')
    make_run(storage_url, "second", 2)
    assert list_run_names(storage_url) == ["second", "first"]
    storage = open_journal(str(path))
    storage.get_all_studies()
    found = sorted(storage.backend.findings.values(), key=lambda f: f.offset)
    described = storage_damage(storage_url)
    assert [line.split(":")[0] for line in described] == [f.describe().split(":")[0] for f in found]
    assert len(described) == 2 and "byte" in described[0]
    assert read_run("second", storage_url).table.finished["number"].tolist() == [0, 1]


def test_a_read_is_the_same_as_the_last_until_its_run_changes(storage_url: str) -> None:
    """The journal's reader hands over the same objects while a run is unchanged and new
    ones for what changed, so a watcher tells an unchanged run at no cost."""
    study = make_run(storage_url, "live", 3, n_running=1, finished=False)
    other = make_run(storage_url, "other", 2, n_running=1, finished=False)
    first = read_run("live", storage_url)
    assert read_run("live", storage_url).same_as(first)
    Trial(other, _running(other)._trial_id).set_user_attr(record.CURVE.key, [1.0, 0.5])
    assert read_run("live", storage_url).same_as(first)  # another run's trial trained on
    curve = _running(study)
    Trial(study, curve._trial_id).set_user_attr(record.CURVE.key, [*learning_curve(curve), 0.1])
    published = read_run("live", storage_url)  # a running trial's curve was published
    assert not published.same_as(first) and read_run("live", storage_url).same_as(published)
    study.set_user_attr(record.STOP_REQUESTED_AT.key, 1.0)  # an attribute of the run: a stop, a heartbeat
    stopped = read_run("live", storage_url)
    assert not stopped.same_as(published) and stopped.attrs[record.STOP_REQUESTED_AT.key] == 1.0
    study.tell(curve.number, 0.5)
    told = read_run("live", storage_url)  # the trial finished: a new row
    assert not told.same_as(stopped) and len(told.table.finished) == 4


def test_a_database_read_is_never_taken_for_the_last(tmp_path: Path) -> None:
    """An SQLite (or PostgreSQL) read builds new objects each time: identity cannot tell."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    make_run(url, "run", 3, n_running=1, finished=False)
    assert not read_run("run", url).same_as(read_run("run", url))


def _running(study: optuna.Study) -> FrozenTrial:
    return next(t for t in study.get_trials() if t.state is TrialState.RUNNING)


ROOT = Path(__file__).resolve().parents[2]
# A freshly started dashboard's first page, on the journal: its modules, then a run's read.
FIRST_PAGE = """
import sys
import pages._shared.common, pages._shared.live_chart, pages._shared.monitor_panels
from tuning.reading.trials import read_run
read_run({name!r}, {url!r})
print(sorted(name for name in sys.modules if name.split(".")[0] == "sqlalchemy"))
"""


def test_a_dashboard_on_the_journal_never_imports_sqlalchemy(storage_url: str) -> None:
    """SQLAlchemy is PostgreSQL's reader (0.3 s to import): a freshly started server on the
    journal paid for it before its first page, in every import of the trials' reader."""
    make_run(storage_url, "run", 5)
    code = FIRST_PAGE.format(name="run", url=storage_url)
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert printed.stdout.strip() == "[]"
