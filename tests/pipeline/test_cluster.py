"""Rendering on a Dask cluster: a scheduler and two workers on 127.0.0.1, started as separate
processes in folders of their own (they share no folder with the project), give the same PDFs
and manifest as a local build, even when a worker is killed mid-build. Also: the snapshot that
carries the project's files to the workers, the checks on what comes back, and handouts.yaml."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from fixture_project import make_project

README = Path(__file__).resolve().parents[2] / "README.md"

HANDOUT = """\
meta:
  code: DASK-01
  version: "1.0"
  approved: 2026-11-01
  review_due: 2028-11-01
  target_pages: 2
  references: ["A reference. 2020."]
title: Drink water
sections:
  - id: body
    heading: What to do
    blocks:
      - type: paragraph
        text: Drink a glass of water after each session.
      - type: figure
        src: glass.svg
        alt: A glass of water.
        caption: A full glass
"""
GLASS = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100">
  <rect x="30" y="20" width="40" height="60" fill="#e3f1f3" stroke="#0b5563"/>
  <text x="50" y="95" text-anchor="middle" font-size="10">Water</text>
</svg>"""
GERMAN = {
    "Drink water": "Wasser trinken",
    "What to do": "Was zu tun ist",
    "Drink a glass of water after each session.": "Trinken Sie nach jeder Sitzung ein Glas Wasser.",
    "A glass of water.": "Ein Glas Wasser.",
    "A full glass": "Ein volles Glas",
    ("Water", "figure label"): "Wasser",
}
FILES = [f"fixture/{lang}/water.{ext}" for lang in ("de", "en") for ext in ("pdf", "html")]


def small_project(root: Path) -> Path:
    """Two PDFs and their HTML copies (English and German), with a figure: files from every asset folder."""
    return make_project(
        root, {"water": HANDOUT}, {"de": {"water": GERMAN}}, languages=("en", "de"), assets={"water/glass.svg": GLASS}
    )


# Loaded by each worker (dask worker --preload): once the test arms it, the first job any worker
# starts stops, tells the test its process id through a named pipe, and waits to be killed.
STOP_FIRST_JOB = """
import os
import threading
from pathlib import Path

import handouts.pipeline.render_job

PIPE = Path(os.environ["HANDOUTS_TEST_PIPE"])
ARMED = PIPE.with_name("armed")
JobRenderer = handouts.pipeline.render_job.JobRenderer
# Dask may load a preload module more than once: wrap the real method, once.
render = JobRenderer.__dict__.get("unstopped_render", JobRenderer._render)


def stop_the_first(self, task, write):
    try:
        ARMED.unlink()  # only one job, on one worker, gets to remove it
    except FileNotFoundError:
        return render(self, task, write)
    with PIPE.open("w") as pipe:
        pipe.write(str(os.getpid()))
    threading.Event().wait()  # until killed


JobRenderer.unstopped_render = render
JobRenderer._render = stop_the_first
"""


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen]
    pipe: Path

    def arm(self) -> None:
        self.pipe.with_name("armed").touch()


def readme_listeners(program: str) -> list[str]:
    """Where the README's `dask PROGRAM` line makes it listen (--host, --dashboard-address), its
    private addresses made loopback and its fixed dashboard port any free one."""
    line = next(line for line in README.read_text().splitlines() if line.startswith(f"dask {program} "))
    words = shlex.split(line)
    options = []
    for name in ("--host", "--dashboard-address"):
        value = words[words.index(name) + 1]
        options += [name, re.sub(r"^10\.0\.0\.\d+", "127.0.0.1", value).replace(":8787", ":0")]
    return options


