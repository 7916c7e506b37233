"""The `dask` executor: render on the workers of a Dask cluster (`handouts build --scheduler tcp://HOST:PORT`).

Workers need only handouts installed (`pip install 'handouts[dask]'`), not the project. The
build registers a worker plugin carrying one Shipment (the project's files as a
content-addressed snapshot, the loaded sources, and how to render); the scheduler hands it
to every worker, those that join or restart later too, and each unpacks it once into its
own scratch folder and keeps one JobRenderer warm for the build. The plugin is removed when
the build ends.

A job's worker renders and sends back the outcome with the file's bytes; this process checks
them (the right job, the same library versions as this build, the bytes whole) and the build
writes them as it does for local workers, so the manifest and incremental skips work the same.

A job whose worker dies is rendered again on another worker by the scheduler; a job that
raises is retried once (`retries=1`); a job the cluster could not render at all fails alone."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import distributed
from distributed.diagnostics.plugin import WorkerPlugin

from handouts import log
from handouts.errors import HandoutsError, Problem
from handouts.model.project import Project
from handouts.pipeline.executors import snapshot
from handouts.pipeline.executors.base import Run
from handouts.pipeline.incremental import library_versions
from handouts.pipeline.jobs import Outcome, Task
from handouts.pipeline.render_job import JobRenderer
from handouts.render.page import build_epoch

CONNECT_SECONDS = 10  # to reach the scheduler
ANSWER_SECONDS = 10  # for it to answer once reached
WORKER_SECONDS = 60  # for the first worker to join a scheduler that has none
WHERE = "start one with `dask scheduler`, or fix --scheduler (or `scheduler:` in handouts.yaml)"


@dataclass(frozen=True)
class Shipment:
    """Everything a worker needs for one build; sent once to each worker."""

    build: str  # a new id for each build
    snapshot: snapshot.Snapshot
    sources: bytes  # the loaded Sources, their paths relative to the project (snapshot.pack_sources)
    strict: bool
    source_date_epoch: str
    versions: tuple[str, ...]  # this build's library versions, which every worker must match


@dataclass(frozen=True)
class Delivery:
    """What a worker sends back for one task."""

    outcome: Outcome
    sha256: str  # of outcome.data, as the worker made it
    versions: tuple[str, ...]  # the worker's library versions
    worker: str  # its address, to name it in a problem


def run_on_cluster(run: Run, tasks: list[Task]) -> Iterator[Outcome]:
    address = run.scheduler or ""
    client = _connect(address)
    futures: dict[Any, Task] = {}
    shipment = None
    try:
        _wait_for_a_worker(client, address)
        workers = len(client.scheduler_info()["workers"])
        files, joined = _count(len(tasks), "file"), _count(workers, "worker")
        log.progress(f"rendering {files} on the Dask cluster at {address} ({joined} to start with)")
        shipment = _shipment(run)
        # Sent once to each worker, not with each job; kept by the scheduler for workers that join later.
        client.register_plugin(ProjectPlugin(shipment), name=_plugin_name(shipment.build))
        for task in tasks:
            key = f"handouts-{task.job.name}-{shipment.build}"
            futures[client.submit(render_on_worker, shipment.build, task, key=key, pure=False, retries=1)] = task
        for future in distributed.as_completed(list(futures), loop=client.loop):
            yield received(futures[future], future, shipment.versions)
    finally:
        # On Ctrl-C or an error: nothing more is rendered for this build, and the workers forget it.
        with contextlib.suppress(Exception):  # the scheduler may be gone: then there is nothing to undo
            client.cancel(list(futures))
            if shipment is not None:
                client.unregister_worker_plugin(_plugin_name(shipment.build))
        client.close()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _connect(address: str) -> Any:
    _ask_who_is_there(address)
    try:
        return distributed.Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise HandoutsError(Problem(address, f"cannot reach the Dask scheduler ({_said(exc)}); {WHERE}")) from None


def _ask_who_is_there(address: str) -> None:
    """Check that a Dask scheduler answers at the address, within a hard deadline, before the
    Client connects: distributed's own connect waits without end for the other side's first
    message (a server that accepts and says nothing hangs it), and takes the first bytes of any
    answer for a length to allocate (a server that answers something else ends in a MemoryError)."""
    deadline = CONNECT_SECONDS + ANSWER_SECONDS
    try:
        identity = asyncio.run(asyncio.wait_for(_identity(address), deadline))
    except TimeoutError:
        why = f"something there accepted the connection but did not answer within {deadline} s"
    except OSError as exc:
        why = f"cannot reach the Dask scheduler ({_said(exc)})"
    except Exception:  # an answer distributed cannot read (MemoryError included)
        why = "what answers there is not a Dask scheduler"
    else:
        if isinstance(identity, dict) and identity.get("type") == "Scheduler":
            return
        why = "what answers there is not a Dask scheduler"
    raise HandoutsError(Problem(address, f"{why}; {WHERE}"))


async def _identity(address: str) -> Any:
    async with distributed.rpc(address, timeout=CONNECT_SECONDS) as scheduler:
        return await scheduler.identity()


def _said(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__


def _wait_for_a_worker(client: Any, address: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKER_SECONDS)
    except TimeoutError:
        raise HandoutsError(
            Problem(
                address,
                f"no Dask worker joined the scheduler within {WORKER_SECONDS} s; "
                f"start some with `dask worker {address} --nthreads 1`",
            )
        ) from None


def _shipment(run: Run) -> Shipment:
    return Shipment(
        build=uuid.uuid4().hex,
        snapshot=snapshot.take(run.project),
        sources=snapshot.pack_sources(run.sources, run.project.root),
        strict=run.strict,
        source_date_epoch=build_epoch(),
        versions=tuple(library_versions()),
    )


def received(task: Task, future: Any, versions: tuple[str, ...]) -> Outcome:
    """The task's outcome, once checked; a problem of this task alone if the cluster failed it."""
    try:
        delivery = future.result()
    except Exception as exc:  # the scheduler gave up on it (KilledWorker), lost it, or it raised twice
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return _failed(task, f"the Dask cluster could not render it ({reason})")
    return verified(task, delivery, versions)


