"""Column profiles: kinds, gaps, what happens to each column, and the inferred task."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from tests.table_cases import mixed_table, regression_table, with_labels
from tuning.data.columns import (
    EXTRA_MISSING,
    ColumnKind,
    ColumnProfile,
    Treatment,
    infer_task,
    profile_table,
)
from tuning.data.task import Task
from tuning.errors import FieldError


def frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), na_values=list(EXTRA_MISSING), skipinitialspace=True)


def by_name(text: str, target: str, **kwargs: object) -> dict[str, ColumnProfile]:
    profile = profile_table(frame(text), target, **kwargs)  # type: ignore[arg-type]
    return {c.name: c for c in profile.columns}


def test_every_kind_of_column_gets_its_treatment_and_reason() -> None:
    columns = by_name(mixed_table(index=True), "label")
    assert columns["Unnamed: 0"].treatment is Treatment.DROPPED
    assert "row numbers" in columns["Unnamed: 0"].what_happens()
    assert columns["size"].kind is ColumnKind.NUMBER and columns["size"].treatment is Treatment.NUMBER
    assert columns["garden"].kind is ColumnKind.YES_NO
    assert columns["colour"].what_happens() == (
        "one-hot, 3 categories; gaps filled from training rows, plus a missing flag"
    )
    assert columns["name"].what_happens() == "dropped: 60 distinct values in 60 rows: an ID or name"
    assert columns["label"].treatment is Treatment.TARGET


@pytest.mark.parametrize(
    ("counts", "said"),
    [
        ({"a": 40, "b": 30}, "one-hot, 2 categories"),
        ({f"s{i}": 4 for i in range(30)}, "one column: each of its 30 categories is in fewer than 5 rows"),
        (
            {"a": 40, "b": 30, **{f"s{i}": 2 for i in range(6)}},
            "one-hot, 2 categories; 6 rarer ones share one column",
        ),
        ({f"c{i}": 6 for i in range(25)}, "one-hot, 19 categories; 6 rarer ones share one column"),
    ],
    ids=["every category common", "every category rare", "some rare", "over the width"],
)
def test_a_text_column_says_how_many_columns_its_categories_become(counts: dict[str, int], said: str) -> None:
    """30 categories of 4 rows each read "one-hot, 20 categories (rare ones grouped)" while
    the encoder made one column of them (found in a QA pass)."""
    values = [v for v, n in counts.items() for _ in range(n)]
    text = "kind,y\n" + "".join(f"{v},{i % 7}.5\n" for i, v in enumerate(values))
    assert by_name(text, "y")["kind"].what_happens() == said


def test_missing_tokens_count_as_gaps() -> None:
    columns = by_name(mixed_table(), "label")
    # size: every 11th row from row 3 is empty; colour: NA, ? and null cells.
    assert columns["size"].missing == pytest.approx(6 / 60)
    assert columns["colour"].missing == pytest.approx(5 / 60)
    assert columns["colour"].distinct == 3


def test_a_leading_id_column_is_a_row_index_but_other_counting_integers_are_numbers() -> None:
    text = "id,rooms,floor,price\n" + "".join(
        f"{i + 1},{1 + i % 4},{i},{100 + i * 7 % 13}\n" for i in range(20)
    )
    columns = by_name(text, "price")
    assert columns["id"].treatment is Treatment.DROPPED
    assert columns["rooms"].treatment is columns["floor"].treatment is Treatment.NUMBER


def test_excluded_columns_are_dropped_with_that_reason() -> None:
    columns = by_name(mixed_table(), "label", exclude=("garden",))
    assert columns["garden"].what_happens() == "dropped: excluded by you"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"exclude": ("nope",)}, "dataset.exclude", "no such columns ['nope']"),
        ({"exclude": ("label",)}, "dataset.exclude", "the target 'label' cannot be excluded"),
        ({"task": Task.REGRESSION}, "task", "holds text, so it can only be predicted as classes"),
    ],
)
def test_bad_choices_are_refused(kwargs: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(FieldError, match=re.escape(message)) as caught:
        profile_table(frame(mixed_table()), "label", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("values", "task"),
    [
        (["a", "b", "a"], Task.CLASSIFICATION),
        (["yes", "no", "yes"], Task.CLASSIFICATION),
        ([True, False, True], Task.CLASSIFICATION),
        ([0, 1, 2, 1, 0, 2], Task.CLASSIFICATION),
        ([3, 7, 11, 5], Task.REGRESSION),
        ([1.0, 2.0, None, 1.0, 2.0], Task.CLASSIFICATION),
        ([1.5, 2.25, 3.0], Task.REGRESSION),
        (list(range(40)), Task.REGRESSION),
    ],
)
def test_the_task_is_inferred_from_the_target(values: list[object], task: Task) -> None:
    assert infer_task(pd.Series(values)) is task


def test_class_balance_and_override() -> None:
    profile = profile_table(frame(with_labels(["a"] * 5 + ["b"] * 3)), "kind")
    assert profile.task is Task.CLASSIFICATION and profile.class_counts == {"a": 5, "b": 3}
    numeric = profile_table(frame(regression_table()), "price")
    assert numeric.task is Task.REGRESSION and numeric.class_counts == {}
    assert numeric.rows()[1] == {
        "column": "pool", "kind": "yes/no", "missing": 0.0, "distinct": 2, "what happens": "yes/no as 1/0",
    }  # fmt: skip