def _start(command: list[str | Path], folder: Path, **options: object) -> subprocess.Popen:
    log = (folder / "log.txt").open("w")
    return subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, **options)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    from distributed import Client

    tmp = tmp_path_factory.mktemp("cluster")
    pipe = tmp / "stopped"
    os.mkfifo(pipe)
    hook = tmp / "stop_first_job.py"
    hook.write_text(STOP_FIRST_JOB)
    scheduler_file = tmp / "scheduler.json"
    dask = Path(sys.executable).with_name("dask")
    scheduler = [dask, "scheduler", *readme_listeners("scheduler"), "--port", "0"]
    processes = [_start([*scheduler, "--scheduler-file", scheduler_file], tmp)]
    try:
        for name in ("a", "b"):
            folder = tmp / f"worker-{name}"  # the worker's own working folder: not the project
            folder.mkdir()
            command = [
                dask,
                "worker",
                "--scheduler-file",
                scheduler_file,
                *readme_listeners("worker"),
                "--nthreads",
                "1",
            ]
            command += ["--no-nanny", "--preload", hook, "--local-directory", folder]
            processes.append(_start(command, folder, env={**os.environ, "HANDOUTS_TEST_PIPE": str(pipe)}))
        with Client(scheduler_file=str(scheduler_file), timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
            address = client.scheduler.address
        yield Cluster(address, processes[0], processes[1:], pipe)
    finally:
        for process in processes:
            process.kill()
            process.wait()


# First: the next test kills a worker.
def test_the_readme_commands_listen_only_on_the_private_address(cluster: Cluster) -> None:
    import psutil

    listening = {}
    for process in (cluster.scheduler, *cluster.workers):
        connections = psutil.Process(process.pid).net_connections("inet")
        listening[process.pid] = sorted(c.laddr.ip for c in connections if c.status == psutil.CONN_LISTEN)
    # Each its own port and its dashboard's (with --no-dashboard, still its metrics'): all on the private address.
    assert listening == {process.pid: ["127.0.0.1"] * 2 for process in (cluster.scheduler, *cluster.workers)}


def _kill_the_stopped_worker(cluster: Cluster, killed: list[int]) -> None:
    with cluster.pipe.open() as pipe:  # blocks until a worker stops on its first job
        said = pipe.read()
    if said:
        killed.append(int(said))
        os.kill(int(said), signal.SIGKILL)


def test_a_cluster_build_gives_the_local_bytes_and_manifest_even_when_a_worker_dies(
    cluster: Cluster, tmp_path: Path, run
) -> None:
    root = small_project(tmp_path / "project")
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert run(root, "build", "-j", "1", "--out", str(local)).code == 0
    killed: list[int] = []
    killer = threading.Thread(target=_kill_the_stopped_worker, args=(cluster, killed))
    killer.start()
    cluster.arm()
    try:
        result = run(root, "build", "--scheduler", cluster.address, "--out", str(remote))
    finally:
        if killer.is_alive():  # no job ever stopped: let the killer go (the test fails below)
            os.close(os.open(cluster.pipe, os.O_WRONLY | os.O_NONBLOCK))
        killer.join()
    assert killed and killed[0] in [worker.pid for worker in cluster.workers]
    assert result.code == 0, result.out + result.err
    lines = result.err.splitlines() + result.out.splitlines()  # the progress, then the summary
    assert lines[0] == f"rendering 4 files on the Dask cluster at {cluster.address} (2 workers to start with)"
    assert lines[-1].startswith("4 built, 0 skipped, 0 failed")
    for file in FILES:
        assert (remote / file).read_bytes() == (local / file).read_bytes()
    assert (remote / "manifest.json").read_bytes() == (local / "manifest.json").read_bytes()
    assert not list(remote.rglob("*.tmp"))


def test_handouts_yaml_names_the_scheduler_and_an_unchanged_rebuild_skips_everything(
    cluster: Cluster, tmp_path: Path, run
) -> None:
    root = small_project(tmp_path / "project")
    (root / "handouts.yaml").write_text(f"scheduler: {cluster.address}\nlibrary: []\n")
    first = run(root, "build", "--use-scheduler")
    assert first.code == 0, first.out + first.err
    assert first.err.startswith(f"rendering 4 files on the Dask cluster at {cluster.address}")
    assert first.out.splitlines()[-1].startswith("4 built, 0 skipped, 0 failed")
    again = run(root, "build", "--use-scheduler")
    assert again.code == 0
    assert again.out.startswith("0 built, 4 skipped, 0 failed")  # nothing sent to the cluster
    # The command line wins over handouts.yaml.
    local = run(root, "build", "--force", "--executor", "inline")
    assert local.err.startswith("built   ")


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    from handouts.pipeline.executors import cluster

    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    root = small_project(tmp_path / "project")
    result = run(root, "build", "--scheduler", "tcp://127.0.0.1:9")
    assert result.code == 1
    assert result.err.startswith("error: tcp://127.0.0.1:9: cannot reach the Dask scheduler (")
    assert result.err.endswith(
        "); start one with `dask scheduler`, or fix --scheduler (or `scheduler:` in handouts.yaml)\n"
    )
    assert len(result.err.splitlines()) == 1
    assert not (root / "output").exists() or not list((root / "output").rglob("*.pdf"))


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (
            "executor: dsk\n",
            "error: handouts.yaml:1 executor: unknown executor 'dsk'; use one of: inline, pool, dask",
        ),
        (
            "# how to build\nexecutor: dask\n",
            "error: handouts.yaml:2 executor: the dask executor needs a scheduler: "
            "pass --scheduler tcp://HOST:PORT, or --use-scheduler with `scheduler:` set",
        ),
        ("scheduler: 127.0.0.1\n", "error: handouts.yaml:1 scheduler: '127.0.0.1' is not a scheduler address; "),
        ("executors: dask\n", "error: handouts.yaml:1 executors: unknown key; did you mean 'executor'?"),
    ],
)
def test_a_mistake_in_handouts_yaml_is_one_line(tmp_path: Path, run, config: str, error: str) -> None:
    root = small_project(tmp_path / "project")
    (root / "handouts.yaml").write_text(config + "library: []\n")
    result = run(root, "build")
    assert result.code == 1
    assert result.err.startswith(error), result.err
    assert len(result.err.splitlines()) == 1


