"""Executors: how the planned jobs are run. The build is a pure map over independent jobs,
so an executor only has to hand out tasks and hand back outcomes (with the rendered
bytes; the build writes them). Registered in EXECUTORS by name:

- `inline`: in this process, one after another;
- `pool`: a pool of warm local worker processes (processes.py; each keeps one JobRenderer,
  so templates, fonts and images are loaded once per worker), each replaced by a fresh
  one after JOBS_PER_PROCESS jobs so that WeasyPrint's caches cannot grow without bound;
- `dask`: the workers of a Dask cluster (cluster.py), given the project's files with the jobs.

A new executor is one function of the same shape, added to EXECUTORS."""

from __future__ import annotations

import pickle
import signal
import tempfile
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from handouts import log
from handouts.errors import HandoutsError, Problem
from handouts.model.project import Project
from handouts.pipeline.executors import processes
from handouts.pipeline.executors.base import Executor, Run
from handouts.pipeline.jobs import Outcome, Sources, Task
from handouts.pipeline.render_job import JobRenderer
from handouts.render.page import build_epoch

# Starting a worker (Python, WeasyPrint, fonts) costs about as much as rendering a few PDFs:
# unless told how many, use no more workers than there are batches of this many jobs.
TASKS_PER_WORKER = 4


def worker_count(requested: int | None, tasks: int) -> int:
    """How many worker processes to start; 1 means render in this process."""
    if requested is None:
        return max(1, min(processes.default_jobs(), tasks // TASKS_PER_WORKER))
    return max(1, min(requested, tasks))


# A backstop against a worker's memory growing with the PDFs it renders (a library's cache):
# replacing a worker costs a fork and a warm-up (the fonts: a fraction of a second; a spawned
# worker, where there is no fork server, about 1 s), well under 5 % of this many PDFs' work
# (about 100 s). A warm worker holds about 100-250 MB (benchmarks/README.md).
JOBS_PER_PROCESS = 200


def run_inline(run: Run, tasks: list[Task]) -> Iterator[Outcome]:
    render = JobRenderer(run.project, run.sources, run.strict)
    for task in tasks:
        yield render(task)


def run_pool(run: Run, tasks: list[Task]) -> Iterator[Outcome]:
    """Render in worker processes. One failing task never stops the others; the tasks of a
    worker that died (killed, out of memory) get one more go in a fresh pool."""
    unfinished = tasks
    with _scratch(run.sources) as scratch:
        for attempt in range(2):
            unfinished = yield from _run_in_pool(run, scratch, unfinished, min(run.workers, len(unfinished)))
            if not unfinished:
                return
            if attempt == 0:
                log.progress(
                    f"a worker process stopped unexpectedly; rendering the {len(unfinished)} unfinished "
                    f"{'job' if len(unfinished) == 1 else 'jobs'} again"
                )
    gave_up = _workers_keep_dying(len(unfinished))  # one line for all of them, not one each
    for task in unfinished:
        yield Outcome(task, problems=(gave_up,))


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
        return (
            "the dask executor needs a scheduler: pass --scheduler tcp://HOST:PORT, "
            "or --use-scheduler with `scheduler:` set"
        )
    return None


def run_jobs(
    project: Project,
    sources: Sources,
    tasks: list[Task],
    jobs: int | None,
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
    yield from EXECUTORS[name](Run(project, sources, workers, strict, scheduler), tasks)


class _RecyclingPool(ProcessPoolExecutor):
    """A pool whose workers are replaced after max_tasks_per_child jobs, and that cannot hang
    when a worker dies.

    - CPython's own pool (3.11 and 3.12 for good) may not replace a worker that exits at its limit
      while jobs are queued, and then waits forever (python/cpython#115634): it counts an idle
      worker that has already exited. This pool replaces each worker that exits at its limit.
    - A worker that dies makes the pool's manager thread terminate the others and wait for them.
      CPython starts workers on demand from submit(), so one started just after that terminate
      was never told to stop and is waited for forever. This pool starts all its workers before
      the first job, and only the manager thread (which also does the terminating) replaces one.
    - A worker forked from the fork server that dies at once (killed) is gone before CPython
      writes its start-up data to it: the write fails with BrokenPipeError, which would crash the
      build, or stop the manager thread and hang it. This pool spawns that worker instead, whose
      start-up data is written while it starts Python; if it dies too, the pool sees it as any
      worker's death."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._launch_processes()  # type: ignore[attr-defined]

    def _adjust_process_count(self) -> None:
        replacing = threading.current_thread() is self._executor_manager_thread  # type: ignore[attr-defined]
        if replacing and len(self._processes) < self._max_workers:  # type: ignore[attr-defined]
            self._spawn_process()  # type: ignore[attr-defined]

    def _spawn_process(self) -> None:
        try:
            super()._spawn_process()  # type: ignore[misc]
        except BrokenPipeError:
            forked, self._mp_context = self._mp_context, processes.spawning()  # type: ignore[has-type]
            try:
                super()._spawn_process()  # type: ignore[misc]
            finally:
                self._mp_context = forked


SOURCES_FILE = "sources.pickle"  # in the build's scratch folder: the loaded sources, for the workers


@contextmanager
def _scratch(sources: Sources) -> Iterator[Path]:
    """A private temporary folder for one build's workers, removed once the pool has stopped:
    the loaded sources, in a file they read when they start, and every temporary file they
    make (WeasyPrint's copies of the web fonts), even those of a worker that was killed.

    The sources are not in the pool's initargs: those are written down a pipe to each new worker,
    and CPython blocks for ever writing more than the pipe holds (64 KiB) to a worker
    that died before reading it. What goes down the pipe now is small whatever the project's size."""
    with tempfile.TemporaryDirectory(prefix="handouts-build-") as folder:
        scratch = Path(folder)
        try:
            (scratch / SOURCES_FILE).write_bytes(pickle.dumps(sources, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:  # a full or read-only temporary folder
            where = Problem(folder, f"cannot be written ({exc.strerror or exc}); free some space there, or set TMPDIR")
            raise HandoutsError(where) from None
        yield scratch


def _run_in_pool(run: Run, scratch: Path, tasks: list[Task], workers: int) -> Generator[Outcome, None, list[Task]]:
    """Yield the outcome of each task; return the tasks left unfinished because a worker died."""
    pool = _RecyclingPool(
        max_workers=workers,
        mp_context=processes.context(),
        initializer=_start_worker,
        initargs=(run.project.root, scratch, run.strict, build_epoch()),
        max_tasks_per_child=JOBS_PER_PROCESS,
    )
    try:
        futures = _submit_all(pool, tasks)
        unfinished = tasks[len(futures) :]  # a worker died before these were handed out
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


def _submit_all(pool: ProcessPoolExecutor, tasks: list[Task]) -> dict[Future[Outcome], Task]:
    """Hand out the tasks in order, up to the first that the pool refuses because a worker died."""
    futures: dict[Future[Outcome], Task] = {}
    for task in tasks:
        try:
            futures[pool.submit(_render_in_worker, task)] = task
        except BrokenProcessPool:
            break
    return futures


def _workers_keep_dying(count: int) -> Problem:
    files = "1 file was" if count == 1 else f"{count} files were"
    return Problem(
        "handouts build",
        f"worker processes stopped twice before {files} done (killed, or out of memory), so nothing was "
        "written for them; build again, with fewer workers (-j 1) if memory is short",
    )


_worker: JobRenderer | None = None


def _start_worker(root: Path, scratch: Path, strict: bool, source_date_epoch: str) -> None:
    global _worker  # one renderer per worker process, kept warm between jobs
    # Ctrl-C is the main process's to handle: it stops handing out jobs and waits for these.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tempfile.tempdir = str(scratch)  # the build removes it, whatever happens to this worker
    sources = pickle.loads((scratch / SOURCES_FILE).read_bytes())
    # The build's own SOURCE_DATE_EPOCH: a worker forked from a server started earlier has that server's environment.
    _worker = JobRenderer(Project(root), sources, strict, source_date_epoch)


def _render_in_worker(task: Task) -> Outcome:
    assert _worker is not None, "the pool's initializer did not run"
    return _worker(task)
