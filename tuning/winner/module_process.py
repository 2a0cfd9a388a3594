"""A model file's network run in a process of its own, so its caller never imports torch.

The built-in MLP predicts in numpy (``network.py``); a user's module is the user's code
and needs torch, neither of which the dashboard may import. The rows are checked and
encoded here, with the folder's own preprocessing, and handed to a worker-like process
(``python -m tuning.training.module_forward``, where workers' code lives) that imports the
model file (refusing a copy whose sha256 differs from the run's), builds each member
with the winning configuration, loads its weights and returns its raw outputs.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from tuning.errors import FieldError
from tuning.models.reference import model_root
from tuning.models.source import code_env
from tuning.winner.folder import ModelFolder

#: The child's entry point, named rather than imported: it sits above this layer and imports torch.
FORWARD_MODULE = "tuning.training.module_forward"
#: Files the two processes exchange in their shared temporary folder.
MODEL_DIR, INPUTS, OUTPUTS = "model", "inputs.npz", "outputs.npz"
FORWARD_TIMEOUT_S = 600.0


def module_outputs(folder: ModelFolder, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Each member's raw outputs (rows, outputs) for its encoded ``inputs``, computed by the
    model file's module in a process of its own; FieldError saying why it could not."""
    with tempfile.TemporaryDirectory(prefix="sweetspot-predict-") as tmp:
        where = Path(tmp)
        folder.write(where / MODEL_DIR)
        np.savez(where / INPUTS, *inputs)
        root = model_root()
        argv = [sys.executable, "-m", FORWARD_MODULE, str(where)]
        try:
            done = subprocess.run(
                argv, cwd=root, env=code_env(root), capture_output=True, text=True, timeout=FORWARD_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            raise FieldError("model", f"the model file's network took over {FORWARD_TIMEOUT_S:g} s") from None
        if done.returncode != 0 or not (where / OUTPUTS).is_file():
            why = (done.stderr or done.stdout).strip().splitlines()
            raise FieldError("model", why[-1] if why else f"the predicting process ended ({done.returncode})")
        with np.load(where / OUTPUTS) as outputs:
            return [outputs[f"arr_{i}"] for i in range(len(inputs))]
