"""How every page writes scores, durations, configurations and notes."""

from __future__ import annotations

import math

import pytest

from tuning.views.formatting import (
    column_format,
    fmt_duration,
    fmt_params,
    fmt_score,
    fmt_with_unit,
    note_line,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (262590000.0, "262,590,000"),  # read 262590000 in a table
        (2.533e8, "253,300,000"),  # read 2.533e+08
        (262586321.7, "262,590,000"),  # five significant digits
        (2533.456, "2,533.5"),
        (0.43688, "0.43688"),
        (0.436881234, "0.43688"),
        (0.5, "0.5"),  # no trailing zeros
        (0.000123456, "0.00012346"),
        (1.23456e-7, "1.2346e-07"),  # far below 1: scientific
        (3.2e16, "3.2e+16"),  # far above
        (-12.3456, "-12.346"),  # an R² can be negative
        (0.0, "0"),
        (None, "–"),
        (math.nan, "–"),
        (math.inf, "∞"),
    ],
)
def test_a_score_has_thousands_separators_and_five_significant_digits(
    value: float | None, shown: str
) -> None:
    assert fmt_score(value) == shown


def test_a_score_with_its_unit_as_on_the_monitor() -> None:
    assert fmt_with_unit(262590000.0, "$1000s²") == "262,590,000 $1000s²"
    assert fmt_with_unit(None, "$1000s²") == "–"


@pytest.mark.parametrize(
    ("values", "printf"),
    [
        ([262590000.0, 3.1e8, 2.9e8], "%,.0f"),  # millions: whole numbers with separators
        ([0.43688, 0.51, 0.47], "%,.5f"),  # log losses: five digits after the point
        ([2533.4, 1800.0], "%,.1f"),
        ([None, math.nan], "%,.4f"),  # nothing to go on
    ],
)
def test_a_score_column_stays_numeric_with_a_format_fitting_its_scores(
    values: list[float | None], printf: str
) -> None:
    assert column_format(values) == printf


def test_durations_and_configurations_read_as_people_write_them() -> None:
    assert [fmt_duration(s) for s in (None, 42.4, 185, 7800)] == ["–", "42 s", "3 min 05 s", "2 h 10 min"]
    assert fmt_params({"lr": 0.001234, "hidden_size": 16, "big": 12345.6}) == (
        "lr=0.001234, hidden_size=16, big=12,350"
    )
    assert fmt_params(None) == "–"


@pytest.mark.parametrize(
    ("note", "line"),
    [
        ("**lr** around 0.005 looks better.\nMore below.", "lr around 0.005 looks better."),
        ("# Heading\ntext", "Heading"),
        (
            "\n\n- a `list` item with [a link](http://x.example) and ![pic](p.png)",
            "a list item with a link and pic",
        ),
        ("> quoted _emphasis_ and <b>html</b>", "quoted emphasis and html"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("", ""),
        ("x" * 100, "x" * 79 + "…"),
    ],
)
def test_a_note_in_a_table_is_its_first_line_as_text(note: str, line: str) -> None:
    assert note_line(note) == line
