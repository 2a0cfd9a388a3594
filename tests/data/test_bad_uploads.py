"""Every bad upload of the issue, through every way in, is refused and leaves storage alone.

A file reaches the engine three ways: the Launch page checks its bytes with ``parse_csv``
and the caps in force, then passes the text to ``launch``, which checks it again; the
command line reads a file with ``--csv``. Each way must refuse each bad file with its
reason, and the storage must be exactly as before: the same runs, an existing run's
trials unchanged, the journal file byte for byte, no new files in the data folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from optuna.distributions import IntDistribution
from optuna.trial import TrialState, create_trial

from tests.runs_helpers import quick_spec
from tuning.cli import EXIT_BAD_INPUT, main
from tuning.data.csv_data import parse_csv
from tuning.demo import DEMO_ENV, csv_limits
from tuning.errors import FieldError
from tuning.launcher import launch
from tuning.reading.trials import list_run_names
from tuning.storage.runs import create_run, load_run

GOOD = "size,rooms,price\n" + "".join(f"{50 + i},{1 + i % 4},{100 + 3 * i}\n" for i in range(12))
WIDE = (
    ",".join(f"c{i}" for i in range(9_999)) + ",price\n" + ",".join(str(i % 7) for i in range(10_000)) + "\n"
)
ONE_CLASS = "size,price\n" + "".join(f"{i * 7 % 5 + 0.5},same\n" for i in range(12))
RARE_CLASS = "size,price\n" + "".join(
    f"{i * 7 % 5 + 0.5},{'castle' if i < 2 else 'house'}\n" for i in range(12)
)
WIDE_ONE_HOT = "city,street,shop,price\n" + "".join(
    f"town{i % 60},street{i * 7 % 60},shop{i * 11 % 60},{i}.5\n" for i in range(600)
)  # three text columns of 60 categories: 20 one-hot columns each after the per-column cap
BIG = "size,price\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(150_000))  # about 2 MB
ROWS = "".join(f"{0.5 + i},{i % 3},{100 + 3 * i}\n" for i in range(12))  # no column is row numbers

# (what the issue calls it, the file's bytes, the reason given, demo mode on)
BAD_UPLOADS = [
    ("empty file", b"", "the file is empty", False),
    ("header only", b"size,price\n", "header but no data rows", False),
    ("non-UTF-8", "size,price\n\u00e9,1\n".encode("latin-1"), "not UTF-8 text (byte 11)", False),
    ("binary renamed .csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary", False),
    ("UTF-16", ("size,price\n" + ROWS).encode("utf-16"), "the file is UTF-16 text; save it as UTF-8 CSV", False),
    ("semicolons", ("size;rooms;price\n" + ROWS.replace(",", ";")).encode(), "one column only, and its header holds ';': save the file with commas between columns", False),
    ("tabs", ("size\trooms\tprice\n" + ROWS.replace(",", "\t")).encode(), "one column only, and its header holds tabs: save the file with commas between columns", False),
    ("one row", b"size,price\n1,2\n", "1 data row(s); at least 8", False),
    ("10,000 columns", WIDE.encode(), "10,000 columns, over the limit of 200", False),
    ("10,000 columns (demo)", WIDE.encode(), "10,000 columns, over the limit of 50", True),
    ("inf target", GOOD.replace(",103\n", ",inf\n").encode(), "column 'price' holds inf at data row 2", False),
    ("inf feature", GOOD.replace("\n53,", "\n-inf,").encode(), "column 'size' holds -inf at data row 4", False),
    ("1e308 target", GOOD.replace(",103\n", ",1e308\n").encode(), "column 'price' holds 1e+308 at data row 2; numbers must be finite and within ±1e+100", False),
    ("one class", ONE_CLASS.encode(), "the target has one class only ('same', 12 rows)", False),
    ("a class too rare", RARE_CLASS.encode(), "class 'castle' has 2 row(s); every class needs at least 3", False),
    ("too wide after one-hot (demo)", WIDE_ONE_HOT.encode(), "after one-hot encoding the table has 60 input columns, over the limit of 50", True),
    ("over the size cap (demo)", BIG.encode(), "over the limit of 1.0 MB", True),
    ("duplicate column names", ("size,size,price\n" + GOOD.split("\n", 1)[1]).encode(), "column names repeat: ['size']", False),
    ("duplicate names after a space", ("a, a,y\n" + ROWS).encode(), "column names repeat: ['a']", False),
    ("unnamed columns", (",,y\n" + ROWS).encode(), "columns 1 and 2 have no name in the header row", False),
]  # fmt: skip


@pytest.fixture
def existing(storage_url: str) -> str:
    """A run already in the storage, with finished trials and a learning curve."""
    run = create_run(quick_spec(), "existing", storage_url, owner="someone")
    for number in range(3):
        run.study.add_trial(
            create_trial(
                params={"hidden_size": 8 + number},
                distributions={"hidden_size": IntDistribution(4, 32)},
                value=10.0 - number,
                intermediate_values={1: 20.0, 2: 10.0 - number},
                state=TrialState.COMPLETE,
            )
        )
    return run.name


def snapshot(storage_url: str, data_dir: Path) -> dict[str, Any]:
    """Everything a refused upload must not change."""
    trials = {
        name: [
            (t.number, t.state, t.params, t.value, t.intermediate_values, t.user_attrs, t.system_attrs)
            for t in load_run(name, storage_url).study.get_trials()
        ]
        for name in list_run_names(storage_url)
    }
    journal = Path(storage_url.removeprefix("journal://"))
    files = sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*"))
    return {"runs": list(trials), "trials": trials, "journal": journal.read_bytes(), "files": files}


@pytest.mark.parametrize(
    ("data", "message", "demo"), [case[1:] for case in BAD_UPLOADS], ids=[c[0] for c in BAD_UPLOADS]
)
def test_a_bad_upload_is_refused_everywhere_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    data_dir: Path,
    storage_url: str,
    existing: str,
    capsys: pytest.CaptureFixture[str],
    data: bytes,
    message: str,
    demo: bool,
) -> None:
    if demo:
        monkeypatch.setenv(DEMO_ENV, "1")
    spec = quick_spec(dataset={"name": "csv", "target": "price"})
    before = snapshot(storage_url, data_dir)

    # The Launch page: the bytes, under the caps in force.
    with pytest.raises(FieldError, match=re.escape(message)):
        parse_csv(data, "price", csv_limits())

    # launch(), as the page calls it with the file's text (a file that is no text never gets there).
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        with pytest.raises(FieldError, match=re.escape(message)):
            launch(spec, "from-the-page", storage_url, csv_text=text, owner="visitor")

    # The command line, from a file on disk.
    upload = tmp_path / "upload.csv"
    upload.write_bytes(data)
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec.to_dict()))
    argv = [
        "launch",
        "--spec",
        str(spec_file),
        "--csv",
        str(upload),
        "--name",
        "cli",
        "--storage",
        storage_url,
    ]
    assert main(argv) == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err

    assert snapshot(storage_url, data_dir) == before
    assert before["runs"] == [existing]
    assert [t[1] for t in before["trials"][existing]].count(TrialState.COMPLETE) == 3
