"""Filters on the trials table: states, ranges of loss and hyperparameters, options; fields from the spec."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.fake_runs import make_run
from tuning import preset_spec
from tuning.errors import FieldError
from tuning.views.chart_data import trial_table, trials_frame
from tuning.views.filters import FieldKind, TrialFilter, filter_fields, shown_rows


@pytest.fixture
def table(storage_url: str) -> pd.DataFrame:
    study = make_run(storage_url, "run", 60, n_pruned=10, n_failed=5, n_running=2, finished=False)
    return trial_table(trials_frame(study.get_trials(deepcopy=False)))


def test_no_filter_keeps_every_trial(table: pd.DataFrame) -> None:
    assert TrialFilter().apply(table).equals(table)


def test_states_filter(table: pd.DataFrame) -> None:
    kept = TrialFilter(states=frozenset({"pruned", "failed"})).apply(table)
    assert set(kept["state"]) == {"pruned", "failed"} and len(kept) == 15


def test_loss_range_is_inclusive_and_either_end_may_be_open(table: pd.DataFrame) -> None:
    losses = table["loss"].dropna().sort_values()
    low, high = losses.iloc[10], losses.iloc[20]
    kept = TrialFilter(ranges={"loss": (low, high)}).apply(table)
    assert kept["loss"].between(low, high).all() and len(kept) == 11
    assert len(TrialFilter(ranges={"loss": (None, high)}).apply(table)) == 21
    assert len(TrialFilter(ranges={"loss": (low, None)}).apply(table)) == len(losses) - 10


def test_hyperparameter_ranges_and_options_combine(table: pd.DataFrame) -> None:
    lr = table["lr"].median()
    sizes = frozenset({32, 64})
    kept = TrialFilter(
        states=frozenset({"complete"}), ranges={"lr": (None, lr)}, options={"batch_size": sizes}
    )
    kept_rows = kept.apply(table)
    assert len(kept_rows) > 0
    assert (kept_rows["lr"] <= lr).all() and set(kept_rows["batch_size"]) <= sizes
    assert set(kept_rows["state"]) == {"complete"}


@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (lambda: TrialFilter(ranges={"loss": (5.0, 1.0)}), "loss", "low end must not exceed the high end"),
        (lambda: TrialFilter(states=frozenset({"done"})), "state", "unknown state"),
    ],
)
def test_bad_filters_name_their_field(make: object, field: str, message: str) -> None:
    with pytest.raises(FieldError, match=message) as error:
        make()  # type: ignore[operator]
    assert error.value.field == field


def test_an_unknown_column_is_named_with_the_known_ones(table: pd.DataFrame) -> None:
    with pytest.raises(FieldError, match="no column 'speed'; they have") as error:
        TrialFilter(ranges={"speed": (0, 1)}).apply(table)
    assert error.value.field == "speed"


def test_fields_come_from_the_spec() -> None:
    spec = preset_spec("houses")
    fields = {f.name: f for f in filter_fields(spec.searched())}
    assert set(fields) == set(spec.searched())
    assert fields["lr"].kind is FieldKind.LOG_RANGE and fields["lr"].low < fields["lr"].high
    assert fields["batch_size"].kind is FieldKind.CHOICE and 64 in fields["batch_size"].options
    assert fields["n_layers"].integer


def test_a_big_table_sends_its_lowest_losses_in_trial_order(table: pd.DataFrame) -> None:
    shown = shown_rows(table, limit=10)
    assert len(shown) == 10 and shown["number"].is_monotonic_increasing
    assert set(shown["loss"]) == set(table["loss"].nsmallest(10))
    assert shown_rows(table, limit=1_000) is table
