"""Compare: runs raced by trials and by wall time, and a table of their winners."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from tests.fake_runs import make_run
from tests.pages.page_helpers import figures, texts
from tests.runs_helpers import quick_spec
from tests.table_cases import regression_table
from tuning import RunSpec, preset_spec
from tuning.storage import record


def test_runs_of_one_space_are_raced(open_page: Callable[..., AppTest], storage_url: str) -> None:
    bayesian = preset_spec("article-optuna")
    random = RunSpec.from_dict({**bayesian.to_dict(), "strategy": "random"})
    baselines = {  # as the first worker of each stores them: the same data and split
        name: {"label": label, "validation": {"mse": value}, "test": {"mse": value}, "fit_s": 0.01}
        for name, label, value in [
            ("constant", "mean", 900.0), ("linear", "linear regression", 600.0),
            ("gradient_boosting", "gradient boosting", 400.0),
        ]
    }  # fmt: skip
    for name, spec, seed in (("tpe", bayesian, 1), ("rand", random, 2)):
        make_run(storage_url, name, 20, spec=spec, seed=seed).set_user_attr(record.BASELINES.key, baselines)
    at = open_page("pages/compare.py")
    assert at.multiselect(key="compare_runs").value == ["rand", "tpe"]
    by_trials, by_time = figures(at)
    assert [t["name"] for t in by_trials["data"]] == ["rand (random)", "tpe (bayesian)"]
    assert by_trials["data"][0]["line"]["color"] != by_trials["data"][1]["line"]["color"]
    assert by_trials["layout"]["xaxis"]["title"]["text"] == "trials finished"
    for figure in (by_trials, by_time):  # the baselines as dotted lines, gradient boosting too
        labels = [a["text"] for a in figure["layout"]["annotations"]]
        assert labels == [
            "baseline: mean 900",
            "baseline: linear regression 600",
            "baseline: gradient boosting 400",
        ]
    assert "seconds" in by_time["layout"]["xaxis"]["title"]["text"]
    assert by_time["layout"]["yaxis"]["title"]["text"] == "validation MSE ($1000s²)"
    table = at.dataframe[0].value
    assert list(table["run"]) == ["rand", "tpe"] and table["test score"].tolist() == ["250", "250"]
    assert "Best validation MSE: rand (random)" in texts(at)
    assert not at.warning


def test_runs_on_different_data_are_flagged(open_page: Callable[..., AppTest], storage_url: str) -> None:
    make_run(storage_url, "houses", 5)
    make_run(storage_url, "article", 5, spec=preset_spec("article-optuna"))
    at = open_page("pages/compare.py")
    assert at.multiselect(key="compare_runs").value == ["article"]  # by default, runs on one dataset
    at.multiselect(key="compare_runs").set_value(["article", "houses"]).run()
    assert "not comparable" in at.warning[0].value


def test_runs_of_different_metrics_are_not_titled_by_one(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """A penguins run (log loss) beside a houses run (MSE): both axes said 'validation log loss'."""
    make_run(storage_url, "houses", 5)
    penguins = {**preset_spec("penguins").to_dict(), "task": "classification", "metric": "log_loss"}
    make_run(storage_url, "penguins", 5, spec=RunSpec.from_dict(penguins))
    at = open_page("pages/compare.py")
    at.multiselect(key="compare_runs").set_value(["penguins", "houses"]).run()
    assert "different data" in at.warning[0].value
    for figure in figures(at):
        assert figure["layout"]["yaxis"]["title"]["text"] == "validation score (per run: MSE, log loss)"


def test_a_run_from_the_url_joins_the_race(open_page: Callable[..., AppTest], storage_url: str) -> None:
    for name in ("a", "b", "c", "d"):
        make_run(storage_url, name, 3)
    at = open_page("pages/compare.py", run="a")
    assert at.multiselect(key="compare_runs").value == ["a", "d", "c", "b"]


def test_no_runs_says_what_to_do(open_page: Callable[..., AppTest]) -> None:
    assert "launch two searches" in texts(open_page("pages/compare.py"))


def test_runs_trading_off_the_same_objectives_race_by_hypervolume(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    for name, strategy in (("nsga", "nsga2"), ("rand", "random")):
        spec = RunSpec.from_dict({**preset_spec("houses").to_dict(), "strategy": strategy,
                                  "objectives": ["mse", "params"]})  # fmt: skip
        make_run(storage_url, name, 20, spec=spec, seed=len(name))
    at = open_page("pages/compare.py")
    by_trials, _ = figures(at)
    assert (
        by_trials["layout"]["yaxis"]["title"]["text"] == "hypervolume (share of the box of scaled objectives)"
    )
    assert "hypervolume %{y:" in by_trials["data"][0]["hovertemplate"]
    assert "Largest hypervolume:" in texts(at) and not at.warning


def test_two_uploads_of_one_file_name_with_other_rows_are_other_data(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """Two runs on "mixed.csv" whose rows differ were raced as one dataset, under the first
    one's baselines (found in a QA pass); a warm start already told them apart."""
    spec = quick_spec(dataset={"name": "csv", "target": "price", "filename": "mixed.csv"})
    for name, rows in (("first", 60), ("other", 80), ("same", 60)):
        make_run(storage_url, name, 5, spec=spec).set_user_attr(record.CSV.key, regression_table(rows=rows))
    at = open_page("pages/compare.py", run="first")
    assert at.multiselect(key="compare_runs").value == ["first", "same"]  # by default, runs on these rows
    assert not at.warning
    at.multiselect(key="compare_runs").set_value(["first", "other"]).run()
    assert "These runs use different data" in at.warning[0].value


def test_a_link_to_a_run_that_is_not_there_says_so(
    open_page: Callable[..., AppTest], storage_url: str
) -> None:
    """As the Monitor and Analysis do; Compare showed other runs without a word (QA pass)."""
    make_run(storage_url, "here", 3)
    at = open_page("pages/compare.py", run="gone")
    assert at.multiselect(key="compare_runs").value == ["here"]
    assert "There is no run named **gone** in this storage." in [i.value for i in at.info]
