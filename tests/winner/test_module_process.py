"""A model file's winner predicts raw rows through a process of its own: the same predictions
as the engine's, without torch or the user's file in the caller; a changed file, or a model
that takes data()'s arrays, refused saying why (tuning/winner/module_process.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.code_files import TINY_MODEL, write_code
from tests.winner.winners import module_winner
from tuning.errors import FieldError
from tuning.models.source import code_env
from tuning.winner.model import WinnerModel

SPACE = {"width": 8, "lr": 0.01, "batch_size": 16, "epochs": 3}
#: Predict a folder's rows in a fresh process, and say whether torch or the user's file got in.
PREDICT = """
import json, sys
import pandas as pd
from tuning import load_model
frame = load_model(sys.argv[1]).predict(pd.read_csv(sys.argv[2]))
frame.to_csv(sys.argv[3], index=False)
print(json.dumps(sorted(m for m in sys.modules if m == "torch" or m.startswith("sweetspot_user_"))))
"""


def test_a_model_files_winner_predicts_as_the_engine_did_without_torch_in_the_caller(
    code_root: Path, tmp_path: Path
) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    winner = module_winner("tiny.py", "table", SPACE)
    folder = winner.folder.write(tmp_path / "model")
    winner.rows.to_csv(tmp_path / "rows.csv", index=False)
    argv = [sys.executable, "-c", textwrap.dedent(PREDICT), str(folder), str(tmp_path / "rows.csv")]
    done = subprocess.run(
        [*argv, str(tmp_path / "out.csv")],
        cwd=code_root,
        env=code_env(code_root),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []  # the network ran in another process
    data = winner.objective.data
    predicted = pd.read_csv(tmp_path / "out.csv")[[f"probability_{c}" for c in data.classes]].to_numpy()
    np.testing.assert_allclose(predicted, winner.engine, rtol=1e-5, atol=1e-6)
    assert WinnerModel(winner.folder).network["model"]["reference"] == "tiny.py"


def test_predicting_with_another_copy_of_the_file_is_refused(code_root: Path) -> None:
    path = write_code(code_root, "tiny.py", TINY_MODEL)
    winner = module_winner("tiny.py", "table", SPACE)
    path.write_text(path.read_text() + "\n# edited since the run\n")
    with pytest.raises(FieldError, match="differs from the model stored with the run") as refused:
        WinnerModel(winner.folder).predict(winner.rows.head(3))
    assert refused.value.message.startswith("the model file's network could not predict: CodeMismatch: ")


def test_a_model_trained_on_data_arrays_says_what_it_takes_instead_of_rows(code_root: Path) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    model = WinnerModel(module_winner("tiny.py", "code", SPACE).folder)
    with pytest.raises(
        FieldError, match=r"takes inputs shaped \(3\) per row, as data\(\) gives them"
    ) as refused:
        model.predict(pd.DataFrame({"a": [1.0]}))
    assert refused.value.field == "new rows" and "network.torchscript.pt" in refused.value.message
