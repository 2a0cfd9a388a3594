"""The Kubernetes example: its worker command is one the CLI accepts, its URL a Secret's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tuning.cli import build_parser

MANIFEST = Path(__file__).resolve().parent.parent / "deploy" / "k8s" / "worker-job.yaml"
EXPANSION = re.compile(r"\$\((\w+)\)")  # Kubernetes' $(VAR) in a container's command


def worker_job() -> dict[str, Any]:
    (job,) = [doc for doc in yaml.safe_load_all(MANIFEST.read_text()) if doc and doc["kind"] == "Job"]
    return job


def test_the_worker_job_runs_a_worker_command_the_cli_accepts() -> None:
    spec = worker_job()["spec"]
    (container,) = spec["template"]["spec"]["containers"]
    env = {variable["name"]: variable for variable in container["env"]}
    command = container["command"]
    assert command[:3] == ["python", "-m", "tuning"]
    # Kubernetes expands only the variables the container defines; others stay literal.
    assert {name for arg in command for name in EXPANSION.findall(arg)} <= env.keys()

    storage = "postgresql+psycopg2://sweetspot:secret@db:5432/sweetspot"
    values = {"RUN_NAME": env["RUN_NAME"]["value"], "TUNING_STORAGE": storage, "WORKER_INDEX": "3"}
    args = build_parser().parse_args([EXPANSION.sub(lambda m: values[m[1]], arg) for arg in command[3:]])
    # The worker reads the URL from $TUNING_STORAGE: on its command line, `ps` would show the password.
    assert (args.command, args.study, args.storage, args.index) == ("worker", "houses-on-k8s", None, 3)
    assert not [arg for arg in command if "TUNING_STORAGE" in arg]

    assert env["TUNING_STORAGE"]["valueFrom"]["secretKeyRef"] == {"name": "sweetspot-storage", "key": "url"}
    index_source = env["WORKER_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert index_source == "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    assert spec["completionMode"] == "Indexed" and spec["parallelism"] == spec["completions"]
    assert spec["template"]["spec"]["restartPolicy"] == "OnFailure"  # exit 4 (no storage yet): retry
