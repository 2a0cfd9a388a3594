"""Where each worker trains: the placement over a machine's GPUs, tested without one."""

from __future__ import annotations

import pytest

from tuning.training.devices import NoSuchDevice, place, visible_gpus


@pytest.mark.parametrize(
    ("index", "gpus", "wanted", "device"),
    [
        (0, 0, None, "cpu"),  # auto on a machine without a GPU
        (3, 0, "cpu", "cpu"),
        (0, 2, None, "cuda:0"),  # auto spreads a machine's workers over its GPUs
        (1, 2, None, "cuda:1"),
        (2, 2, None, "cuda:0"),
        (1043, 4, "cuda", "cuda:3"),  # a worker joining from elsewhere has a random index
        (5, 4, "cuda:2", "cuda:2"),  # pinned
        (1, 4, "cpu", "cpu"),
    ],
)
def test_workers_spread_over_the_visible_gpus(index: int, gpus: int, wanted: str | None, device: str) -> None:
    assert place(index, gpus, wanted) == device


@pytest.mark.parametrize(
    ("gpus", "wanted", "message"),
    [
        (0, "cuda", "asks for device 'cuda', but this machine has no GPU"),
        (0, "cuda:1", "asks for device 'cuda:1', but this machine has no GPU"),
        (2, "cuda:2", "asks for cuda:2, but this machine has 2 GPU\\(s\\) \\(cuda:0 to cuda:1\\)"),
    ],
)
def test_a_gpu_the_machine_lacks_is_refused_saying_what_it_has(gpus: int, wanted: str, message: str) -> None:
    with pytest.raises(NoSuchDevice, match=message):
        place(0, gpus, wanted)


def test_this_machine_counts_its_gpus() -> None:
    assert visible_gpus() >= 0


def test_a_worker_refuses_a_run_asking_for_a_gpu_this_machine_lacks(storage_url: str) -> None:
    from tests.runs_helpers import quick_spec
    from tuning.storage.runs import create_run
    from tuning.training.worker import Worker, WorkerOptions

    if visible_gpus():
        pytest.skip("this machine has a GPU")
    create_run(quick_spec(device="cuda"), "run", storage_url)
    with pytest.raises(NoSuchDevice, match="this machine has no GPU that torch can see"):
        Worker("run", storage_url, WorkerOptions())
