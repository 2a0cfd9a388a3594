"""The CLI lifecycle checks of tests/test_cli_lifecycle.py, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from tests import lifecycle_checks as checks


def test_extended_bayesian_run_sampler_sees_every_trial(pg_url: str, tmp_path: Path, capsys) -> None:
    checks.check_extended_sampler_sees_every_trial(pg_url, tmp_path, capsys)


def test_warm_start_first_suggestions_use_inherited_trials(pg_url: str, tmp_path: Path, capsys) -> None:
    checks.check_warm_start_uses_inherited_trials(pg_url, tmp_path, capsys)


def test_enqueued_configuration_runs_once_then_notes(pg_url: str, tmp_path: Path, capsys) -> None:
    checks.check_enqueued_runs_once(pg_url, tmp_path, capsys)
    checks.check_notes_and_tags(pg_url, capsys)
