"""Trade-off runs on PostgreSQL: the checks of tests/tradeoff_checks.py on an RDB storage,
where Optuna caches trials and stores constraints and several values in its own tables."""

from __future__ import annotations

from tests.tradeoff_checks import check_a_pick_is_tested_once, check_houses_front_within_a_bound


def test_houses_front_within_a_bound(pg_url: str) -> None:
    check_houses_front_within_a_bound(pg_url)


def test_a_pick_is_tested_once(pg_url: str) -> None:
    check_a_pick_is_tested_once(pg_url)
