"""Notes and tags stored as study user attributes (tuning/storage/notes.py)."""

from __future__ import annotations

import pytest

from tests.runs_helpers import quick_spec, run_in_process
from tuning.errors import FieldError, SpecError
from tuning.storage.notes import check_tags, read_notes, set_notes, set_trial_note


def test_notes_tags_and_trial_notes_round_trip(storage_url: str) -> None:
    run = run_in_process(quick_spec(budget={"n_trials": 2}), storage_url)
    notes = set_notes(run, "**bold** <script>x</script>\n", [" baseline ", "lr sweep", "baseline"])
    assert notes.note == "**bold** <script>x</script>" and notes.tags == ("baseline", "lr sweep")
    set_trial_note(run, 1, "spiky curve")
    assert set_notes(run, tags=[]).to_dict() == {
        "note": "**bold** <script>x</script>", "tags": [], "trial_notes": {1: "spiky curve"},
    }  # fmt: skip
    set_trial_note(run, 1, "")
    assert read_notes(run.attrs()).trial_notes == {}


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ("baseline", "tags: must be a list of words, got 'baseline'"),
        (["ok", ""], "tags: '' is not a tag"),
        (["a/b"], "tags: 'a/b' is not a tag"),
        ([3], "tags: 3 is not a tag"),
        ([f"t{i}" for i in range(21)], "tags: at most 20 tags, got 21"),
    ],
)
def test_bad_tags_are_refused(tags: object, message: str) -> None:
    with pytest.raises(FieldError, match=message.replace("[", r"\[")):
        check_tags(tags)


def test_a_refused_note_stores_nothing(storage_url: str) -> None:
    run = run_in_process(quick_spec(budget={"n_trials": 1}), storage_url)
    set_notes(run, "kept", ["kept"])
    with pytest.raises(SpecError, match="note: must be text of at most 10,000 characters"):
        set_notes(run, "x" * 10_001, ["new"])
    with pytest.raises(FieldError, match="run run has no trial 5; its trials are 0-0"):
        set_trial_note(run, 5, "hi")
    assert read_notes(run.attrs()).to_dict() == {"note": "kept", "tags": ["kept"], "trial_notes": {}}
