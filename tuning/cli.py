"""``python -m tuning``: launch, join, stop and inspect runs from a shell.

Exit codes: 0 success, 1 the run failed or was interrupted, 2 bad input (spec, name,
usage), 3 unknown run, 4 storage problem (unreachable, unwritable, or damaged: see ``doctor``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from tuning import winner_commands
from tuning.actions import Actor, annotate_run, annotate_trial, enqueue_params, extend_run, pick_winner
from tuning.data.csv_data import read_csv_file
from tuning.definition.metrics import get_metric
from tuning.definition.presets import PRESET_HELP, preset_spec
from tuning.definition.spec import RunSpec
from tuning.demo import ADMIN_TOKEN_ENV, csv_limits
from tuning.errors import FieldError, RunExists, RunNotFound, StorageUnavailable, TuningError
from tuning.launcher import launch
from tuning.models.reference import CodeKind
from tuning.storage.doctor import checkup
from tuning.storage.lifecycle import Extension
from tuning.storage.record import RunState
from tuning.storage.runs import load_run, request_stop
from tuning.views.export import export_run
from tuning.views.outcome import baseline_notes, baseline_verdict
from tuning.views.summary import RunSummary, run_summaries, summarize

EXIT_RUN_FAILED, EXIT_BAD_INPUT, EXIT_NOT_FOUND, EXIT_STORAGE = 1, 2, 3, 4


STORAGE_HELP = "Optuna storage URL (default: $TUNING_STORAGE or the embedded journal file)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tuning", description="Sweetspot's engine.")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_launch_and_worker(commands)
    _add_readers(commands)
    _add_lifecycle(commands)
    cmd = commands.add_parser(
        "doctor",
        help="check a storage (exit 4 if damaged); --repair rewrites a damaged journal file",
        description="Check a storage. A journal file with a torn or malformed record exits 4; "
        "--repair copies it aside, then keeps every whole record and drops the fragments and the "
        "records that do not apply; it waits for the file's running workers to exit (--force does not).",
    )
    cmd.add_argument("--storage", help=STORAGE_HELP)
    cmd.add_argument("--repair", action="store_true", help="fix a damaged journal file (backup first)")
    cmd.add_argument(
        "--force",
        action="store_true",
        help="repair even while workers use the file (they stop: their runs end interrupted)",
    )
    commands.add_parser("presets", help="the built-in runs")
    winner_commands.add_commands(commands)
    return parser


def _add_launch_and_worker(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The commands that start work: a run with its workers (optionally warm-started from
    an earlier run), or one more worker."""
    cmd = commands.add_parser(
        "launch",
        help="create a run and start its workers",
        description="Give --preset, or --spec, or --model / --objective (with or without --spec: "
        "a model file's DEFAULTS fill what the spec leaves out).",
    )
    source = cmd.add_mutually_exclusive_group()
    source.add_argument("--preset", help="a built-in run (see 'presets')")
    source.add_argument("--spec", type=Path, help="a JSON run spec")
    code = cmd.add_mutually_exclusive_group()
    code.add_argument("--model", metavar="REF", help="your model: path/to/file.py or package.module")
    code.add_argument(
        "--objective",
        metavar="REF",
        help="an Optuna objective: path/to/file.py:function or package.module:function",
    )
    cmd.add_argument("--name", help="run name (default: strategy and time)")
    cmd.add_argument("--storage", help=STORAGE_HELP)
    cmd.add_argument("--workers", type=int, help="worker processes (default: the spec's)")
    cmd.add_argument("--csv", type=Path, help="the CSV file of a 'csv' dataset")
    cmd.add_argument("--wait", action="store_true", help="block until the run ends, then summarise")
    cmd.add_argument(
        "--warm-start",
        metavar="NAME",
        help="begin with the finished trials of run NAME (same data) that fit the new space",
    )

    cmd = commands.add_parser("worker", help="join a run as one more worker (on any machine)")
    cmd.add_argument("--study", required=True, help="the run's name")
    cmd.add_argument("--storage", help=STORAGE_HELP)
    cmd.add_argument(
        "--index",
        type=int,
        help="worker number, added to the sampler seed (default: a random one, so workers "
        "joining from other machines do not propose the same configurations)",
    )
    cmd.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    cmd.add_argument(
        "--reconnect-s", type=float, default=60.0, help="give up after this long without storage"
    )


