"""A run as one JSON document: complete, plain data, and launchable again."""

from __future__ import annotations

import json

from tests.fake_runs import make_run
from tuning import RunSpec, export_run, load_run, preset_spec
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
