"""The Monitor of a run of the user's code: which file and its hash, no test rows said aloud,
failed trials' tracebacks on demand (not in the public demo)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.code_files import QUADRATIC_OBJECTIVE, TRADEOFF_OBJECTIVE, TRADEOFF_RAW, write_code
from tests.pages.page_helpers import figure, open_lazy, texts
from tests.runs_helpers import run_in_process
from tuning import RunSpec

#: Trials 0 and 4 complete, 1 and 3 fail, 2 is pruned (tests/code_files.py).
RAW = {"objective": "quadratic.py:objective", "strategy": "random", "budget": {"n_trials": 5}}


@pytest.fixture
def objective_run(code_root: Path, storage_url: str) -> str:
    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    return run_in_process(RunSpec.from_dict(RAW), storage_url).spec.source.sha256  # type: ignore[union-attr]


def test_an_objectives_run_names_its_file_says_it_has_no_test_rows_and_shows_its_traceback(
    open_page: Callable[..., AppTest], objective_run: str
) -> None:
    at = open_page("pages/monitor.py", run="run")
    shown = texts(at)
    assert f"Your objective: `quadratic.py:objective` · sha256 `{objective_run[:12]}…`" in shown
    assert "this run has no test rows, no weights and no baselines" in shown
    axes = figure(at, "parallel")["layout"]["xaxis"]["ticktext"]
    assert {"x", "shift"} <= set(axes)  # the space, read from the trials
    at = open_lazy(at, "monitor_tracebacks_open", "monitor_code_open")
    code = "\n".join(block.value for block in at.code)
    assert 'raise ValueError("the objective raised on purpose")' in code  # the traceback's line
    assert "def objective(trial):" in code  # the file as stored with the run


def test_the_public_demo_shows_no_traceback(
    open_page: Callable[..., AppTest], objective_run: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    at = open_lazy(open_page("pages/monitor.py", run="run"), "monitor_tracebacks_open")
    assert not any("the objective raised on purpose" in block.value for block in at.code)


def test_the_analysis_page_reads_an_objectives_space_from_its_trials(
    open_page: Callable[..., AppTest], objective_run: str
) -> None:
    at = open_page("pages/analysis.py", run="run")
    assert not at.exception


def test_an_objective_returning_a_tuple_draws_its_front_on_the_monitor(
    open_page: Callable[..., AppTest], code_root: Path, storage_url: str
) -> None:
    write_code(code_root, "tradeoff.py", TRADEOFF_OBJECTIVE)
    run_in_process(RunSpec.from_dict(TRADEOFF_RAW), storage_url)
    at = open_page("pages/monitor.py", run="run")
    front = figure(at, "front")
    assert front["layout"]["xaxis"]["title"]["text"] == "objective value (as your objective returns it)"
    assert front["layout"]["yaxis"]["title"]["text"] == "objective value 2 (as your objective returns it)"
    assert "4 trial(s) on the front." in texts(at)
    for page in ("pages/analysis.py", "pages/compare.py"):  # importance per value, the race of fronts
        assert not open_page(page, run="run").exception


def _in_order(at: AppTest) -> list[str]:
    """The page's elements in the order a reader meets them: each one's type and text."""
    found: list[str] = []

    def walk(node: object) -> None:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for index in sorted(children):
                walk(children[index])
            return
        proto = getattr(node, "proto", None)
        text = getattr(proto, "text", None) or getattr(proto, "body", None) or ""
        found.append(f"{getattr(node, 'type', '')}: {text}")

    walk(at.main)
    return found


def test_a_failed_trials_traceback_shows_the_users_frames_not_sweetspots(
    open_page: Callable[..., AppTest], objective_run: str
) -> None:
    """Each traceback held some 25 lines of Sweetspot's own frames before the user's one."""
    at = open_lazy(open_page("pages/monitor.py", run="run"), "monitor_tracebacks_open")
    traceback = next(block.value for block in at.code if "the objective raised on purpose" in block.value)
    assert 'File "' in traceback and "quadratic.py" in traceback and ", in objective" in traceback
    assert 'raise ValueError("the objective raised on purpose")' in traceback
    assert traceback.rstrip().endswith("ValueError: the objective raised on purpose")
    assert "tuning/training" not in traceback and "worker.py" not in traceback
    assert re.search(r"… \d+ frames of Sweetspot's own left out", traceback)


def test_failures_are_summed_up_under_the_progress_with_their_tracebacks_closed(
    open_page: Callable[..., AppTest], objective_run: str
) -> None:
    """Three tracebacks sat above the progress bar and pushed the charts down the page."""
    at = open_page("pages/monitor.py", run="run")
    line = "2 trials failed: ValueError: the objective raised on purpose (1 of them; 1 with another error)"
    assert line in texts(at)
    assert not any("raised on purpose" in block.value for block in at.code)  # closed until asked for
    order = _in_order(at)
    progress = next(i for i, element in enumerate(order) if element.startswith("progress"))
    summary = next(i for i, element in enumerate(order) if "2 trials failed" in element)
    assert progress < summary