def _add_readers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The commands that act on one stored run, or list them all."""
    for command, help_text in (("stop", "ask every worker of a run to stop"), ("show", "one run")):
        cmd = commands.add_parser(command, help=help_text)
        cmd.add_argument("name")
        cmd.add_argument("--storage", help=STORAGE_HELP)
        if command == "show":
            cmd.add_argument("--json", action="store_true")

    cmd = commands.add_parser("export", help="one run as JSON: spec, outcome, every trial and curve")
    cmd.add_argument("name")
    cmd.add_argument("--storage", help=STORAGE_HELP)
    cmd.add_argument("--out", type=Path, help="write to this file (default: standard output)")

    cmd = commands.add_parser("ls", help="every run in the storage")
    cmd.add_argument("--storage", help=STORAGE_HELP)
    cmd.add_argument("--json", action="store_true")


def _add_lifecycle(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Commands that change a run after its launch: extend, enqueue, pick, spec, note."""
    cmd = commands.add_parser("extend", help="add trials and/or time to an ended run and start workers")
    cmd.add_argument("name")
    cmd.add_argument("--trials", type=int, help="trials to add (a grid adds only combinations not tried)")
    cmd.add_argument("--minutes", type=float, help="minutes to add, counted from now")
    cmd.add_argument("--workers", type=int, help="workers to start (default: the spec's)")
    cmd.add_argument("--storage", help=STORAGE_HELP)
    cmd.add_argument("--wait", action="store_true", help="block until the run ends again, then summarise")

    cmd = commands.add_parser("enqueue", help="queue a hand-picked configuration to run next")
    cmd.add_argument("name")
    cmd.add_argument("--params", required=True, help='JSON, e.g. \'{"lr": 0.01, "hidden_size": 32}\'')
    cmd.add_argument("--storage", help=STORAGE_HELP)

    cmd = commands.add_parser("pick", help="make a complete trial the run's winner, tested once on test rows")
    cmd.add_argument("name")
    cmd.add_argument("--trial", type=int, required=True, help="the trial's number (see show --json's pareto)")
    cmd.add_argument("--storage", help=STORAGE_HELP)
    cmd.add_argument("--wait", action="store_true", help="block until the pick is tested, then summarise")

    cmd = commands.add_parser("spec", help="print a run's spec as JSON (edit it, launch it again)")
    cmd.add_argument("name")
    cmd.add_argument("--storage", help=STORAGE_HELP)

    cmd = commands.add_parser("note", help="set a run's note and tags, or a trial's note")
    cmd.add_argument("name")
    cmd.add_argument("--text", help="the note (Markdown); '' clears it")
    cmd.add_argument("--tag", action="append", help="a tag (repeat for several); replaces the tags")
    cmd.add_argument("--clear-tags", action="store_true", help="remove every tag")
    cmd.add_argument("--trial", type=int, help="set the note of this trial instead of the run's")
    cmd.add_argument("--storage", help=STORAGE_HELP)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return COMMANDS[args.command](args)
    except (RunNotFound, KeyError) as error:
        return _fail(error.args[0] if error.args else str(error), EXIT_NOT_FOUND)
    except StorageUnavailable as error:
        return _fail(str(error), EXIT_STORAGE)
    except (TuningError, ValueError, OSError) as error:
        return _fail(str(error), EXIT_BAD_INPUT)


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def launch_spec(args: argparse.Namespace) -> RunSpec:
    """The spec ``launch`` was given: a preset, a spec file, or a model file or objective
    (its DEFAULTS overridden by the spec file, when both are given)."""
    code = [
        (kind, ref)
        for kind, ref in ((CodeKind.MODEL, args.model), (CodeKind.OBJECTIVE, args.objective))
        if ref
    ]
    if args.preset:
        if code:
            raise FieldError(code[0][0].value, "a preset trains the built-in MLP; give --spec instead")
        return preset_spec(args.preset)
    raw = json.loads(args.spec.read_text()) if args.spec else None
    if code:
        return RunSpec.for_code(*code[0], raw)
    if raw is None:
        raise FieldError("launch", "give --preset, --spec, --model or --objective")
    return RunSpec.from_dict(raw)


def _launch(args: argparse.Namespace) -> int:
    spec = launch_spec(args)
    if args.workers is not None:
        spec = RunSpec.from_dict({**spec.to_dict(), "workers": args.workers}, spec.source)
    csv_text = read_csv_file(args.csv, csv_limits()) if args.csv else None
    if csv_text is None and args.warm_start and spec.dataset.name == "csv":
        csv_text = load_run(args.warm_start, args.storage).csv_text()  # a fork keeps its data
    try:
        run = launch(spec, args.name, args.storage, csv_text, warm_start=args.warm_start, token=_token())
    except RunExists as error:
        return _fail(str(error), EXIT_BAD_INPUT)
    trials = spec.n_trials_planned() or "timed"
    print(f"launched {run.name}: {spec.strategy.value}, {trials} trials, {spec.workers} worker(s)")
    warm = summarize(run).warm_start
    if warm:
        print(f"warm start: inherited {warm['inherited']} trial(s) from {warm['from']}, {warm['skipped']} "
              "outside the new space")  # fmt: skip
    return _maybe_wait(args, run.name)


