"""The dashboard's reader of a storage URL: the runs listed, and the damage its journal
replica stepped over, as Optuna's hardened reader of the same file names it."""

from __future__ import annotations

from pathlib import Path

from tests.fake_runs import make_run
from tuning.reading.trials import list_run_names, read_run, storage_damage
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
