"""CSV uploads: what is accepted, and a message for each kind of bad file or target."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.table_cases import mixed_table, regression_table, with_labels
from tuning.data.csv_data import CsvLimits, parse_csv
from tuning.data.task import Task
from tuning.errors import FieldError

GOOD = "size,rooms,price\n" + "".join(f"{50 + i},{1 + i % 4},{100 + 3 * i}\n" for i in range(12))


def test_numeric_csv_gives_features_and_target() -> None:
    table = parse_csv(GOOD.encode(), "price")
    assert table.feature_names == ("size", "rooms")
    assert table.frame.shape == (12, 2)
    assert np.allclose(table.target[:2], [100, 103])
    assert table.profile.task is Task.REGRESSION and table.classes == ()


def test_gaps_in_features_are_kept_for_imputation_and_rows_without_a_target_left_out() -> None:
    table = parse_csv(GOOD.replace("53,", ",").replace(",103\n", ",\n").encode(), "price")
    assert len(table.target) == 11
    assert table.frame["size"].isna().sum() == 1


def test_yes_no_and_categories_make_a_house_price_table_work() -> None:
    table = parse_csv(regression_table().encode(), "price")
    assert table.feature_names == ("area", "pool", "district")
    assert set(table.frame["pool"].unique()) == {0.0, 1.0}


@pytest.mark.parametrize("classes", [2, 3])
def test_class_targets_are_coded_in_sorted_label_order(classes: int) -> None:
    table = parse_csv(mixed_table(classes=classes).encode(), "label")
    assert table.classes == tuple(f"c{i}" for i in range(classes))
    assert sorted(set(table.target.tolist())) == list(range(classes))
    assert "name" not in table.feature_names


@pytest.mark.parametrize(
    ("data", "target", "message"),
    [
        (b"", "price", "the file is empty"),
        (b"size,price\n", "price", "header but no data rows"),
        ("size,price\n\u00e9,1\n".encode("latin-1"), "price", "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "price", "binary"),
        (b"size,price\n1,2\n", "price", "1 data row(s); at least 8"),
        (
            (",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" * 10_000) + "\n").encode(),
            "c0",
            "10,000 columns",
        ),
        (GOOD.replace("103", "inf").encode(), "price", "column 'price' holds inf at data row 2"),
        (GOOD.encode(), "cost", "no column 'cost'"),
        ("a,price\n" + "".join(f"1,{i}\n" for i in range(10)), "price", "no column is left to learn from (a: holds one value only)"),
        ("a,price\n" + "".join(f"{i * 3 % 7},5.5\n" for i in range(10)), "price", "the target 'price' holds one value only"),
        (with_labels(["a"] * 9), "kind", "the target has one class only ('a', 9 rows)"),
        (with_labels(["a"] * 6 + ["b"] * 2), "kind", "class 'b' has 2 row(s); every class needs at least 3"),
        ("x" * 200_000 + ",price\n" + "1,2\n" * 10, "price", "the header row could not be read (field larger than field limit"),
        (",,price\n" + "".join(f"{i},{i % 3},{i * 7 % 5}\n" for i in range(10)), "price", "column 2 has no name in the header row"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_with_a_reason(data: bytes | str, target: str, message: str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(FieldError, match=re.escape(message)):
        parse_csv(raw, target)


def test_folds_raise_the_rows_a_class_needs() -> None:
    labels = with_labels(["a"] * 8 + ["b"] * 4).encode()
    assert parse_csv(labels, "kind").classes == ("a", "b")
    with pytest.raises(FieldError, match=re.escape("class 'b' has 4 row(s); every class needs at least 6")):
        parse_csv(labels, "kind", cv_folds=5)


def test_file_over_the_size_cap_is_refused() -> None:
    with pytest.raises(FieldError, match="over the limit of 0.0 MB"):
        parse_csv(GOOD.encode(), "price", CsvLimits(max_bytes=10))


def test_one_hot_width_counts_against_the_column_cap() -> None:
    text = "city,price\n" + "".join(f"town{i % 12},{i}\n" for i in range(120))
    with pytest.raises(
        FieldError, match="after one-hot encoding the table has 12 input columns, over the limit of 5"
    ):
        parse_csv(text.encode(), "price", CsvLimits(max_columns=5))


def test_a_file_with_cr_only_line_endings_reads_as_with_newlines() -> None:
    """Issue 23.5: old Mac line endings gave a raw ``_csv.Error`` (exit 1; "Something went
    wrong" in the demo), though pandas reads them."""
    lf = parse_csv(GOOD.encode(), "price")
    for ending in ("\r", "\r\n"):
        table = parse_csv(GOOD.replace("\n", ending).encode(), "price")
        assert table.frame.equals(lf.frame) and (table.target == lf.target).all()


def test_only_a_leading_column_of_row_numbers_may_be_unnamed() -> None:
    """R's ``write.csv`` and pandas' ``to_csv`` write the row numbers under an empty name."""
    table = parse_csv(mixed_table(index=True).encode(), "label")
    assert "Unnamed: 0" not in table.feature_names and len(table.target) == 60
