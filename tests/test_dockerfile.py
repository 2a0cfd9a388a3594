"""The container image, checked as far as a machine without a Docker engine allows.

The Dockerfile's build is replayed by hand: its COPY lines copy the build context (minus
``.dockerignore``) into a temporary /app, everything the copied code imports must resolve
there or among the installed requirements, its CMD starts the app from that folder with
its ENV, and its HEALTHCHECK must pass against that server (and fail without one). Its
``pip install`` runs as a dry run in a fresh, empty virtual environment.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
VENV_BIN = Path(sys.executable).parent
BASE_ENV = {"LANG": "C.UTF-8"}  # what python:3.11-slim sets besides PATH


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def parse(text: str) -> list[Instruction]:
    """Instructions in order; continuation lines joined, comment lines dropped (as Docker does)."""
    instructions, pending = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, args = pending.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    return instructions


INSTRUCTIONS = parse(DOCKERFILE.read_text())


def all_of(keyword: str) -> list[str]:
    return [i.args for i in INSTRUCTIONS if i.keyword == keyword]


def one_of(keyword: str) -> str:
    (args,) = all_of(keyword)
    return args


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in all_of("ENV"):
        words = shlex.split(args)
        if "=" not in words[0]:  # the legacy form: ENV NAME value
            env[words[0]] = " ".join(words[1:])
        else:
            env.update(word.split("=", 1) for word in words)
    return env


def copies() -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY, flags dropped."""
    result = []
    for args in all_of("COPY"):
        words = [w for w in shlex.split(args) if not w.startswith("--")]
        result.append((words[:-1], words[-1]))
    return result


def command(args: str) -> list[str]:
    """A CMD's argv: the exec (JSON) form as it is, the shell form through /bin/sh."""
    return json.loads(args) if args.startswith("[") else ["/bin/sh", "-c", args]


def dockerignored(relative: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()]
    parts = Path(relative).parts
    for pattern in filter(None, patterns):
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch("/".join(parts[: n + 1]), pattern) for n in range(len(parts))):
            return True
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's WORKDIR, filled as its COPY lines fill it from the build context."""
    root = tmp_path_factory.mktemp("image")
    workdir = root / one_of("WORKDIR").lstrip("/")
    for sources, destination in copies():
        target = workdir / destination
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(
                    path,
                    target,
                    dirs_exist_ok=True,
                    ignore=lambda folder, names: [
                        n for n in names if dockerignored(str((Path(folder) / n).relative_to(ROOT)))
                    ],
                )
            else:
                goes_to = target / path.name if destination.endswith("/") or destination == "." else target
                goes_to.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, goes_to)
    return workdir


def test_every_copy_source_is_in_the_build_context() -> None:
    for sources, _ in copies():
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the build context"
            assert not dockerignored(source.rstrip("/")), f"COPY {source}: excluded by .dockerignore"


def test_the_image_is_consistent_with_itself() -> None:
    """One port everywhere, the data folder a volume, Python as the venv the pins were made in."""
    (port,) = {int(p) for p in all_of("EXPOSE")}
    cmd = command(one_of("CMD"))
    assert f"--server.port={port}" in cmd
    assert f":{port}/_stcore/health" in one_of("HEALTHCHECK")
    env = image_env()
    assert env["TUNING_DATA_DIR"] in shlex.split(one_of("VOLUME"))
    assert "chown" in " ".join(all_of("RUN")) and one_of("USER") != "root"
    base = re.fullmatch(r"python:(\d+)\.(\d+)(-\w+)?", one_of("FROM"))
    assert base, f"FROM {one_of('FROM')}: expected an official python image"
    assert (int(base[1]), int(base[2])) == sys.version_info[:2], (
        "requirements.txt was pinned on another Python"
    )


def imported_modules(folder: Path) -> set[str]:
    """Every absolute import in the copied code, lazy ones inside functions included."""
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


RESOLVE = """
import importlib.util, json, sys
found = {}
for name in sys.argv[1:]:
    spec = importlib.util.find_spec(name)
    found[name] = None if spec is None else (spec.origin or str(list(spec.submodule_search_locations or [])))
print(json.dumps(found))
"""

HOME_PAGE = """
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=60).run()
print("EXCEPTIONS:", [e.value for e in at.exception])
"""


