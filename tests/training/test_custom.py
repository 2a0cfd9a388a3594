"""A user's PyTorch module trained by Sweetspot's loop: seeded, validated each epoch, tested once,
its weights stored; an exception in the user's code fails that trial alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from optuna.trial import TrialState

from tests.code_files import FAILING_MODEL, TINY_MODEL, write_code
from tests.runs_helpers import run_in_process
from tuning.definition.spec import RunSpec
from tuning.models.reference import CodeKind
from tuning.models.source import CodeMismatch
from tuning.storage import record
from tuning.storage.runs import create_run
from tuning.training.custom import ModuleObjective
from tuning.training.worker import Worker, WorkerOptions
from tuning.views.summary import failed_tracebacks, summarize
from tuning.winner.load import run_model

NAN_MODEL = """
import numpy as np

SPACE = {"epochs": 3, "batch_size": 8}


def data():
    x = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    return x, x.sum(axis=1)


def build(config, data_info):
    from torch import nn

    class Broken(nn.Linear):
        def forward(self, x):
            return super().forward(x) * float("nan")

    return Broken(2, 1)
"""


def test_a_model_file_trains_seeded_and_its_winner_is_tested_once(code_root: Path, storage_url: str) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    spec = RunSpec.for_code(CodeKind.MODEL, "tiny.py", {"budget": {"n_trials": 2}})
    run = run_in_process(spec, storage_url)
    summary = summarize(run)
    assert (summary.state, summary.n_complete, summary.task) == ("finished", 2, "classification")
    assert summary.test_metrics is not None and summary.test_metrics["accuracy"] is not None
    assert summary.baselines is not None  # data()'s rows of 3 columns are a table the baselines take
    assert summary.code == {"kind": "model", "reference": "tiny.py", "sha256": spec.source.sha256}  # type: ignore[union-attr]
    trials = run.study.get_trials(states=(TrialState.COMPLETE,))
    assert all(len(t.user_attrs[record.CURVE.key]) == 2 for t in trials)  # one point per epoch
    assert all(set(t.user_attrs[record.METRICS.key]) >= {"log_loss", "accuracy"} for t in trials)
    card = run_model(run).card  # the model folder: the file's reference and hash, its TorchScript
    assert card["network"]["kind"] == "module" and card["network"]["takes"] == "arrays"
    assert card["network"]["model"] == {"reference": "tiny.py", "sha256": spec.source.sha256}  # type: ignore[union-attr]
    assert card["network"]["data_info"]["input_shape"] == [3] and card["torchscript"]["file"]
    # Seeded: the same configuration trains to the same curve again.
    trainer = ModuleObjective(run.spec, None)
    trainer.ready()
    config = {**run.spec.fixed_values(), "width": 4, "lr": 0.01}
    assert trainer.train(config).curve == trainer.train(config).curve


def test_a_model_file_trains_on_a_sweetspot_table_with_its_baselines(
    code_root: Path, storage_url: str
) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    raw = {"budget": {"n_trials": 1}, "dataset": {"name": "synthetic-houses", "rows": 60}}
    run = run_in_process(RunSpec.for_code(CodeKind.MODEL, "tiny.py", raw), storage_url)
    summary = summarize(run)
    assert (summary.state, summary.task, summary.metric) == ("finished", "regression", "mse")
    assert summary.baselines is not None and summary.test_loss is not None


#: Images the baselines cannot take, and a module TorchScript cannot script (``*rest``).
IMAGES_MODEL = """
import numpy as np
from torch import nn

SPACE = {"epochs": 2, "batch_size": 8}


def data():
    x = np.random.default_rng(0).normal(size=(40, 1, 2, 2)).astype(np.float32)
    return x, (x.sum(axis=(1, 2, 3)) > 0).astype(np.int64)


class Flat(nn.Module):
    def __init__(self, outputs):
        super().__init__()
        self.linear = nn.Linear(4, outputs)

    def forward(self, x, *rest):
        return self.linear(x.flatten(1))


def build(config, data_info):
    return Flat(data_info["outputs"])
