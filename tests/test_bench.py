"""The benchmarks: ``python -m bench --quick`` must keep running, and its arithmetic must hold."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.__main__ import BENCHMARKS, FULL_REPORT, main
from bench.common import alternate
from bench.curves import best_by_epochs, best_so_far, first_reach
from bench.population import Row, stops_paying

ROOT = Path(__file__).resolve().parent.parent


#: Each benchmark and the title its section starts with.
TITLES = {
    "overhead": "## 1. Overhead",
    "parallel": "## 2. Parallel",
    "efficiency": "## 3. Sample efficiency",
    "dashboard": "## 4. Dashboard",
    "population": "## 5. Populations",
    "speedup": "## 6. Whole runs",
    "browser": "## 7. Opening a big run",
    "big_runs": "## 7b. Runs of",
    "baselines": "## 8. Baselines",
    "predict": "## 9. Predicting with the winner",
    "models": "## 10. Your own model",
}


def test_every_benchmark_has_its_quick_run_below() -> None:
    assert list(TITLES) == list(BENCHMARKS)


@pytest.mark.parametrize("name", list(TITLES))
def test_each_quick_run_writes_its_report_elsewhere_than_docs(
    name: str, tmp_path: Path, data_dir: Path
) -> None:
    """``python -m bench --quick`` still runs: one benchmark a test, so each has its own time
    limit (the whole quick run took over five minutes on the 2-core machine under load)."""
    before = FULL_REPORT.stat().st_mtime_ns if FULL_REPORT.exists() else None
    env = {**os.environ, "TUNING_DATA_DIR": str(data_dir)}
    if os.environ.get("TUNING_TEST_PG_URL"):  # scripts/test.sh's server: exercise the PostgreSQL path too
        env["TUNING_BENCH_PG_URL"] = os.environ["TUNING_TEST_PG_URL"]
    report, raw = tmp_path / "report" / "benchmarks.md", tmp_path / "raw"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", name, "--out", str(report), "--results", str(raw)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = report.read_text()
    assert TITLES[name] in text
    assert sorted(p.name for p in raw.iterdir()) == [f"{name}-quick.json"]
    if name == "dashboard":
        assert "| trials | build | cold read | refresh: engine reads | refresh: Monitor |" in text
    if name == "efficiency":
        images = sorted(p.name for p in (report.parent / "images").iterdir())
        assert images == ["efficiency-diabetes.png", "efficiency-synthetic-houses.png"]
        assert "](images/efficiency-diabetes.png)" in text
    assert (FULL_REPORT.stat().st_mtime_ns if FULL_REPORT.exists() else None) == before


@pytest.mark.parametrize("argv", [["--quick"], ["--only", "overhead"]])
def test_a_partial_run_refuses_to_replace_the_full_report(argv: list[str], capsys) -> None:
    assert main([*argv, "--out", str(FULL_REPORT)]) == 2
    assert "must not replace" in capsys.readouterr().err


def test_alternate_runs_each_case_once_per_round_in_mirrored_order() -> None:
    calls: list[str] = []
    results = alternate({"a": lambda: calls.append("a") or 1, "b": lambda: calls.append("b") or 2}, 3)
    assert calls == ["a", "b", "b", "a", "a", "b"]
    assert results == {"a": [1, 1, 1], "b": [2, 2, 2]}


def test_best_so_far_skips_failed_and_pruned_trials() -> None:
    trials = [
        ("fail", None, 2),
        ("complete", 5.0, 3),
        ("pruned", None, 1),
        ("complete", 7.0, 3),
        ("complete", 4.0, 3),
    ]
    assert best_so_far(trials).tolist() == [np.inf, 5.0, 5.0, 5.0, 4.0]
    assert first_reach(best_so_far(trials), 4.5) == 5
    assert first_reach(best_so_far(trials), 3.0) is None


def test_best_by_epochs_counts_the_compute_spent() -> None:
    axis, curve = best_by_epochs([[("complete", 5.0, 10), ("complete", 3.0, 10)]], points=5)
    assert axis.tolist() == [0.0, 5.0, 10.0, 15.0, 20.0]
    assert curve.tolist() == [np.inf, np.inf, 5.0, 5.0, 3.0]


def test_batching_stops_paying_where_doubling_k_gains_under_ten_percent() -> None:
    rows = [
        Row(k, 1.0, 1.0, per_s, 10.0, 12.0)
        for k, per_s in ((1, 10.0), (2, 19.0), (4, 30.0), (8, 32.0), (16, 20.0))
    ]
    assert stops_paying(rows) == 8
    assert stops_paying(rows[:3]) is None
    assert rows[2].speedup == 3.0