def test_everything_the_app_imports_is_in_the_image(image: Path) -> None:
    """Run from the image's folder (not the repository), every import resolves there or in site-packages."""
    local = {p.name for p in image.iterdir() if p.is_dir() or p.suffix == ".py"}
    names = sorted(
        name if name.split(".")[0] in local else name.split(".")[0] for name in imported_modules(image)
    )
    env = {**BASE_ENV, "PATH": os.environ["PATH"], "HOME": str(image.parent)}
    done = subprocess.run(
        [sys.executable, "-c", RESOLVE, *names],
        cwd=image,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert [name for name, origin in found.items() if origin is None] == []
    assert [name for name, origin in found.items() if str(ROOT) in origin and ".venv" not in origin] == []

    home = subprocess.run(
        [sys.executable, "-c", HOME_PAGE],
        cwd=image, env={**env, "TUNING_DATA_DIR": str(image.parent / "data")},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "EXCEPTIONS: []" in home.stdout, home.stdout[-2000:] + home.stderr[-3000:]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.read() == b"ok"
    except OSError:
        return False


@pytest.fixture(scope="module")
def container(image: Path) -> Iterator[tuple[str, int, dict[str, str]]]:
    """The image's CMD started in its WORKDIR with its ENV (volume paths moved to a temp folder)."""
    port = free_port()
    data = image.parent / "volume"
    env = {
        **BASE_ENV,
        **image_env(),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",  # `streamlit`, `python`: the venv's
        "HOME": str(image.parent),
        "TUNING_DATA_DIR": str(data),
    }
    # Same port rule as the image, on a free port; loopback only, as the test needs no more.
    argv = [
        arg.replace("8501", str(port)).replace("--server.address=0.0.0.0", "--server.address=127.0.0.1")
        for arg in command(one_of("CMD"))
    ]
    log = image.parent / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(argv, cwd=image, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not healthy(url):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.25)
        yield url, port, env
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_the_start_command_serves_the_app(container: tuple[str, int, dict[str, str]]) -> None:
    url, _, _ = container
    with urllib.request.urlopen(url + "/", timeout=10) as response:
        assert response.status == 200
        assert b'<div id="root">' in response.read()


def healthcheck(port: int, env: dict[str, str]) -> int:
    args = one_of("HEALTHCHECK")
    timeout_s = float(re.search(r"--timeout=(\d+)s", args)[1])  # type: ignore[index]
    argv = [a.replace("8501", str(port)) for a in command(args.split(" CMD ", 1)[1].strip())]
    return subprocess.run(argv, env=env, capture_output=True, timeout=timeout_s + 5).returncode


def test_the_healthcheck_passes_against_the_server_and_fails_without_one(
    container: tuple[str, int, dict[str, str]],
) -> None:
    _, port, env = container
    assert healthcheck(port, env) == 0
    assert healthcheck(free_port(), env) != 0


def test_requirements_pin_every_package_and_torch() -> None:
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    pins = dict(line.split("==", 1) for line in lines if line)
    assert "torch" in pins, "an unpinned torch pulls a multi-GB CUDA build"
    assert all(re.fullmatch(r"[\w.+]+", version) for version in pins.values()), pins


def test_the_image_pip_install_resolves_in_a_fresh_venv(image: Path, tmp_path: Path) -> None:
    """The Dockerfile's own pip command, dry-run, into an empty venv with this machine's pip config.

    ``--extra-index-url https://download.pytorch.org/whl/cpu`` is dropped: that index is
    out of reach here, and the local configuration supplies the CPU build of torch instead.
    """
    (install,) = [shlex.split(args) for args in all_of("RUN") if "pip install" in args]
    assert install[:2] == ["pip", "install"] and "-r" in install
    options = install[2:]
    extra = options.index("--extra-index-url")
    assert options[extra + 1] == "https://download.pytorch.org/whl/cpu"
    del options[extra : extra + 2]
    fresh = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=60)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(fresh / "bin" / "python"), "install", "--dry-run",
         "--quiet", "--report", str(tmp_path / "report.json"), *options],
        cwd=image, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    chosen = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in json.loads((tmp_path / "report.json").read_text())["install"]
    }
    assert chosen["torch"].startswith("2.13.0")
