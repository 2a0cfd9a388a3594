"""CSV uploads: what is accepted, and a message for each kind of bad file."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tuning.data.csv_data import CsvLimits, parse_csv
from tuning.errors import FieldError

GOOD = "size,rooms,price\n" + "".join(f"{50 + i},{1 + i % 4},{100 + 3 * i}\n" for i in range(12))


def test_numeric_csv_gives_features_and_target() -> None:
    table = parse_csv(GOOD.encode(), "price")
    assert table.feature_names == ("size", "rooms")
    assert table.features.shape == (12, 2)
    assert np.allclose(table.target[:2], [100, 103])


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
        (GOOD.replace("103", "nan").encode(), "price", "NaN or infinite"),
        (GOOD.replace("103", "inf").encode(), "price", "NaN or infinite"),
        (GOOD.replace("103", "").encode(), "price", "missing"),
        (
            GOOD.replace("price\n", "price\n").replace("100\n", "cheap\n").encode(),
            "price",
            "the target ['price'] are not numeric",
        ),
        (GOOD.encode(), "cost", "no column 'cost'"),
        ("a,price\n" + "".join(f"1,{i}\n" for i in range(10)), "price", "hold one value only"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes | str, target: str, message: str) -> None:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(FieldError, match=re.escape(message)):
        parse_csv(raw, target)


def test_file_over_the_size_cap_is_refused() -> None:
    with pytest.raises(FieldError, match="over the limit of 0.0 MB"):
        parse_csv(GOOD.encode(), "price", CsvLimits(max_bytes=10))