def _maybe_wait(args: argparse.Namespace, name: str) -> int:
    if not args.wait:
        return 0
    summary = wait_for_end(name, args.storage)
    print(format_summary(summary))
    return 0 if summary.state in (RunState.FINISHED, RunState.STOPPED) else EXIT_RUN_FAILED


def _token() -> str | None:
    """The admin token from the environment: a shell on the server acts as the admin."""
    return os.environ.get(ADMIN_TOKEN_ENV)


def _actor(args: argparse.Namespace) -> Actor:
    """The CLI acts as no demo visitor, on ``--storage``, with the environment's admin token."""
    return Actor(args.storage, None, _token())


def _extend(args: argparse.Namespace) -> int:
    extension = Extension(args.trials, args.minutes, args.workers)
    run = extend_run(args.name, extension, _actor(args))
    queued = summarize(run).n_waiting
    print(f"extended {run.name}: {extension.describe()[len('extended ') :]}, {queued} trial(s) queued, "
          f"{run.spec.workers} worker(s) started")  # fmt: skip
    return _maybe_wait(args, run.name)


def _enqueue(args: argparse.Namespace) -> int:
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as error:
        return _fail(
            f"--params: not JSON ({error}); give an object such as '{{\"lr\": 0.01}}'", EXIT_BAD_INPUT
        )
    number = enqueue_params(args.name, params, _actor(args))
    print(f"queued trial {number} of {args.name} (hand-picked): {json.dumps(params)}")
    return 0


def _pick(args: argparse.Namespace) -> int:
    retest = pick_winner(args.name, args.trial, _actor(args))
    when = "a worker tests it now" if retest else "it is tested when the run ends (or was already)"
    print(f"trial {args.trial} is the winner of {args.name}: {when}")
    return _maybe_wait(args, args.name)


def _spec(args: argparse.Namespace) -> int:
    print(json.dumps(load_run(args.name, args.storage).spec.to_dict(), indent=2))
    return 0


def _note(args: argparse.Namespace) -> int:
    if args.trial is not None:
        annotate_trial(args.name, args.trial, args.text or "", _actor(args))
        print(f"trial {args.trial} of {args.name}: note {'set' if args.text else 'cleared'}")
        return 0
    tags = [] if args.clear_tags else args.tag
    notes = annotate_run(args.name, args.text, tags, _actor(args))
    print(f"{args.name}: note of {len(notes.note)} characters, tags {list(notes.tags)}")
    return 0


def wait_for_end(name: str, storage: str | None, poll_s: float = 0.25) -> RunSummary:
    """Poll until the run is neither starting nor active."""
    while True:
        summary = summarize(load_run(name, storage))
        if not summary.active:
            return summary
        time.sleep(poll_s)


def _worker(args: argparse.Namespace) -> int:
    from tuning.training.worker import Worker, WorkerOptions  # imports torch: only workers pay for it

    index = args.index if args.index is not None else secrets.randbelow(2**20) + 1000
    options = WorkerOptions(index=index, threads=args.threads, reconnect_s=args.reconnect_s)
    report = Worker(args.study, args.storage, options).work()
    print(
        f"worker {report.worker_id}: {report.trials} trial(s)"
        + (", finished the run" if report.finished_run else "")
    )
    return 0


def _stop(args: argparse.Namespace) -> int:
    request_stop(load_run(args.name, args.storage))
    print(f"stop requested for {args.name}: workers end after their current trial")
    return 0


def _show(args: argparse.Namespace) -> int:
    summary = summarize(load_run(args.name, args.storage))
    print(json.dumps(summary.to_dict(), indent=2) if args.json else format_summary(summary))
    return 0


def _export(args: argparse.Namespace) -> int:
    document = json.dumps(export_run(load_run(args.name, args.storage)), indent=1)
    if args.out is None:
        print(document)
    else:
        args.out.write_text(document + "\n")
        print(f"wrote {args.name} to {args.out}", file=sys.stderr)
    return 0


