"""The record module is the storage schema: docs/spec.md lists it, and no key lives elsewhere."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tuning.errors import FieldError
from tuning.storage import record
from tuning.storage.record import KEYS, Key, RunResult, RunState, Scope

ROOT = Path(__file__).resolve().parents[2]
SPEC_DOC = ROOT / "docs" / "spec.md"
RECORD_PY = ROOT / "tuning" / "storage" / "record.py"

# Words that are also keys, used in tuning/ for something other than a stored attribute.
NOT_STORAGE = {
    ("tuning/cli.py", "worker"): "the `worker` subcommand",
    ("tuning/launcher.py", "worker"): "the `worker` subcommand in a worker's command line",
    ("tuning/views/chart_data.py", "worker"): "a column of the trial tables",
    ("tuning/views/chart_data.py", "error"): "a column of the trial tables",
    ("tuning/reading/records.py", "worker"): "a column of trial_rows",
    ("tuning/reading/records.py", "error"): "a column of trial_rows",
    ("tuning/reading/records.py", "origin"): "a column of trial_rows",
    ("tuning/reading/records.py", "measures"): "a column of trial_rows (a trade-off run's)",
    ("tuning/views/chart_data.py", "origin"): "a column of the trial tables",
    ("tuning/views/chart_data.py", "measures"): "a column of the trial tables (a trade-off run's)",
    ("tuning/views/failures.py", "error"): "a column of the trial tables",
    ("tuning/views/figures.py", "origin"): "the trial tables' column the history chart groups by",
    ("tuning/views/parallel_figure.py", "origin"): "the trial tables' column of the origin axis",
    ("tuning/views/progress.py", "origin"): "the trial tables' column that marks inherited trials",
    ("tuning/views/export.py", "curve"): "a field of the export document",
    ("tuning/views/table_summary.py", "error"): "a column of the trial tables",
    ("tuning/views/table_summary.py", "origin"): "a column of the trial tables",
}
# Storage writes and where their key argument sits.
KEY_ARGUMENT = {"set_user_attr": 0, "set_system_attr": 0, "set_trial_user_attr": 1,
                "set_trial_system_attr": 1, "set_study_user_attr": 1, "set_study_system_attr": 1}  # fmt: skip
ATTRS = re.compile(r"attrs(\(\))?$")  # user_attrs, system_attrs, attrs, run.attrs()


def doc_rows() -> list[tuple[str, ...]]:
    """The rows of the key table under docs/spec.md's "What a trial records"."""
    text = SPEC_DOC.read_text()
    section = text.split("## What a trial records", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [tuple(cell.strip() for cell in line.strip("|").split(" | ")) for line in rows]


def expected_row(key: Key) -> tuple[str, ...]:
    return (f"`{key.pattern}`", key.scope.value, key.type, key.doc)


def test_spec_doc_lists_exactly_the_recorded_keys() -> None:
    expected = [expected_row(key) for key in KEYS]
    table = "\n".join("| " + " | ".join(row) + " |" for row in expected)
    assert doc_rows() == expected, f"docs/spec.md's key table should read:\n{table}"


def test_every_key_defined_is_registered_once() -> None:
    defined = [value for value in vars(record).values() if isinstance(value, Key)]
    assert set(defined) == set(KEYS) and len(KEYS) == len(set(KEYS))
    assert len({key.key for key in KEYS}) == len(KEYS)


def test_keys_are_the_strings_stored_today() -> None:
    """Changing one of these orphans every stored run: journals and databases hold them."""
    assert {key.pattern: key.scope for key in KEYS} == {
        "sweetspot:spec": Scope.STUDY,
        "sweetspot:csv": Scope.STUDY,
        "sweetspot:created_at": Scope.STUDY,
        "sweetspot:owner": Scope.STUDY,
        "sweetspot:stop_requested_at": Scope.STUDY,
        "sweetspot:model:<selected or refit>": Scope.STUDY,
        "sweetspot:refit": Scope.STUDY,
        "sweetspot:result": Scope.STUDY,
        "sweetspot:weights_b64": Scope.STUDY,
        "sweetspot:baselines": Scope.STUDY,
        "sweetspot:worker:<worker id>": Scope.STUDY,
        "sweetspot:history": Scope.STUDY,
        "sweetspot:reopened_at": Scope.STUDY,
        "sweetspot:warm_start": Scope.STUDY,
        "sweetspot:note": Scope.STUDY,
        "sweetspot:tags": Scope.STUDY,
        "sweetspot:pick": Scope.STUDY,
        "sweetspot:trial_note:<trial number>": Scope.STUDY,
        "sweetspot:model_source": Scope.STUDY,
        "worker": Scope.TRIAL,
        "curve": Scope.TRIAL,
        "loss_spread": Scope.TRIAL,
        "metrics": Scope.TRIAL,
        "measures": Scope.TRIAL,
        "error": Scope.TRIAL,
        "traceback": Scope.TRIAL,
        "retry_of": Scope.TRIAL,
        "origin": Scope.TRIAL,
        "inherited_from": Scope.TRIAL,
        "fixed_params": Scope.TRIAL_SYSTEM,
        "constraints:<bound, e.g. max_params>": Scope.TRIAL_SYSTEM,  # Optuna's own convention
        "sweetspot:ticket": Scope.TRIAL_SYSTEM,
    }


def test_a_family_key_names_its_members_and_a_single_key_has_none() -> None:
    assert record.WORKER_RECORD.member("w1") == "sweetspot:worker:w1"
    with pytest.raises(ValueError, match="'sweetspot:spec' is a single key"):
        record.SPEC.member("w1")


def test_run_states_keep_their_stored_strings_and_know_which_are_active() -> None:
    assert [state.value for state in RunState] == [
        "starting", "running", "stopping", "finished", "stopped", "failed", "interrupted",
    ]  # fmt: skip
    assert {state for state in RunState if state.active} == {
        RunState.STARTING,
        RunState.RUNNING,
        RunState.STOPPING,
    }
    assert RunState("stopping") is RunState.STOPPING and f"{RunState.FAILED:8}|" == "failed  |"


@pytest.mark.parametrize(
    "stored",
    [  # exactly what finalize stored before RunResult existed: both shapes
        {"finished_at": 1.5, "test_loss": None, "state": "failed", "error": "trial 0: loss became nan"},
        {"finished_at": 1.5, "test_loss": None, "state": "stopped", "error": None},
        {"finished_at": 1.5, "test_loss": 250.0, "state": "finished", "best_trial": 3},
        {
            "finished_at": 1.5,
            "test_loss": 0.1,
            "state": "finished",
            "best_trial": 2,
            "test_metrics": {"log_loss": 0.1, "accuracy": 0.95, "roc_auc": None},
            "test_picture": {"classes": ["a", "b"], "counts": [[3, 0], [1, 4]]},
        },  # fmt: skip
    ],
)
def test_run_result_reads_stored_results_and_round_trips(stored: dict) -> None:
    result = RunResult.from_dict(stored)
    assert result.state is RunState(stored["state"]) and result.finished_at == 1.5
    assert (result.test_loss, result.best_trial, result.error) == tuple(
        stored.get(field) for field in ("test_loss", "best_trial", "error")
    )
    assert RunResult.from_dict(result.to_dict()) == result
    assert {k: v for k, v in result.to_dict().items() if v is not None} == {
        k: v for k, v in stored.items() if v is not None
    }
    assert type(result.to_dict()["state"]) is str  # plain JSON data, as stored


@pytest.mark.parametrize(
    "stored, message",
    [
        ({"finished_at": 1.0, "state": "running"}, r"sweetspot:result.state: must be one of finished, stopped, "
         r"failed, got 'running'"),
        ({"finished_at": 1.0, "state": "done"}, r"sweetspot:result.state: must be one of .*got 'done'"),
        ({"finished_at": 1.0}, r"sweetspot:result.state: is missing from the stored result"),
        ({"state": "finished"}, r"sweetspot:result.finished_at: is missing from the stored result"),
    ],
)  # fmt: skip
def test_run_result_refuses_what_no_finished_run_stores(stored: dict, message: str) -> None:
    with pytest.raises(FieldError, match=message):
        RunResult.from_dict(stored)


def stray_keys(source: str, path: str) -> list[str]:
    """Storage keys spelled out in ``source`` instead of taken from the record module.

    Two checks: a known key's string anywhere (bar the uses listed in NOT_STORAGE), and
    any string literal used as a key where attributes are written or read, which catches
    a new key that was never added to the record.
    """
    known = {key.key for key in KEYS}
    found = []
    for node in ast.walk(ast.parse(source)):
        for literal in _storage_literals(node):
            found.append(f"{path}:{literal.lineno}: {literal.value!r} is used as a storage key")
        if _spells_out(node, known, path):
            found.append(f"{path}:{node.lineno}: {node.value!r} spells out a key of the record")
    return found


def _spells_out(node: ast.AST, known: set[str], path: str) -> bool:
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    return node.value.startswith("sweetspot:") or (
        node.value in known and (path, node.value) not in NOT_STORAGE
    )


def _tests_membership_in_attrs(node: ast.Compare) -> bool:
    membership = any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
    return membership and any(ATTRS.search(ast.unparse(side)) for side in node.comparators)


def _storage_literals(node: ast.AST) -> list[ast.Constant]:
    """String literals that ``node`` uses as attribute keys."""
    keys: list[ast.AST] = []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        at = KEY_ARGUMENT.get(node.func.attr)
        if at is not None and len(node.args) > at:
            keys.append(node.args[at])
        if node.func.attr in ("get", "pop", "setdefault") and ATTRS.search(ast.unparse(node.func.value)):
            keys.extend(node.args[:1])
    if isinstance(node, ast.Call):
        for keyword in node.keywords:
            if keyword.arg in ("user_attrs", "system_attrs") and isinstance(keyword.value, ast.Dict):
                keys.extend(k for k in keyword.value.keys if k is not None)
    if isinstance(node, ast.Subscript) and ATTRS.search(ast.unparse(node.value)):
        keys.append(node.slice)
    if isinstance(node, ast.Compare) and _tests_membership_in_attrs(node):
        keys.append(node.left)
    flat = [part for key in keys for part in (key.values if isinstance(key, ast.JoinedStr) else [key])]
    return [k for k in flat if isinstance(k, ast.Constant) and isinstance(k.value, str)]


def test_no_module_but_the_record_spells_out_a_storage_key() -> None:
    found = []
    for path in sorted((ROOT / "tuning").rglob("*.py")):
        if path != RECORD_PY:
            relative = path.relative_to(ROOT).as_posix()
            found += stray_keys(path.read_text(), relative)
    assert found == [], "take these keys from tuning/storage/record.py:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "snippet",
    [
        'trial.set_user_attr("new_key", 1)',  # a new key, never recorded
        'run.storage.set_trial_user_attr(trial_id, "new_key", 1)',
        'study.set_user_attr(f"sweetspot:gpu:{n}", 1)',
        'create_trial(state=s, system_attrs={"new_key": 1})',
        'x = trial.user_attrs["new_key"]',
        'x = run.attrs().get("new_key")',
        'x = "new_key" in attrs',
        'x = {"loss_spread": spread}',  # a recorded key, spelled out
        'STOP = "sweetspot:stop"',
    ],
)
def test_the_stray_key_check_finds_keys_spelled_out(snippet: str) -> None:
    assert stray_keys(snippet, "tuning/views/summary.py")


def test_the_stray_key_check_passes_keys_from_the_record_and_listed_words() -> None:
    source = (
        'trial.set_user_attr(record.ERROR.key, e)\nrow = {"worker": trial.user_attrs.get(record.WORKER.key)}'
    )
    assert stray_keys(source, "tuning/reading/records.py") == []
