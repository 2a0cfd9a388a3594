"""A run as one JSON document: complete, plain data, and launchable again."""

from __future__ import annotations

import json

from tests.fake_runs import make_run
from tuning import RunSpec, export_run, load_run, preset_spec
from tuning.storage.lifecycle import enqueue
from tuning.storage.notes import set_notes, set_trial_note
from tuning.views.export import EXPORT_FORMAT


def test_the_document_holds_the_spec_the_outcome_and_every_started_trial(storage_url: str) -> None:
    spec = preset_spec("article-grid")
    make_run(storage_url, "done", 20, spec=spec, n_failed=2, n_pruned=2)
    document = json.loads(json.dumps(export_run(load_run("done", storage_url))))  # plain JSON
    assert document["format"] == EXPORT_FORMAT and document["name"] == "done"
    assert RunSpec.from_dict(document["spec"]) == spec and document["csv"] is None
    assert document["summary"]["n_complete"] == 20 and document["summary"]["state"] == "finished"
    trials = document["trials"]
    assert [t["number"] for t in trials] == list(range(24))
    assert {t["state"] for t in trials} == {"complete", "fail", "pruned"}
    first = trials[0]
    assert set(first["params"]) == set(spec.searched()) and not any(k.startswith("param_") for k in first)
    assert len(first["curve"]) == first["epochs_run"] > 0


def test_queued_tickets_are_left_out(storage_url: str) -> None:
    study = make_run(storage_url, "queued", 3, finished=False)
    study.enqueue_trial({"hidden_size": 8})
    assert len(export_run(load_run("queued", storage_url))["trials"]) == 3


def test_notes_tags_trial_notes_origins_and_earlier_results_are_exported(storage_url: str) -> None:
    make_run(storage_url, "noted", 4)
    run = load_run("noted", storage_url)
    set_notes(run, "*why*", ["kept"])
    set_trial_note(run, 2, "odd")
    enqueue(run, run.study.get_trials()[0].params)  # reopens the run: its result goes to history
    document = json.loads(json.dumps(export_run(load_run("noted", storage_url))))
    summary = document["summary"]
    assert (summary["note"], summary["tags"], summary["trial_notes"]) == ("*why*", ["kept"], {"2": "odd"})
    assert summary["n_hand_picked"] == 1 and summary["history"][0]["test_loss"] == 250.0
    assert [t["note"] for t in document["trials"]] == ["", "", "odd", ""]
    assert {t["origin"] for t in document["trials"]} == {"sampled"}  # the queued one has not started


def test_a_trade_off_run_exports_each_trials_values_measures_and_bounds(storage_url: str) -> None:
    spec = RunSpec.from_dict({**preset_spec("houses").to_dict(), "objectives": ["mse", "params"],
                              "constraints": {"max_params": 2000}})  # fmt: skip
    make_run(storage_url, "trade", 12, spec=spec, n_failed=1)
    document = json.loads(json.dumps(export_run(load_run("trade", storage_url))))
    complete = [t for t in document["trials"] if t["state"] == "complete"]
    assert all(t["value"] == t["values"][0] and t["values"][1] == t["measures"]["params"] for t in complete)
    assert all(t["constraints"]["max_params"] == t["measures"]["params"] - 2000 for t in complete)
    summary = document["summary"]
    assert summary["winner"] in {entry["number"] for entry in summary["pareto"]}
    assert [o["name"] for o in summary["objectives"]] == ["mse", "params"]


def test_a_run_of_one_objective_exports_what_it_always_did(storage_url: str) -> None:
    make_run(storage_url, "plain", 3)
    document = export_run(load_run("plain", storage_url))
    assert not {"objectives", "pareto", "winner", "picked", "n_infeasible"} & set(document["summary"])
    assert not {"values", "measures", "constraints"} & set(document["trials"][0])
