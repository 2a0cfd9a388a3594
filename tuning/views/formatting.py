"""Numbers, durations and notes as every page shows them, in one place.

Scores span decades: an MSE in $1000s² reads 262,590,000 and a log loss 0.43688. Python's
``{:.5g}`` wrote the first as 2.6259e+08, tables wrote 262590000, and the Monitor wrote
something else again; here a score keeps five significant digits in plain decimals with
thousands separators, and falls back to scientific notation only far from 1 (below 10⁻⁴
or from 10¹⁵). The printf and d3 formats below say the same to the data grid and to
Plotly. Notes are Markdown: where a table shows one line of one, it shows its text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

DIGITS = 5  # significant digits of a score
SMALLEST_PLAIN, LARGEST_PLAIN = -4, 15  # decimal exponents shown without scientific notation
NONE = "–"
#: Plotly (d3-format): thousands separators, 5 significant digits, trailing zeros trimmed.
D3_SCORE = ",.5~r"


def fmt_score(value: float | None, digits: int = DIGITS) -> str:
    """``value`` to ``digits`` significant digits: ``262,590,000``, ``0.43688``, ``1.2346e-07``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE
    if not math.isfinite(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if not SMALLEST_PLAIN <= exponent < LARGEST_PLAIN:
        mantissa, power = f"{value:.{digits - 1}e}".split("e")
        return f"{_trimmed(mantissa)}e{power}"
    decimals = digits - 1 - exponent
    rounded = round(value, decimals)
    return _trimmed(f"{rounded:,.{max(decimals, 0)}f}")


def fmt_with_unit(value: float | None, unit: str) -> str:
    """A score and its unit, as the Monitor shows them: ``262,590,000 $1000s²``."""
    text = fmt_score(value)
    return text if text == NONE or not unit else f"{text} {unit}"


def column_format(values: Iterable[Any], digits: int = DIGITS) -> str:
    """A printf format for a data-grid column of scores that stays numeric (and sortable):
    thousands separators and the decimals that give the column's typical score ``digits``
    significant digits, e.g. ``%,.0f`` for MSEs in the millions, ``%,.5f`` for log losses."""
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v)) and v != 0]
    if not finite:
        return f"%,.{digits - 1}f"
    typical = sorted(finite)[len(finite) // 2]
    decimals = digits - 1 - math.floor(math.log10(typical))
    return f"%,.{min(max(decimals, 0), 12)}f"


def fmt_duration(seconds: float | None) -> str:
    """Seconds as people read them: 42 s, 3 min 05 s, 2 h 10 min."""
    if seconds is None:
        return NONE
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def fmt_params(params: dict[str, Any] | None) -> str:
    """``lr=0.001, hidden_size=16``: a configuration in one readable line."""
    if not params:
        return NONE
    return ", ".join(
        f"{k}={fmt_score(v, 4)}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [text](url) and ![alt](url)
_TAG = re.compile(r"<[^>]+>")
_LEAD = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)+")  # heading, quote, list item
_MARKS = re.compile(  # **strong**, *em*, ~~struck~~, `code`; _em_ not inside a word (CommonMark)
    r"(\*\*|\*|~~|`)(?=\S)(.+?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\3(?!\w)"
)


def note_line(markdown: str, limit: int = 80) -> str:
    """The first line of a Markdown note as the text a reader sees, at most ``limit``
    characters: ``**lr** ~ 0.005, see [the run](…)`` reads ``lr ~ 0.005, see the run``."""
    line = next((line for line in markdown.splitlines() if line.strip()), "")
    text = _LEAD.sub("", _TAG.sub("", _LINK.sub(r"\1", line)))
    while (plain := _MARKS.sub(lambda m: m.group(2) or m.group(4), text)) != text:
        text = plain
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _trimmed(number: str) -> str:
    """A decimal without trailing zeros after its point (and without a bare point)."""
    return number.rstrip("0").rstrip(".") if "." in number else number
