"""Where a worker trains: the spec's ``device`` and the worker's index, over the visible GPUs.

``place`` is pure (no torch), so the placement is tested without a GPU: ``auto`` takes a
GPU when the machine has one, workers of one machine spread over its GPUs by index
(worker k on GPU k mod n); ``cuda`` does the same but refuses a machine without one;
``cuda:N`` pins every worker to GPU N; ``cpu`` stays on the CPU. Nothing needs a GPU.
"""

from __future__ import annotations

from tuning.errors import TuningError


class NoSuchDevice(TuningError):
    """The spec asks for a GPU this machine does not have."""


def place(index: int, gpus: int, wanted: str | None) -> str:
    """The torch device string worker ``index`` trains on, with ``gpus`` GPUs visible."""
    if wanted == "cpu" or (wanted is None and gpus == 0):
        return "cpu"
    if gpus == 0:
        raise NoSuchDevice(
            f"the run asks for device {wanted!r}, but this machine has no GPU that torch can see; "
            "run it with device 'auto' or 'cpu', or join from a machine with one"
        )
    if wanted is None or wanted == "cuda":
        return f"cuda:{index % gpus}"
    number = int(wanted.split(":")[1])
    if number >= gpus:
        raise NoSuchDevice(
            f"the run asks for {wanted}, but this machine has {gpus} GPU(s) (cuda:0 to cuda:{gpus - 1})"
        )
    return wanted


def visible_gpus() -> int:
    """How many CUDA devices torch sees here (``CUDA_VISIBLE_DEVICES`` applies)."""
    import torch  # here: placing needs no torch, only asking the machine does

    return torch.cuda.device_count() if torch.cuda.is_available() else 0
