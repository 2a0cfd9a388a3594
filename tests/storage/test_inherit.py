"""Warm start: which trials fit a new space, and which runs may hand them down."""

from __future__ import annotations

import pytest

from tests.runs_helpers import QUICK_SPACE, quick_spec, run_in_process
from tuning.errors import SpecError
from tuning.storage import record
from tuning.storage.inherit import check_same_data, fits, inherit
from tuning.storage.lifecycle import TrialOrigin, trial_origin

BASE = {"hidden_size": 8, "lr": 0.01, "batch_size": 16, "epochs": 3}


@pytest.mark.parametrize(
    ("changes", "fit"),
    [
        ({}, True),
        ({"hidden_size": 40}, False),  # outside the new range
        ({"batch_size": 64}, False),  # not one of the choices
        ({"epochs": 5}, False),  # the new run fixes epochs at 3
        ({"optimizer": "sgd"}, False),  # the new run trains with the default, adam
    ],
)
def test_a_trial_fits_when_the_new_run_could_have_proposed_it(changes: dict, fit: bool) -> None:
    spec = quick_spec()
    config = {**spec.fixed_values(), **BASE, **changes}
    assert fits(spec, config) is fit


def test_inherited_trials_keep_their_values_and_are_marked(storage_url: str) -> None:
    source = run_in_process(quick_spec(budget={"n_trials": 6}), storage_url, "source")
    narrow = quick_spec(space={**QUICK_SPACE, "hidden_size": {"type": "int", "low": 4, "high": 18}})
    inheritance = inherit(source, narrow)
    complete = source.study.get_trials()
    kept = [t for t in complete if t.params["hidden_size"] <= 18]
    assert 0 < len(kept) < len(complete), "the seed should give trials on both sides of 18"
    assert [t.value for t in inheritance.trials] == [t.value for t in kept]
    assert all(trial_origin(t) is TrialOrigin.INHERITED for t in inheritance.trials)
    assert inheritance.trials[0].user_attrs[record.INHERITED_FROM.key] == f"source#{kept[0].number}"
    assert inheritance.skipped == len(complete) - len(kept)
    assert inheritance.describe().startswith(f"inherited {len(kept)} finished trial(s) from source")


def test_a_run_on_other_data_or_another_split_is_refused(storage_url: str) -> None:
    source = run_in_process(quick_spec(budget={"n_trials": 1}), storage_url, "source")
    check_same_data(source, quick_spec(strategy="bayesian", budget={"n_trials": 9}), None)
    other = quick_spec(seed=3, val_fraction=0.3)
    with pytest.raises(SpecError) as refused:
        check_same_data(source, other, None)
    assert refused.value.by_field() == {
        "warm_start": "a warm start from source needs the same data, split the same way (the seed draws "
        "the split), or the inherited losses would not compare",
        "val_fraction": "is 0.3 here but 0.2 in source",
        "seed": "is 3 here but 0 in source",
    }


def test_a_trade_off_run_hands_down_its_values_and_bounds_to_the_same_objectives(storage_url: str) -> None:
    tradeoff = {"objectives": ["mse", "params"], "constraints": {"max_params": 100}}
    source = run_in_process(quick_spec(budget={"n_trials": 4}, **tradeoff), storage_url, "source")
    inherited = inherit(source, quick_spec(strategy="nsga2", **tradeoff)).trials
    assert [t.values for t in inherited] == [t.values for t in source.study.get_trials()]
    assert [t.constraints for t in inherited] == [t.constraints for t in source.study.get_trials()]
    for other in ({"objectives": ["mse", "latency_ms"]}, {}, {**tradeoff, "constraints": {"max_params": 90}}):
        with pytest.raises(SpecError) as refused:
            check_same_data(source, quick_spec(**other), None)
        assert (
            "source optimises mse, params within max_params 100, this run"
            in refused.value.by_field()["objectives"]
        )
