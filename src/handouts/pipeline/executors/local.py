"""Executors: how the planned jobs are run. The build is a pure map over independent jobs,
so an executor only has to hand out tasks and hand back outcomes (with the rendered
bytes; the build writes them). Registered in EXECUTORS by name:

- `inline`: in this process, one after another;
- `pool`: a pool of warm local worker processes (spawned; each keeps one JobRenderer,
  so templates, fonts and images are loaded once per worker), each replaced by a fresh
  one after JOBS_PER_PROCESS jobs so that WeasyPrint's caches cannot grow without bound;
- `dask`: the workers of a Dask cluster (cluster.py), given the project's files with the jobs.

A new executor is one function of the same shape, added to EXECUTORS."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from handouts.errors import HandoutsError, Problem
from handouts.model.project import Project
from handouts.pipeline.executors.base import Executor, Note, Run
from handouts.pipeline.jobs import Job, Outcome, Sources, Task
from handouts.pipeline.render_job import JobRenderer


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Starting a worker (Python, WeasyPrint, fonts) costs about as much as rendering a few PDFs:
# unless told how many, use no more workers than there are batches of this many jobs.
TASKS_PER_WORKER = 4


def worker_count(requested: int | None, tasks: int) -> int:
    """How many worker processes to start; 1 means render in this process."""
    if requested is None:
        return max(1, min(default_jobs(), tasks // TASKS_PER_WORKER))
    return max(1, min(requested, tasks))


# A backstop against a worker's memory growing with the PDFs it renders (a library's cache):
# replacing a worker costs a start-up and a warm-up (about 5 s), under 5 % of this many PDFs'
# work (about 100 s). A warm worker holds about 200-250 MB (benchmarks/README.md).
JOBS_PER_PROCESS = 200


def run_inline(run: Run, tasks: list[Task]) -> Iterator[Outcome]:
    render = JobRenderer(run.project, run.sources, run.strict)
    for task in tasks:
        yield render(task)


def run_pool(run: Run, tasks: list[Task]) -> Iterator[Outcome]:
    """Render in worker processes. One failing task never stops the others; the tasks of a
    worker that died (killed, out of memory) get one more go in a fresh pool."""
    unfinished = tasks
    for attempt in range(2):
        unfinished = yield from _run_in_pool(run, unfinished, min(run.workers, len(unfinished)))
        if not unfinished:
            return
        if attempt == 0:
            run.note(
                f"a worker process stopped unexpectedly; rendering the {len(unfinished)} unfinished "
                f"{'job' if len(unfinished) == 1 else 'jobs'} again"
            )
    for task in unfinished:
        yield Outcome(task, problems=(_worker_died(task.job),))


def run_dask(run: Run, tasks: list[Task]) -> Iterator[Outcome]:
    try:
        from handouts.pipeline.executors.cluster import run_on_cluster  # imports Dask, an optional extra
    except ModuleNotFoundError as exc:
        if exc.name not in ("dask", "distributed"):
            raise
        raise HandoutsError(
            Problem("--scheduler", "rendering on a Dask cluster needs Dask: pip install 'handouts[dask]'")
        ) from None
    yield from run_on_cluster(run, tasks)


EXECUTORS: dict[str, Executor] = {"inline": run_inline, "pool": run_pool, "dask": run_dask}


def executor_problem(executor: str | None, scheduler: str | None) -> str | None:
    """Why this executor cannot run as asked, or None."""
    if executor is not None and executor not in EXECUTORS:
        return f"unknown executor {executor!r}; use one of: {', '.join(EXECUTORS)}"
    if executor == "dask" and not scheduler:
        return "the dask executor needs a scheduler: pass --scheduler tcp://HOST:PORT or set `scheduler:`"
    return None


def run_jobs(
    project: Project,
    sources: Sources,
    tasks: list[Task],
    jobs: int | None,
    note: Note = print,
    strict: bool = False,
    executor: str | None = None,
    scheduler: str | None = None,
) -> Iterator[Outcome]:
    """Render every task with the named executor (default: a Dask cluster when given a scheduler,
    else inline for a handful of jobs, else a local pool)."""
    if not tasks:  # nothing to render: no workers to start, no cluster to reach
        return
    workers = worker_count(jobs, len(tasks))
    name = executor or ("dask" if scheduler else "inline" if workers == 1 else "pool")
    if problem := executor_problem(name, scheduler):
        raise HandoutsError(problem)
    yield from EXECUTORS[name](Run(project, sources, workers, strict, note, scheduler), tasks)


class _RecyclingPool(ProcessPoolExecutor):
    """A pool whose workers are replaced after max_tasks_per_child jobs, without CPython's hang.

    CPython's own pool (3.11 and 3.12 for good) may not replace a worker that exits at its limit
    while jobs are queued, and then waits forever (python/cpython#115634): it counts an idle worker
    that has already exited. This pool always starts a replacement while it has fewer than max_workers."""

    def _adjust_process_count(self) -> None:
        if len(self._processes) < self._max_workers:  # type: ignore[attr-defined]
            self._spawn_process()  # type: ignore[attr-defined]


def _run_in_pool(run: Run, tasks: list[Task], workers: int) -> Generator[Outcome, None, list[Task]]:
    """Yield the outcome of each task; return the tasks left unfinished because a worker died."""
    pool = _RecyclingPool(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(run.project.root, run.sources, run.strict),  # pickled once per worker
        max_tasks_per_child=JOBS_PER_PROCESS,
    )
    unfinished = []
    try:
        futures = {pool.submit(_render_in_worker, task): task for task in tasks}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool:
                unfinished.append(futures[future])
                continue
            yield outcome
    finally:
        # On Ctrl-C or an error: drop the queued jobs, let the running ones finish their (atomic) writes.
        pool.shutdown(wait=True, cancel_futures=True)
    return unfinished


def _worker_died(job: Job) -> Problem:
    return Problem(
        job.name,
        "the worker process stopped before this PDF was done (killed, or out of memory); nothing was written for it",
    )


_worker: JobRenderer | None = None


def _start_worker(root: Path, sources: Sources, strict: bool) -> None:
    global _worker  # one renderer per worker process, kept warm between jobs
    # Ctrl-C is the main process's to handle: it stops handing out jobs and waits for these.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = JobRenderer(Project(root), sources, strict)


def _render_in_worker(task: Task) -> Outcome:
    assert _worker is not None, "the pool's initializer did not run"
    return _worker(task)