# -- The snapshot and the checks, without a cluster -------------------------------------------


def test_the_snapshot_is_named_by_content_and_keeps_only_links_inside_the_project(tmp_path: Path) -> None:
    from handouts.model.project import Project
    from handouts.pipeline.executors import snapshot

    first = small_project(tmp_path / "first")
    second = small_project(tmp_path / "second")
    assert snapshot.take(Project(first)).digest == snapshot.take(Project(second)).digest
    clinic = second / "clinics" / "fixture"
    (clinic / "logo-link.svg").symlink_to("logo.svg")
    (clinic / "passwords").symlink_to("/etc/passwd")
    (clinic / "elsewhere.svg").symlink_to(tmp_path / "first" / "clinics" / "fixture" / "logo.svg")
    shot = snapshot.take(Project(second))
    unpacked = snapshot.unpack(shot, tmp_path / "worker")
    assert unpacked.name == shot.digest
    copy = unpacked / "clinics" / "fixture"
    assert os.readlink(copy / "logo-link.svg") == "logo.svg"
    assert (copy / "logo-link.svg").read_text() == (clinic / "logo.svg").read_text()
    assert not (copy / "passwords").exists() and not (copy / "passwords").is_symlink()
    assert not (copy / "elsewhere.svg").is_symlink()
    # fonts/ is a link to the shipped fonts: its files travel.
    assert (unpacked / "fonts" / "fonts.yaml").read_bytes() == (second / "fonts" / "fonts.yaml").read_bytes()
    assert snapshot.unpack(shot, tmp_path / "worker") == unpacked  # written once


def test_loaded_sources_travel_with_paths_inside_the_workers_copy(tmp_path: Path) -> None:
    from handouts.model.project import Project
    from handouts.pipeline.executors import snapshot
    from handouts.pipeline.plan import load

    project = Project(small_project(tmp_path / "project"))
    sources = load(project, ["fixture"], ["water"])
    elsewhere = tmp_path / "worker" / "copy"
    moved = snapshot.unpack_sources(snapshot.pack_sources(sources, project.root), elsewhere)
    assert moved.clinics["fixture"].folder == elsewhere / "clinics" / "fixture"
    assert moved.handouts["water"].asset_dir == elsewhere / "handouts" / "water"
    assert moved.handouts["water"].handout == sources.handouts["water"].handout


def test_what_a_worker_sends_back_is_checked(tmp_path: Path) -> None:
    from handouts.pipeline.executors.cluster import Delivery, verified
    from handouts.pipeline.incremental import library_versions
    from handouts.pipeline.jobs import Job, Outcome, Task

    task = Task(Job("fixture", "en", "water"), "inputs")
    versions = tuple(library_versions())
    outcome = Outcome(task, b"%PDF-1.7 ...", pages=1)
    whole = Delivery(outcome, hashlib.sha256(outcome.data).hexdigest(), versions, "tcp://10.0.0.2:4000")
    assert verified(task, whole, versions) == outcome

    def problem(delivery: Delivery) -> str:
        checked = verified(task, delivery, versions)
        assert not checked.ok and not checked.data
        return str(checked.problems[0])

    older = tuple(v.replace(v.split()[1], "1.0") if v.startswith("weasyprint") else v for v in versions)
    assert problem(replace(whole, versions=older)) == (
        "fixture/en/water: Dask worker tcp://10.0.0.2:4000 runs weasyprint 1.0, this build "
        f"{next(v for v in versions if v.startswith('weasyprint'))}; install the same versions on every worker; "
        "nothing was written for it"
    )
    cut = replace(whole, outcome=replace(outcome, data=outcome.data[:5]))
    assert problem(cut).endswith(
        "the file from Dask worker tcp://10.0.0.2:4000 did not arrive whole; nothing was written for it"
    )
    other = replace(whole, outcome=replace(outcome, task=Task(Job("fixture", "de", "water"), "inputs")))
    assert "sent back another job (fixture/de/water)" in problem(other)


def test_pool_workers_are_replaced_after_their_jobs_without_hanging() -> None:
    """CPython's own pool hangs here on 3.11 and 3.12 (python/cpython#115634)."""
    import multiprocessing

    from handouts.pipeline.executors.local import _RecyclingPool

    with _RecyclingPool(1, mp_context=multiprocessing.get_context("spawn"), max_tasks_per_child=2) as pool:
        futures = [pool.submit(os.getpid) for _ in range(6)]
        pids = [future.result(timeout=120) for future in futures]
    assert len(set(pids)) == 3
