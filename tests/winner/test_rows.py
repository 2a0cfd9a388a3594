"""New rows are checked against the training columns before anything runs; every refusal
names the column (and the row) and what to do."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import pytest

from tests.winner.winners import Winner
from tuning.data.csv_data import CsvLimits, read_csv_frame
from tuning.errors import FieldError
from tuning.winner.folder import Source
from tuning.winner.model import WinnerModel
from tuning.winner.rows import read_rows

GOOD = "size,colour,garden,name\n4.2,red,yes,ann\n7.0,blue,no,bob\n"


def rows(text: str) -> pd.DataFrame:
    return read_rows(text.encode())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("size,garden\n4.2,yes\n", "the column(s) colour are missing; the model was trained on size, colour, garden (other"),
        ("size,colour,garden\n4.2,red,yes\nbig,red,no\n", "column 'size' holds 'big' in row 2: text in a column that was a number in training"),
        ("size,colour,garden\n4.2,red,maybe\n", "column 'garden' holds 'maybe' in row 1: not yes/no"),
        ("size,size,colour,garden\n1,2,red,yes\n", "column names repeat: ['size']"),
        ("size,colour,garden\n", "the file has a header but no rows to predict"),
        ("size;colour;garden\n4,2;red;yes\n", "are missing; the model was trained on size, colour, garden (other columns are ignored); the file has one column only, and its header holds ';'"),
    ],
)  # fmt: skip
def test_a_refused_table_says_which_column_and_row(
    winner: Callable[[str, Source], Winner], text: str, message: str
) -> None:
    model = WinnerModel(winner("classification", Source.SELECTED).folder)
    with pytest.raises(FieldError, match=re.escape(message)) as caught:
        model.predict_rows(rows(text))
    assert caught.value.field == "new rows"


def test_extra_columns_are_ignored_and_listed_and_unseen_categories_handled(
    winner: Callable[[str, Source], Winner],
) -> None:
    model = WinnerModel(winner("classification", Source.SELECTED).folder)
    prediction = model.predict_rows(rows(GOOD.replace("blue", "purple").replace("name", "note")))
    assert prediction.ignored == ("note",) and prediction.metrics is None
    assert prediction.frame["predicted_label"].isin(["c0", "c1", "c2"]).all()
    assert prediction.frame.filter(like="probability_").sum(axis=1).round(6).tolist() == [1.0, 1.0]
    assert prediction.probabilities == ["probability_c0", "probability_c1", "probability_c2"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b" \n", "the file is empty; upload a CSV with a header row and data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is binary, not a CSV text file"),
        (b"size\n\xff\n", "the file is not UTF-8 text (byte 5); save it as UTF-8 CSV"),
        (b"size\n" + b"1.5\n" * 40, "the file is 0.0 MB, over the limit of 0.0 MB; upload fewer rows"),
    ],
)  # fmt: skip
def test_an_unreadable_file_of_rows_is_refused_as_the_new_rows_not_the_dataset(
    data: bytes, message: str
) -> None:
    """Predicting reads files as Launch does, but the file the user gave is the new rows:
    "dataset.csv: the file is binary" named a file they never uploaded there."""
    with pytest.raises(FieldError) as caught:
        read_rows(data, CsvLimits(max_bytes=100))
    assert str(caught.value) == f"new rows: {message}"
    with pytest.raises(FieldError) as launch:
        read_csv_frame(data, CsvLimits(max_bytes=100))
    assert str(launch.value) == f"dataset.csv: {message}"


def test_gaps_are_filled_as_in_training_but_all_number_data_refuses_them(
    winner: Callable[[str, Source], Winner],
) -> None:
    table = WinnerModel(winner("classification", Source.SELECTED).folder)
    assert len(table.predict(rows("size,colour,garden\n,NA,?\n"))) == 1
    plain = WinnerModel(winner("plain", Source.SELECTED).folder)
    frame = winner("plain", Source.SELECTED).rows.head(3).copy()
    frame.loc[frame.index[1], "age_years"] = None
    with pytest.raises(FieldError, match=re.escape("column 'age_years' has an empty cell in row 2")):
        plain.predict(frame)
