"""Launch's model picker: your model file's space as the rows, its defaults in the form, its import
error before Start; an objective's space left to its code; no picker in the public demo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages._shared.monitor_panels import REPRODUCE_OPEN_KEY
from tests.code_files import QUADRATIC_OBJECTIVE, TINY_MODEL, TRADEOFF_OBJECTIVE, TRADEOFF_RAW, write_code
from tests.pages.page_helpers import button, errors, open_lazy, texts
from tests.runs_helpers import run_in_process
from tuning import RunSpec, list_run_names, load_run


def pick(at: AppTest, kind: str, reference: str) -> AppTest:
    at.segmented_control(key="f_model_kind").set_value(kind).run()
    at.text_input(key="f_model_ref").input(reference).run()
    assert not at.exception, at.exception
    return at


def test_a_model_files_space_becomes_the_rows_and_its_defaults_fill_the_form(
    open_page: Callable[..., AppTest], code_root: Path, no_workers: list[str]
) -> None:
    write_code(code_root, "tiny.py", TINY_MODEL)
    at = pick(open_page("pages/launch.py"), "model", "tiny.py")
    assert "tiny.py declares width, lr, batch_size, epochs; its data(): 60 rows of shape (3,)" in texts(at)
    rows = {c.key for c in at.segmented_control} - {"f_model_kind"}
    assert rows == {
        f"f_{name}_mode" for name in ("width", "lr", "batch_size", "epochs", "optimizer", "weight_decay")
    }
    assert at.multiselect(key="f_width_values").value == [4, 8]
    assert at.radio(key="f_strategy").value == "random" and at.number_input(key="f_trials").value == 2
    assert at.selectbox(key="f_dataset").value == "code"
    assert not button(at, "Start").disabled, errors(at)
    button(at, "Start").click().run()
    (name,) = list_run_names()
    run = load_run(name)
    assert run.spec.model == "tiny.py" and run.spec.source is not None and no_workers == [name]


def test_a_model_file_that_does_not_import_is_shown_before_start(
    open_page: Callable[..., AppTest], code_root: Path
) -> None:
    path = write_code(code_root, "broken.py", "import json\nimport not_a_module_anywhere\n")
    at = pick(open_page("pages/launch.py"), "model", "broken.py")
    assert any(f"{path}, line 2: ModuleNotFoundError" in error for error in errors(at)), errors(at)
    assert button(at, "Start").disabled
    assert list_run_names() == []


def test_an_objectives_space_is_left_to_its_code(open_page: Callable[..., AppTest], code_root: Path) -> None:
    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    at = pick(open_page("pages/launch.py"), "objective", "quadratic.py:objective")
    assert {c.key for c in at.segmented_control} == {"f_model_kind"}  # no rows: the space is its code's
    assert "The space is defined in the objective's code" in texts(at)
    at.radio(key="f_strategy").set_value("random").run()
    at.radio(key="f_direction").set_value("maximize").run()
    assert not button(at, "Start").disabled, errors(at)


def test_the_public_demo_offers_no_model_picker_and_no_code_preset(
    open_page: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEETSPOT_DEMO", "1")
    at = open_page("pages/launch.py")
    assert "f_model_kind" not in {c.key for c in at.segmented_control}
    assert "digits-cnn" not in at.selectbox(key="f_preset").options


def test_an_objective_whose_defaults_list_two_directions_launches_as_a_trade_off(
    open_page: Callable[..., AppTest], code_root: Path, no_workers: list[str]
) -> None:
    defaults = {k: v for k, v in TRADEOFF_RAW.items() if k != "objective"}
    write_code(code_root, "tradeoff.py", TRADEOFF_OBJECTIVE + f"\nDEFAULTS = {defaults!r}\n")
    at = pick(open_page("pages/launch.py"), "objective", "tradeoff.py:objective")
    assert "The objective returns 2 values, traded off (better: lower, lower)." in texts(at)
    assert not button(at, "Start").disabled, errors(at)
    button(at, "Start").click().run()
    (name,) = list_run_names()
    assert load_run(name).spec.to_dict()["direction"] == ["minimize", "minimize"]


def test_an_objectives_run_names_its_code_and_the_hyperparameters_its_trials_sampled(
    open_page: Callable[..., AppTest], code_root: Path, no_workers: list[str]
) -> None:
    from optuna.distributions import CategoricalDistribution, FloatDistribution
    from optuna.trial import create_trial

    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    at = pick(open_page("pages/launch.py"), "objective", "quadratic.py:objective")
    at.radio(key="f_strategy").set_value("random").run()
    assert "search over the hyperparameters your objective suggests" in texts(at)
    assert "0 hyperparameters" not in texts(at)
    button(at, "Start").click().run()
    assert not at.exception and at.title[0].value == "Monitor"
    header = "random search on your objective (quadratic.py:objective) · "
    assert f"{header}the hyperparameters your objective suggests · " in texts(at)
    (name,) = no_workers
    distributions = {"x": FloatDistribution(-3, 3), "shift": CategoricalDistribution([0.0, 1.0])}
    load_run(name).study.add_trial(
        create_trial(params={"x": 1.0, "shift": 0.0}, distributions=distributions, value=1.0)
    )
    at.switch_page("pages/monitor.py")
    at.query_params["run"] = name
    at.run()
    assert f"{header}hyperparameters sampled so far include shift, x · " in texts(at)


def test_an_objectives_best_is_reproduced_by_enqueueing_its_parameters(
    open_page: Callable[..., AppTest], code_root: Path, storage_url: str
) -> None:
    """The Monitor offered a launch command, then warned that its own configuration "cannot be
    relaunched as it is: space: an Optuna objective's space is in its code" (QA pass)."""
    write_code(code_root, "quadratic.py", QUADRATIC_OBJECTIVE)
    raw = {"objective": "quadratic.py:objective", "strategy": "random", "budget": {"n_trials": 2}}
    run = run_in_process(RunSpec.from_dict(raw), storage_url)
    at = open_page("pages/monitor.py", run=run.name)
    open_lazy(at, REPRODUCE_OPEN_KEY)
    assert not at.warning and not at.exception
    assert "study.enqueue_trial" in texts(at)
    code = "\n".join(c.value for c in at.code)
    assert '"x"' in code and "python -m tuning launch" not in code
