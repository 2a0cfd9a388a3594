"""Big runs written into PostgreSQL in bulk, as ``tests/fake_runs.py`` writes them into a journal.

Optuna's RDB storage stores a trial in one transaction of a dozen statements: 0.1 s a
trial on a loaded 2-core machine, so a 100,000-trial run would take hours to build. Here
the study is created through Optuna (its schema, its attributes) and its trials are
inserted into Optuna's tables in batches, with the values Optuna itself would store
(``optuna/storages/_rdb/models.py``'s conversions). ``tests/test_bench.py`` checks that
Optuna reads such a run back trial for trial.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import optuna
import sqlalchemy
from optuna.distributions import distribution_to_json
from optuna.storages import RDBStorage
from optuna.storages._rdb import models
from optuna.trial import FrozenTrial

from tests.fake_runs import fake_trials
from tuning import RunSpec, open_storage, preset_spec
from tuning.storage import record

BATCH = 2_000


def make_pg_run(url: str, name: str, counts: tuple[int, int, int, int], spec: RunSpec | None = None) -> None:
    """A run of (complete, failed, pruned, running) fake trials in the PostgreSQL database ``url``."""
    spec = spec or preset_spec("houses")
    storage = open_storage(url)
    assert isinstance(storage, RDBStorage), url
    study = optuna.create_study(study_name=name, storage=storage, direction="minimize")
    created = time.time() - (sum(counts) + 1) * 2.0
    study.set_user_attr(record.SPEC.key, spec.to_dict())
    study.set_user_attr(record.CREATED_AT.key, created)
    copy_trials(storage.engine, study._study_id, fake_trials(spec, counts, created))


def copy_trials(engine: sqlalchemy.Engine, study_id: int, trials: Sequence[FrozenTrial]) -> None:
    """Insert ``trials`` into study ``study_id``, numbered in order after none."""
    with engine.begin() as connection:
        for start in range(0, len(trials), BATCH):
            batch = trials[start : start + BATCH]
            heads = [
                {"number": start + i, "study_id": study_id, "state": t.state,
                 "datetime_start": t.datetime_start, "datetime_complete": t.datetime_complete}
                for i, t in enumerate(batch)
            ]  # fmt: skip
            inserted = connection.execute(
                models.TrialModel.__table__.insert().returning(
                    models.TrialModel.__table__.c.trial_id, sort_by_parameter_order=True
                ),
                heads,
            )
            ids = [row[0] for row in inserted]
            for table, rows in _children(zip(ids, batch, strict=True)):
                if rows:
                    connection.execute(table.insert(), rows)


def _children(
    pairs: Iterator[tuple[int, FrozenTrial]],
) -> list[tuple[sqlalchemy.Table, list[dict[str, Any]]]]:
    values, params, users, systems, steps = [], [], [], [], []
    for trial_id, trial in pairs:
        for objective, value in enumerate(trial.values or ()):
            stored, kind = models.TrialValueModel.value_to_stored_repr(value)
            values.append({"trial_id": trial_id, "objective": objective, "value": stored, "value_type": kind})
        for name, value in trial.params.items():
            distribution = trial.distributions[name]
            params.append({"trial_id": trial_id, "param_name": name,
                           "param_value": distribution.to_internal_repr(value),
                           "distribution_json": distribution_to_json(distribution)})  # fmt: skip
        users += [
            {"trial_id": trial_id, "key": k, "value_json": json.dumps(v)} for k, v in trial.user_attrs.items()
        ]
        systems += [
            {"trial_id": trial_id, "key": k, "value_json": json.dumps(v)}
            for k, v in trial.system_attrs.items()
        ]
        for step, value in trial.intermediate_values.items():
            stored, kind = models.TrialIntermediateValueModel.intermediate_value_to_stored_repr(value)
            steps.append({"trial_id": trial_id, "step": step, "intermediate_value": stored,
                          "intermediate_value_type": kind})  # fmt: skip
    return [
        (models.TrialValueModel.__table__, values),
        (models.TrialParamModel.__table__, params),
        (models.TrialUserAttributeModel.__table__, users),
        (models.TrialSystemAttributeModel.__table__, systems),
        (models.TrialIntermediateValueModel.__table__, steps),
    ]
