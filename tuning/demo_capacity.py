"""The demo's room: how many runs go at once, and how many trials a run holds.

Both are counts of what is stored, so checking one and storing what it allows must be one
step, or changes at the same moment all see room: five launches against a cap of 3 runs
(issue 15.3), eight hand-picked configurations on a 39-trial run against a cap of 40
trials (issue 23.4). ``room_held`` is that step: it takes the storage's lock
(``storage/locks.py``, across processes and machines), counts, and keeps the lock while
the caller stores its change.

Every path that adds trials (launch, warm start, extend, enqueue) describes what it adds
as ``MoreTrials`` and is counted the same way: every trial the run plans, whatever its
state or origin (inherited, hand-picked, queued), except the retry of a trial whose
worker died (it runs a counted trial again). A trial budget is stored a block of tickets
at a time as workers go (``storage.runs.add_budget_tickets``), so the tickets not made
yet count too: a run holds its whole budget from its launch, and an extension adds the
trials it plans, not the tickets it stores at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tuning.demo import DemoLimits, NotAllowed
from tuning.storage import record
from tuning.storage.locks import storage_lock
from tuning.storage.owners import is_owner
from tuning.storage.runs import Run, delete_run, load_run, tickets_to_make
from tuning.views.summary import run_summaries, summarize


@dataclass(frozen=True)
class MoreTrials:
    """Trials a change stores: ``adding`` more in ``run`` (None: a new run, which starts
    with ``inherited`` trials of a warm start)."""

    adding: int
    run: Run | None = None
    inherited: int = 0

    def held(self) -> int:
        """The trials stored already, counted now (under the lock)."""
        return self.inherited if self.run is None else counted_trials(self.run)

    def starts_run(self) -> bool:
        """True when the change makes a run active: a new one, or one that has ended."""
        return self.run is None or not summarize(self.run).active

    def refusal(self, held: int, cap: int) -> str:
        if self.run is None:
            what, before = "the new run", f"{held} inherited"
        else:
            what, before = f"run {self.run.name}", f"{held} stored"
        return (
            f"{what} would hold {held + self.adding} trials ({before}, {self.adding} more), over the "
            f"demo's cap of {cap}; start a new run, or add fewer"
        )


def counted_trials(run: Run) -> int:
    """The run's trials as the trial cap counts them: all it stores but the retries of dead
    workers' trials, and the budget tickets it has yet to make."""
    trials = run.study.get_trials(deepcopy=False)
    stored = sum(1 for t in trials if record.RETRY_OF.key not in t.user_attrs)
    return stored + tickets_to_make(run.spec, trials)


def check_capacity(storage_url: str | None, owner: str | None, limits: DemoLimits) -> None:
    """Refuse a new run while the demo (or this visitor) already runs its share."""
    active = [s for s in run_summaries(storage_url) if s.active]
    if len(active) >= limits.max_active_runs:
        raise NotAllowed(
            f"the demo runs at most {limits.max_active_runs} searches at once and all are busy; "
            "watch one of them, or try again when one has finished"
        )
    mine = [s for s in active if is_owner(s.owner, owner)]
    if len(mine) >= limits.max_active_runs_per_session:
        raise NotAllowed(
            f"you already have {len(mine)} search running (the demo allows "
            f"{limits.max_active_runs_per_session} per visitor); stop it or wait for it to finish"
        )


def remove_expired_runs(storage_url: str | None, limits: DemoLimits, keep: str | None = None) -> list[str]:
    """Delete runs that ended more than ``keep_runs_hours`` ago, but the run called ``keep``
    (the one being extended); returns their names."""
    cutoff = time.time() - limits.keep_runs_hours * 3600
    removed = []
    for summary in run_summaries(storage_url):
        ended_at = summary.finished_at or summary.created_at
        if not summary.active and ended_at < cutoff and summary.name != keep:
            delete_run(load_run(summary.name, storage_url))
            removed.append(summary.name)
    return removed


@contextmanager
def room_held(
    storage_url: str, owner: str | None, limits: DemoLimits | None, more: MoreTrials
) -> Iterator[None]:
    """Check the demo's room for ``more`` trials (and for one more active run, when the
    change starts one) and keep it while the caller stores them.

    A run counts as active from its creation or reopening ("starting"), so the next holder
    sees it. Expired runs are removed first, by one change at a time. Nothing is checked
    when ``limits`` is None (the demo is off, or the admin asks).
    """
    if limits is None:
        yield
        return
    with storage_lock(storage_url):
        if more.starts_run():
            remove_expired_runs(storage_url, limits, keep=more.run.name if more.run else None)
            check_capacity(storage_url, owner, limits)
        held = more.held()
        if held + more.adding > limits.max_trials:
            raise NotAllowed(more.refusal(held, limits.max_trials))
        yield