def _ls(args: argparse.Namespace) -> int:
    summaries = run_summaries(args.storage)
    if args.json:
        print(json.dumps([s.to_dict() for s in summaries], indent=2))
        return 0
    if not summaries:
        print("no runs yet; start one with: python -m tuning launch --preset article-grid")
    for s in summaries:
        done = s.n_complete + s.n_failed + s.n_pruned
        best = f"{s.best_value:.5g}" if s.best_value is not None else "-"
        print(f"{s.name:40} {s.strategy:9} {s.state:11} {done:>5}/{s.trials_planned or '-':<5} best {best}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    result = checkup(args.storage, repair=args.repair, force=args.force)
    print("\n".join(result.lines()))
    return 0 if result.healthy or result.backup is not None else EXIT_STORAGE


def _presets(args: argparse.Namespace) -> int:
    for name, text in PRESET_HELP.items():
        print(f"{name:16} {text}")
    return 0


def format_summary(s: RunSummary) -> str:
    lines: list[Any] = [
        f"run {s.name}: {s.state} ({s.strategy} on {s.dataset})",
        f"trials: {s.n_complete} complete, {s.n_pruned} pruned, {s.n_failed} failed, "
        f"{s.n_running} running, {s.n_waiting} queued (budget {s.n_trials or 'time'})",
    ]
    metric = get_metric(s.metric)
    if s.best_value is not None:
        lines.append(
            f"best: trial {s.best_trial}, validation {metric.label} {s.best_value:.6g} ({s.metric_unit}) "
            f"with {json.dumps(s.best_params)}"
        )
    if s.test_metrics:
        scores = ", ".join(
            f"{get_metric(n).label} {v:.4g}" for n, v in s.test_metrics.items() if v is not None
        )
        lines.append(f"test of the best configuration: {scores}")
    elif s.test_loss is not None:
        lines.append(f"test {metric.label} of the best configuration: {s.test_loss:.6g} ({s.metric_unit})")
    if s.baselines and s.test_loss is not None:
        verdict = baseline_verdict(metric, s.metric_unit, s.test_loss, s.baselines)
        if verdict:  # none when every baseline was skipped (the note below says why)
            lines.append("on test, the tuned network " + "; ".join(verdict))
    lines += baseline_notes(s.baselines)
    if s.error:
        lines.append(f"first error: {s.error}")
    if s.code:
        lines.append(f"{s.code['kind']}: {s.code['reference']} (sha256 {s.code['sha256'][:12]}…)")
    if not s.tests_winner:
        lines.append("no test rows, no baselines: an Optuna objective is scored by its own value only")
    return "\n".join(lines + _tradeoff_lines(s) + _lifecycle_lines(s))


def _tradeoff_lines(s: RunSummary) -> list[str]:
    """A run of several objectives or with bounds: what it trades off, its front, its winner."""
    if s.objectives is None or s.pareto is None:
        return []
    goals = ", ".join(f"{o['label']} ({o['unit']}, {o['direction']})" for o in s.objectives)
    front = ", ".join(str(entry["number"]) for entry in s.pareto[:20]) + (" …" if len(s.pareto) > 20 else "")
    how = "picked" if s.picked else "the front's best by the selection metric within the bounds"
    lines = [f"objectives: {goals}", f"front: {len(s.pareto)} trial(s): {front}"]
    if s.n_infeasible:
        lines.append(f"bounds: {s.n_infeasible} complete trial(s) break one and are left off the front")
    return lines + ([f"winner: trial {s.winner} ({how})"] if s.winner is not None else [])


def _lifecycle_lines(s: RunSummary) -> list[str]:
    """What happened to the run after its launch: inherited and hand-picked trials, earlier
    results, its tags and note."""
    lines = []
    label = get_metric(s.metric).label
    if s.warm_start:
        lines.append(f"warm start: {s.n_inherited} trial(s) inherited from {s.warm_start['from']}")
    if s.n_hand_picked:
        lines.append(f"hand-picked: {s.n_hand_picked} configuration(s) queued by hand")
    for past in s.history:
        loss = "-" if past["test_loss"] is None else f"{past['test_loss']:.6g}"
        lines.append(
            f"earlier result: {past['state']}, trial {past['best_trial']}, "
            f"test {label} {loss} ({past['reason']})"
        )
    if s.tags:
        lines.append(f"tags: {', '.join(s.tags)}")
    if s.note:
        lines.append(f"note: {s.note.splitlines()[0][:100]}")
    return lines


COMMANDS = {
    "launch": _launch,
    "worker": _worker,
    "stop": _stop,
    "show": _show,
    "export": _export,
    "ls": _ls,
    "presets": _presets,
    "extend": _extend,
    "enqueue": _enqueue,
    "pick": _pick,
    "spec": _spec,
    "note": _note,
    "doctor": _doctor,
    **winner_commands.COMMANDS,
}
