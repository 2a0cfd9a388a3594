"""Worker processes for tests: start them as a user would, watch the run, kill them.

Shared by the embedded-storage tests and the PostgreSQL ones (tests/postgres), so one
fault-tolerance check runs unchanged against both storages.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from optuna.trial import FrozenTrial, TrialState

from tests.runs_helpers import QUICK_SPACE, quick_spec
from tuning.definition.spec import RunSpec
from tuning.reading.records import learning_curve
from tuning.storage import record
from tuning.storage.runs import Run, create_run
from tuning.views.summary import summarize

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def live_spec(n_trials: int, epochs: int, **changes: Any) -> RunSpec:
    """A Bayesian quick run whose dead workers are noticed in seconds, not minutes."""
    return quick_spec(
        strategy="bayesian",
        budget={"n_trials": n_trials},
        space={**QUICK_SPACE, "epochs": epochs},
        heartbeat_s=1.0,
        grace_s=3.0,
        **changes,
    )


def eventually(check: Callable[[], T], timeout_s: float, what: str) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:g} s for {what}")
        time.sleep(0.1)


@dataclass
class WorkerProcess:
    """One ``python -m tuning worker`` process and its log file."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def owns(self, trial: FrozenTrial) -> bool:
        """True when this process claimed ``trial`` (worker ids are HOST-PID-random)."""
        worker = trial.user_attrs.get(record.WORKER.key, "")
        return worker.rsplit("-", 2)[1:2] == [str(self.pid)]

    def wait(self, timeout_s: float = 90) -> int:
        """The exit code; fails with the log's tail if the process is still running."""
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker {self.pid} still running; log:\n{self.log()[-3000:]}") from None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def pause(self) -> None:
        """Stop the process (SIGSTOP) and wait until every thread of it is stopped."""
        self.process.send_signal(signal.SIGSTOP)
        eventually(lambda: _state(self.pid) in ("T", "Z", None), 10, f"worker {self.pid} to stop")

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def _state(pid: int) -> str | None:
    """A process's state letter from /proc (T: stopped, Z: exited); None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


#: How long a paused worker runs between two looks at the run: far less than one trial.
SLICE_S = 0.05


def paused_when(worker: WorkerProcess, check: Callable[[], T], timeout_s: float, what: str) -> T:
    """Let ``worker`` run in slices of ``SLICE_S``, looking at the run with the worker
    stopped, and return ``check``'s first truthy value with the worker still stopped
    (``resume`` it to go on).

    A fault test that waits for some trials to complete, then injects its fault, must not
    let the worker finish the run meanwhile: on a loaded machine reading the run took long
    enough for a worker to train every trial left, and the fault then met no write. Here
    the worker trains only while the test is not looking, a slice at a time.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        worker.pause()
        value = check()
        if value:
            return value
        worker.resume()
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:g} s for {what}")
        time.sleep(SLICE_S)


