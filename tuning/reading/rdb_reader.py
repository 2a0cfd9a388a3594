"""A run on PostgreSQL, read with a few queries that fetch only new and unfinished trials.

Optuna's RDB storage reads a study's trials through its ORM, each trial with its
parameters, values and attributes: a 10,000-trial run took 7.4 s cold on a page, and the
cost grows with every trial. Here one read is six plain queries in one snapshot
(``REPEATABLE READ``): the trials newer than the last read, and those that were
unfinished then, with their values, parameters, attributes and intermediate values. A
finished trial never changes (Optuna refuses it), so its row is made once
(``reading.rows``); a live Monitor's refresh fetches only what moved.

The queries name Optuna's own tables through its models (``optuna/storages/_rdb/models.py``,
optuna 5.0.0 as pinned); ``tests/postgres/test_pg_reader.py`` holds the trials read here to
the ones Optuna reads.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy
from optuna.storages._rdb import models
from optuna.trial import FrozenTrial, TrialState

from tuning.reading.rows import FinishedRows
from tuning.storage.journal import parsed_distribution

TRIALS = models.TrialModel.__table__
VALUES = models.TrialValueModel.__table__
PARAMS = models.TrialParamModel.__table__
USER_ATTRS = models.TrialUserAttributeModel.__table__
SYSTEM_ATTRS = models.TrialSystemAttributeModel.__table__
INTERMEDIATE = models.TrialIntermediateValueModel.__table__


class RdbTrials:
    """One study's trials as last read: finished ones as rows, unfinished ones as trials."""

    def __init__(self) -> None:
        self.rows = FinishedRows()
        self.live: dict[int, FrozenTrial] = {}  # trial id → unfinished trial
        self.unread: set[int] = set()  # ids unfinished when a cache was saved: fetched on the next read
        self.newest = -1  # the highest trial id read
        self.saved = 0  # rows when last saved (``rdb_cache``)
        self.lock = threading.Lock()

    def read(self, engine: sqlalchemy.Engine, study_id: int) -> tuple[FinishedRows, tuple[FrozenTrial, ...]]:
        """Fetch what changed since the last read; the rows and the unfinished trials now."""
        with self.lock:
            with engine.connect() as connection:
                snapshot = connection.execution_options(isolation_level="REPEATABLE READ")
                with snapshot.begin():
                    trials = _fetch(snapshot, study_id, self.newest, [*self.live, *self.unread])
            self.unread.clear()
            for trial in trials:
                self.newest = max(self.newest, trial._trial_id)
                self.live.pop(trial._trial_id, None)
                if not trial.state.is_finished():
                    self.live[trial._trial_id] = trial
            self.rows.add(t for t in trials if t.state.is_finished())
            self.rows.frame()  # made here, under the lock
            return self.rows, tuple(sorted(self.live.values(), key=lambda t: t.number))


def _fetch(
    connection: sqlalchemy.Connection, study_id: int, newest: int, live: Sequence[int]
) -> list[FrozenTrial]:
    """The trials of ``study_id`` newer than ``newest`` or among ``live``, read whole."""
    wanted = TRIALS.c.study_id == study_id
    wanted &= (TRIALS.c.trial_id > newest) | TRIALS.c.trial_id.in_(live)
    ids = sqlalchemy.select(TRIALS.c.trial_id).where(wanted).scalar_subquery()
    heads = connection.execute(
        sqlalchemy.select(
            TRIALS.c.trial_id,
            TRIALS.c.number,
            TRIALS.c.state,
            TRIALS.c.datetime_start,
            TRIALS.c.datetime_complete,
        ).where(wanted)
    ).all()
    if not heads:
        return []
    values = _grouped(connection, VALUES, ids, VALUES.c.objective, VALUES.c.value, VALUES.c.value_type)
    params = _grouped(
        connection, PARAMS, ids, PARAMS.c.param_name, PARAMS.c.param_value, PARAMS.c.distribution_json,
        order=PARAMS.c.param_id,
    )  # fmt: skip
    users = _grouped(connection, USER_ATTRS, ids, USER_ATTRS.c.key, USER_ATTRS.c.value_json)
    systems = _grouped(connection, SYSTEM_ATTRS, ids, SYSTEM_ATTRS.c.key, SYSTEM_ATTRS.c.value_json)
    steps = _grouped(
        connection, INTERMEDIATE, ids, INTERMEDIATE.c.step, INTERMEDIATE.c.intermediate_value,
        INTERMEDIATE.c.intermediate_value_type,
    )  # fmt: skip
    parts = (values, params, users, systems, steps)
    return [_trial(head, *(part.get(head.trial_id, ()) for part in parts)) for head in heads]


def _grouped(
    connection: sqlalchemy.Connection,
    table: sqlalchemy.Table,
    ids: Any,
    *columns: sqlalchemy.Column[Any],
    order: sqlalchemy.Column[Any] | None = None,
) -> dict[int, list[sqlalchemy.Row[Any]]]:
    """The rows of ``table`` for the trials ``ids``, by trial id."""
    query = sqlalchemy.select(table.c.trial_id, *columns).where(table.c.trial_id.in_(ids))
    grouped: dict[int, list[sqlalchemy.Row[Any]]] = defaultdict(list)
    for row in connection.execute(query.order_by(order) if order is not None else query):
        grouped[row[0]].append(row)
    return grouped


def _trial(head: Any, values: Sequence[Any], params: Sequence[Any], users: Sequence[Any],
           systems: Sequence[Any], steps: Sequence[Any]) -> FrozenTrial:  # fmt: skip
    """The trial as Optuna's ``RDBStorage._build_frozen_trial_from_trial_model`` builds it."""
    scores: list[float] | None = None
    if values:
        scores = [0.0] * len(values)
        for _, objective, value, kind in values:
            scores[objective] = models.TrialValueModel.stored_repr_to_value(value, kind)
    distributions = {name: parsed_distribution(text) for _, name, _, text in params}
    return FrozenTrial(
        number=head.number,
        state=TrialState(head.state),
        value=None,
        values=scores,
        datetime_start=head.datetime_start,
        datetime_complete=head.datetime_complete,
        params={name: distributions[name].to_external_repr(value) for _, name, value, _ in params},
        distributions=distributions,
        user_attrs={key: json.loads(text) for _, key, text in users},
        system_attrs={key: json.loads(text) for _, key, text in systems},
        intermediate_values={
            step: models.TrialIntermediateValueModel.stored_repr_to_intermediate_value(value, kind)
            for _, step, value, kind in steps
        },
        trial_id=head.trial_id,
    )
