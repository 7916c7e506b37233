"""Executors: how the planned jobs are run. The build is a pure map over independent jobs,
so an executor only has to hand out tasks and hand back outcomes (with the rendered
bytes; the build writes them). Registered in EXECUTORS by name:

- `inline`: in this process, one after another;
- `pool`: a pool of warm local worker processes (spawned; each keeps one JobRenderer,
  so templates, fonts and images are loaded once per worker).

A new executor (say, a cluster) is one function of the same shape, added to EXECUTORS."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from handouts.errors import Problem
from handouts.jobs import Job, Outcome, Sources, Task
from handouts.project import Project
from handouts.render_job import JobRenderer


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


Note = Callable[[str], None]
Executor = Callable[[Project, Sources, list[Task], int, bool, Note], Iterator[Outcome]]


def run_inline(
    project: Project, sources: Sources, tasks: list[Task], workers: int, strict: bool, note: Note
) -> Iterator[Outcome]:
    render = JobRenderer(project, sources, strict)
    for task in tasks:
        yield render(task)


def run_pool(
    project: Project, sources: Sources, tasks: list[Task], workers: int, strict: bool, note: Note
) -> Iterator[Outcome]:
    """Render in worker processes. One failing task never stops the others; the tasks of a
    worker that died (killed, out of memory) get one more go in a fresh pool."""
    unfinished = tasks
    for attempt in range(2):
        unfinished = yield from _run_in_pool(project, sources, unfinished, min(workers, len(unfinished)), strict)
        if not unfinished:
            return
        if attempt == 0:
            note(
                f"a worker process stopped unexpectedly; rendering the {len(unfinished)} unfinished "
                f"{'job' if len(unfinished) == 1 else 'jobs'} again"
            )
    for task in unfinished:
        yield Outcome(task, problems=(_worker_died(task.job),))


EXECUTORS: dict[str, Executor] = {"inline": run_inline, "pool": run_pool}


def run_jobs(
    project: Project,
    sources: Sources,
    tasks: list[Task],
    jobs: int | None,
    note: Note = print,
    strict: bool = False,
    executor: str | None = None,
) -> Iterator[Outcome]:
    """Render every task with the named executor (default: inline for a handful of jobs, else a pool)."""
    workers = worker_count(jobs, len(tasks))
    name = executor or ("inline" if workers == 1 else "pool")
    yield from EXECUTORS[name](project, sources, tasks, workers, strict, note)


def _run_in_pool(
    project: Project, sources: Sources, tasks: list[Task], workers: int, strict: bool
) -> Generator[Outcome, None, list[Task]]:
    """Yield the outcome of each task; return the tasks left unfinished because a worker died."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(project.root, sources, strict),  # pickled once per worker
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