def caught_when(worker: WorkerProcess, check: Callable[[], T], timeout_s: float, what: str) -> T:
    """Wait, with ``worker`` running, until ``check`` holds; then stop the worker and return
    ``check``'s value once it holds with the worker stopped (``resume`` it to go on).

    For a state that lasts a while, such as a trial mid-training: the fault that follows
    meets the state the test saw, since the stopped worker cannot end that trial between
    the look and the fault. Unlike ``paused_when`` the worker runs at full speed until
    then, so a second worker does not finish the run while this one is still starting.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        eventually(check, max(deadline - time.monotonic(), 0), what)
        worker.pause()
        value = check()
        if value:
            return value
        worker.resume()


@dataclass
class WorkerProcesses:
    """The workers one test started; the fixture kills whatever is left at teardown."""

    log_dir: Path
    started: list[WorkerProcess] = field(default_factory=list)

    def start(self, run: str, url: str, *args: str, host: str | None = None) -> WorkerProcess:
        """Join ``run`` as one more worker; ``host`` makes it look like another machine's."""
        index = len(self.started)
        command = [sys.executable, "-m", "tuning", "worker", "--study", run, "--storage", url]
        command += ["--index", str(index), *args]
        if host:
            command = [*other_host_prefix(host), *command]
        log_path = self.log_dir / f"worker-{index}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        worker = WorkerProcess(process, log_path)
        self.started.append(worker)
        return worker

    def kill_all(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                worker.kill()


def other_host_prefix(host: str) -> list[str]:
    """A command prefix that runs a process under its own host name (a UTS namespace).

    The liveness rules differ by host (PID checks here, heartbeat age elsewhere), so this
    is how one machine tests a worker "on another machine". Needs root, as in CI.
    """
    probe = ["unshare", "--uts", "true"]
    if not shutil.which("unshare") or subprocess.run(probe, capture_output=True).returncode:
        pytest.skip("a worker under another host name needs `unshare --uts` (root)")
    return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', host]


def trials_of(run: Run) -> list[FrozenTrial]:
    return run.study.get_trials(deepcopy=False)


def check_killed_worker_is_replaced(workers: WorkerProcesses, url: str, host: str | None = None) -> float:
    """SIGKILL a worker mid-trial and check that the run recovers; returns the detection time.

    Its trial must be failed with the reason within the grace period (a local worker is
    known dead at once, one on another host once its heartbeat is ``grace_s`` old), its
    configuration run once more, the trials finished before the kill kept, and the run
    must reach its budget with the surviving worker.
    """
    # 400 epochs (about a second a trial): at 120 one worker could train the whole run before
    # the other had joined.
    spec = live_spec(n_trials=4, epochs=400)
    run = create_run(spec, "killed", url)
    victim = workers.start(run.name, url, host=host)
    survivor = workers.start(run.name, url)

    def victim_mid_trial() -> tuple[FrozenTrial, list[FrozenTrial]] | None:
        trials = trials_of(run)
        done = [t for t in trials if t.state is TrialState.COMPLETE]
        busy = [t for t in trials if t.state is TrialState.RUNNING and victim.owns(t) and learning_curve(t)]
        return (busy[0], done) if busy and done else None

    try:  # stopped while looking: its trial cannot end between the look and the kill
        target, done_before = caught_when(
            victim, victim_mid_trial, 60, "the victim to train after a trial completed"
        )
    except AssertionError as error:  # say why: a worker's log holds its claims and any error
        states = [(t.number, t.state.name, t.user_attrs.get(record.WORKER.key)) for t in trials_of(run)]
        logs = "\n".join(
            f"--- {name}:\n{w.log()[-2000:]}" for name, w in (("victim", victim), ("survivor", survivor))
        )
        raise AssertionError(f"{error}; trials {states}\n{logs}") from None
    victim.kill()
    killed_at = time.monotonic()
    failed = eventually(
        lambda: next(
            (t for t in trials_of(run) if t.number == target.number and t.state.is_finished()), None
        ),
        spec.grace_s + 2 * spec.heartbeat_s + 2,
        f"trial {target.number} of the killed worker to end",
    )
    detected_s = time.monotonic() - killed_at
    if not host:
        assert detected_s < spec.grace_s
    reason = f"sent no heartbeat for {spec.grace_s:g} s" if host else "died during the trial"
    assert failed.state is TrialState.FAIL
    assert f"PID {victim.pid}" in failed.user_attrs[record.ERROR.key]
    assert reason in failed.user_attrs[record.ERROR.key]

    assert survivor.wait() == 0, survivor.log()
    trials = {t.number: t for t in trials_of(run)}
    assert [t.state for t in trials.values()].count(TrialState.COMPLETE) == spec.budget.n_trials
    lost = [(n, t.state.name, t.user_attrs) for n, t in trials.items() if t.state is not TrialState.COMPLETE]
    assert [n for n, *_ in lost] == [target.number], lost
    (retry,) = [t for t in trials.values() if t.user_attrs.get(record.RETRY_OF.key) == target.number]
    assert retry.state is TrialState.COMPLETE and retry.params == target.params
    assert {t.number: t.value for t in done_before} == {t.number: trials[t.number].value for t in done_before}
    assert summarize(run).state == "finished"
    print(f"killed worker's trial failed after {detected_s:.2f} s (grace {spec.grace_s:g} s)")
    return detected_s


def check_killed_population_is_retried(workers: WorkerProcesses, url: str) -> None:
    """SIGKILL a worker training a population of 3: each member fails with the reason and is
    queued once more, and a worker started afterwards finishes the run with every retry."""
    spec = live_spec(n_trials=6, epochs=400, population=3)
    run = create_run(spec, "killed-population", url)
    victim = workers.start(run.name, url)

    def victim_mid_population() -> list[FrozenTrial] | None:
        busy = [
            t
            for t in trials_of(run)
            if t.state is TrialState.RUNNING and victim.owns(t) and learning_curve(t)
        ]
        return busy if len(busy) == 3 else None

    members = {
        t.number for t in eventually(victim_mid_population, 60, "the victim to train 3 trials at once")
    }
    victim.kill()
    survivor = workers.start(run.name, url)
    assert survivor.wait() == 0, survivor.log()
    trials = {t.number: t for t in trials_of(run)}
    failed = {n for n, t in trials.items() if t.state is TrialState.FAIL}
    assert failed == members
    for number in members:
        assert f"PID {victim.pid}" in trials[number].user_attrs[record.ERROR.key]
        assert "died during the trial" in trials[number].user_attrs[record.ERROR.key]
    retries = {
        t.user_attrs[record.RETRY_OF.key]: t for t in trials.values() if record.RETRY_OF.key in t.user_attrs
    }
    assert set(retries) == members
    assert all(r.state is TrialState.COMPLETE and r.params == trials[n].params for n, r in retries.items())
    assert [t.state for t in trials.values()].count(TrialState.COMPLETE) == spec.budget.n_trials
    assert summarize(run).state == "finished"