def verified(task: Task, delivery: Delivery, versions: tuple[str, ...]) -> Outcome:
    outcome, worker = delivery.outcome, delivery.worker
    if outcome.task != task:
        return _failed(task, f"Dask worker {worker} sent back another job ({outcome.job.name})")
    if delivery.versions != versions:
        theirs = ", ".join(sorted(set(delivery.versions) - set(versions)))
        ours = ", ".join(sorted(set(versions) - set(delivery.versions)))
        return _failed(
            task, f"Dask worker {worker} runs {theirs}, this build {ours}; install the same versions on every worker"
        )
    if outcome.ok and (not outcome.data or hashlib.sha256(outcome.data).hexdigest() != delivery.sha256):
        return _failed(task, f"the file from Dask worker {worker} did not arrive whole")
    return outcome


def _failed(task: Task, why: str) -> Outcome:
    return Outcome(task, problems=(Problem(task.job.name, f"{why}; nothing was written for it"),))


def _plugin_name(build: str) -> str:
    return f"handouts-project-{build}"


# -- On a worker -----------------------------------------------------------------------

_warm: dict[str, JobRenderer] = {}  # this worker process's renderers, by build
_lock = threading.Lock()


class ProjectPlugin(WorkerPlugin):
    """Unpacks a build's project on each worker before it renders any of the build's jobs."""

    def __init__(self, shipment: Shipment):
        self.shipment: Shipment | None = shipment
        self.build = shipment.build

    def setup(self, worker: Any) -> None:
        shipment, self.shipment = self.shipment, None  # unpacked: the archive need not stay in memory
        if shipment is not None:
            with _lock:
                _warm[self.build] = prepare(shipment, Path(worker.local_directory) / "handouts-projects")

    def teardown(self, worker: Any) -> None:
        with _lock:
            _warm.pop(self.build, None)


def prepare(shipment: Shipment, scratch: Path) -> JobRenderer:
    """A renderer for the shipped project, its files unpacked under scratch (once per digest)."""
    root = snapshot.unpack(shipment.snapshot, scratch)
    in_use = {root.name} | {renderer.project.root.name for renderer in _warm.values()}
    for other in scratch.iterdir():  # an earlier build's files, which no build needs any more
        if other.name not in in_use:
            shutil.rmtree(other, ignore_errors=True)
    sources = snapshot.unpack_sources(shipment.sources, root)
    return JobRenderer(Project(root), sources, shipment.strict, shipment.source_date_epoch)


def render_on_worker(build: str, task: Task) -> Delivery:
    """Runs on a Dask worker: render one task from the project its plugin unpacked."""
    # One PDF at a time in a process: a renderer and its WeasyPrint font configuration are not
    # shared between threads. Start workers with --nthreads 1 and as many processes as cores.
    with _lock:
        if build not in _warm:  # raised, so Dask tries it again, on another worker if it can
            raise RuntimeError("this worker has not unpacked the build's project (see the worker's log)")
        outcome = _warm[build](task)
    versions = tuple(library_versions())
    worker = str(distributed.get_worker().address)
    return Delivery(outcome, hashlib.sha256(outcome.data).hexdigest(), versions, worker)