"""


def test_a_model_file_on_images_skips_the_baselines_and_keeps_an_unscriptable_module(
    code_root: Path, storage_url: str
) -> None:
    write_code(code_root, "images.py", IMAGES_MODEL)
    spec = RunSpec.for_code(CodeKind.MODEL, "images.py", {"strategy": "random", "budget": {"n_trials": 1}})
    run = run_in_process(spec, storage_url)
    summary = summarize(run)
    assert summary.state == "finished" and summary.baselines is not None
    assert {entry["skipped"] for entry in summary.baselines.values()} == {
        "the data is not a table of rows and columns"
    }
    folder = run_model(run)
    network, script = folder.card["network"], folder.card["torchscript"]
    assert network["takes"] == "arrays" and network["data_info"]["input_shape"] == [1, 2, 2]
    assert network["model"] == {"reference": "images.py", "sha256": spec.source.sha256}  # type: ignore[union-attr]
    assert script["file"] is None and script["why_not"]  # the state dict and the file rebuild it
    assert set(folder.files) == {"model.json", "weights.safetensors", "preprocessing.json"}


def test_a_model_files_trade_off_run_measures_its_own_module(code_root: Path, storage_url: str) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    raw = {
        "dataset": {"name": "synthetic-houses", "rows": 60}, "objectives": ["mse", "params", "latency_ms"],
        "constraints": {"max_train_s": 600},
    }  # fmt: skip
    run = run_in_process(RunSpec.for_code(CodeKind.MODEL, "tiny.py", raw), storage_url)
    complete = run.study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == 2
    for trial in complete:
        _, params, latency = trial.values
        assert params == (4 + 2) * trial.params["width"] + 1  # build()'s module: 4 features, 1 output
        measures = trial.user_attrs[record.MEASURES.key]
        assert measures["params"] == params and latency > 0 and 0 < measures["train_s"] < 600


def test_an_exception_in_the_users_code_fails_that_trial_and_the_run_goes_on(
    code_root: Path, storage_url: str
) -> None:
    path = write_code(code_root, "failing.py", FAILING_MODEL)
    spec = RunSpec.for_code(CodeKind.MODEL, "failing.py", {"strategy": "grid"})
    run = run_in_process(spec, storage_url)
    summary = summarize(run)
    assert (summary.state, summary.n_complete, summary.n_failed) == ("finished", 1, 1)
    (failed,) = run.study.get_trials(states=(TrialState.FAIL,))
    assert failed.params == {"boom": 1}
    assert failed.user_attrs[record.ERROR.key] == "RuntimeError: the user's build failed on purpose"
    traceback = failed_tracebacks(run)[failed.number]
    assert f'File "{path.resolve()}", line ' in traceback and "raise RuntimeError" in traceback


def test_a_diverging_module_fails_its_trial(code_root: Path, storage_url: str) -> None:
    write_code(code_root, "nan.py", NAN_MODEL)
    spec = RunSpec.for_code(CodeKind.MODEL, "nan.py", {"strategy": "random", "budget": {"n_trials": 1}})
    summary = summarize(run_in_process(spec, storage_url))
    assert summary.state == "failed"
    assert summary.error is not None and "validation loss became nan at epoch 1" in summary.error


def test_a_worker_whose_copy_differs_refuses_to_join(code_root: Path, storage_url: str) -> None:
    path = write_code(code_root, "tiny.py", TINY_MODEL)
    create_run(RunSpec.for_code(CodeKind.MODEL, "tiny.py"), "run", storage_url)
    path.write_text(path.read_text().replace('"epochs": 2', '"epochs": 3'))
    with pytest.raises(CodeMismatch, match=r"tiny.py differs from the model stored with the run"):
        Worker("run", storage_url, WorkerOptions())


def test_a_worker_that_cannot_import_the_file_refuses_to_join(code_root: Path, storage_url: str) -> None:
    """Its hash matches, but a module it imports is missing on this machine."""
    helper = write_code(code_root, "helper_here.py", "WIDTH = 4")
    write_code(code_root, "net.py", "from helper_here import WIDTH\n" + TINY_MODEL)
    create_run(RunSpec.for_code(CodeKind.MODEL, "net.py"), "run", storage_url)
    helper.unlink()
    with pytest.raises(
        CodeMismatch, match=r"this worker cannot import the run's model net.py: ModuleNotFoundError"
    ):
        Worker("run", storage_url, WorkerOptions())


HOOKED = """
import numpy as np

SPACE = {"epochs": 2, "batch_size": 10, "lr": 0.01}
CALLS = []


def data():
    x = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    return x, x[:, 0] - x[:, 1]


def build(config, data_info):
    from torch import nn

    return nn.Linear(data_info["features"], 1)


def loss(output, target):
    CALLS.append("loss")
    return (output - target).abs().mean()


def train_step(model, x, y, optimizer, config):
    CALLS.append("step")
    optimizer.zero_grad()
    value = loss(model(x), y)
    value.backward()
    optimizer.step()
"""


def test_a_files_own_loss_and_training_step_replace_sweetspots(code_root: Path) -> None:
    write_code(code_root, "hooked.py", HOOKED)
    spec = RunSpec.for_code(CodeKind.MODEL, "hooked.py", {"strategy": "random", "budget": 1}).with_code_task()
    assert spec.source is not None and spec.source.hooks == ("data", "loss", "train_step")
    trainer = ModuleObjective(spec, None)
    trainer.ready()
    outcome = trainer.train(spec.fixed_values())
    assert len(outcome.curve) == 2
    steps = 2 * 3  # 24 training rows in batches of 10, for 2 epochs
    assert ["step", "loss"] * steps == trainer.code.CALLS


@pytest.mark.parametrize(
    ("strategy", "space"),
    [
        ("grid", {"width": {"type": "choice", "values": [4, 8]}, "lr": 0.01}),
        ("random", {}),
        ("bayesian", {}),
        ("gp", {}),
        ("cmaes", {"width": 4, "epochs": {"type": "int", "low": 1, "high": 2}}),
    ],
)
def test_every_strategy_searches_a_files_space(
    code_root: Path, storage_url: str, strategy: str, space: dict
) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    raw = {"strategy": strategy, "budget": {"n_trials": 2}, "space": {"epochs": 1, **space}}
    summary = summarize(run_in_process(RunSpec.for_code(CodeKind.MODEL, "tiny.py", raw), storage_url))
    assert (summary.state, summary.n_complete) == ("finished", 2), summary.error
