"""``python -m tuning.training.module_forward FOLDER``: a model file's winner, forward only.

The process ``tuning.winner.module_process`` starts to predict with a user's module, so
that neither the dashboard nor ``load_model`` imports torch or the user's code. In
``FOLDER``: the model folder (``model/``) and each member's encoded, scaled inputs
(``inputs.npz``); out: each member's raw outputs (``outputs.npz``). The model file must
be the one the run trained (its sha256 is in the card), as a worker's must be; any
refusal or error is one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load

from tuning.models.reference import CodeKind
from tuning.models.source import ModelSource
from tuning.training.custom import outputs_2d
from tuning.training.trainer import import_user_code
from tuning.winner.folder import WEIGHTS, ModelFolder
from tuning.winner.module_process import INPUTS, MODEL_DIR, OUTPUTS


def member_modules(folder: ModelFolder) -> list[torch.nn.Module]:
    """Each member's module, built from the model file as in training, in eval mode."""
    card = folder.card
    network = card["network"]
    model = network["model"]
    source = ModelSource(model["reference"], CodeKind.MODEL, model["sha256"], "")
    source.check_copy()  # the file the run trained, or a refusal saying what differs
    code = import_user_code(source)
    told = network["data_info"]
    data_info: dict[str, Any] = {**told, "input_shape": tuple(told["input_shape"])}
    state = load(folder.files[WEIGHTS])
    modules = []
    for i in range(int(network["members"])):
        prefix = f"members.{i}."
        module = code.build(dict(card["params"]), dict(data_info))
        module.load_state_dict({key[len(prefix) :]: v for key, v in state.items() if key.startswith(prefix)})
        modules.append(module.eval())
    return modules


def forward(where: Path) -> None:
    """Read the folder and inputs in ``where``, write the outputs beside them."""
    modules = member_modules(ModelFolder.read(where / MODEL_DIR))
    with np.load(where / INPUTS) as inputs, torch.no_grad():
        outputs = [
            outputs_2d(module(torch.as_tensor(inputs[f"arr_{i}"], dtype=torch.float32))).double().numpy()
            for i, module in enumerate(modules)
        ]
    np.savez(where / OUTPUTS, *outputs)


def main(argv: list[str]) -> int:
    try:
        forward(Path(argv[0]))
    except Exception as error:  # a refusal, or anything the user's code raises: one line
        print(f"the model file's network could not predict: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
