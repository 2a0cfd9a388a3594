"""A model folder holds no pickle, loads in a fresh process without the storage, and
refuses files that changed since it was written."""

from __future__ import annotations

import json
import pickletools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.winner.winners import Winner
from tuning.errors import FieldError
from tuning.winner.folder import CARD, PREPROCESSING, TORCHSCRIPT, WEIGHTS, ModelFolder, Source
from tuning.winner.model import WinnerModel

ROOT = Path(__file__).resolve().parents[2]

#: Loads a folder with pickle made unusable and torch unimportable, then predicts.
FRESH = """
import pickle, sys
def refuse(*args, **kwargs):
    raise AssertionError("a pickle was loaded")
pickle.load = pickle.loads = refuse
pickle.Unpickler = refuse
sys.modules["torch"] = None
import pandas as pd
from tuning import load_model
model = load_model(sys.argv[1])
rows = pd.read_csv(sys.argv[2])
print(model.predict(rows).to_json(orient="split"))
"""


def is_pickle(data: bytes) -> bool:
    try:
        pickletools.dis(data, out=open("/dev/null", "w"))  # noqa: SIM115
    except Exception:
        return False
    return True


def test_the_files_sweetspot_loads_hold_no_pickle(winner: Callable[[str, Source], Winner]) -> None:
    folder = winner("classification", Source.SELECTED).folder
    assert set(folder.files) == {CARD, WEIGHTS, PREPROCESSING, TORCHSCRIPT}
    for name in (CARD, PREPROCESSING):
        json.loads(folder.files[name])  # plain JSON
    assert folder.files[WEIGHTS][8:9] == b"{"  # safetensors: a length, a JSON header, raw tensors
    assert not any(is_pickle(folder.files[name]) for name in (CARD, WEIGHTS, PREPROCESSING))


def test_a_folder_loads_and_predicts_in_a_fresh_process_without_the_storage(
    winner: Callable[[str, Source], Winner], tmp_path: Path
) -> None:
    trained = winner("classification", Source.REFIT)
    folder = trained.folder.write(tmp_path / "model")
    (tmp_path / "rows.csv").write_text(trained.rows.drop(columns="label").to_csv(index=False))
    done = subprocess.run(
        [sys.executable, "-c", FRESH, str(folder), str(tmp_path / "rows.csv")],
        cwd=ROOT, capture_output=True, text=True, env={"PATH": "/usr/bin", "TUNING_DATA_DIR": str(tmp_path / "none")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    predicted = json.loads(done.stdout)
    expected = WinnerModel(trained.folder).predict(trained.rows)
    assert [row[0] for row in predicted["data"]] == expected["predicted_label"].tolist()
    assert not (tmp_path / "none").exists()  # nothing looked for a storage


def test_a_changed_file_or_another_format_is_refused(
    winner: Callable[[str, Source], Winner], tmp_path: Path
) -> None:
    folder = winner("regression", Source.SELECTED).folder.write(tmp_path / "model")
    weights = folder / WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(FieldError, match="weights.safetensors does not match the hash in its model.json"):
        ModelFolder.read(folder)
    card = json.loads((folder / CARD).read_text())
    (folder / CARD).write_text(json.dumps({**card, "format": "sweetspot-model-v9"}))
    with pytest.raises(
        FieldError, match="is in format 'sweetspot-model-v9'; this reader knows sweetspot-model-v1"
    ):
        ModelFolder.read(folder)
    with pytest.raises(FieldError, match="has no model.json: it is not a Sweetspot model folder"):
        ModelFolder.read(tmp_path)
