"""Rendering the planned jobs: in this process for -j 1, else in a pool of warm worker processes.

Each worker keeps one Renderer (Jinja environments), WeasyPrint's font configuration
and image cache across its jobs, so fonts and stylesheets are loaded once per worker."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handoutgen.errors import HandoutsError, Problem
from handoutgen.project import Project
from handoutgen.render import PrintStyle, Renderer, write_pdf

if TYPE_CHECKING:
    from handoutgen.build import Job, Sources


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


@dataclass(frozen=True)
class Task:
    job: Job
    inputs: str  # the hash of everything the PDF is built from


@dataclass(frozen=True)
class Outcome:
    """What became of one task; plain data, so it crosses process boundaries."""

    task: Task
    pages: int = 0
    sha256: str = ""
    translated: int = 0  # catalog entries printed in the job's language
    total: int = 0  # catalog entries the PDF used
    problems: tuple[Problem, ...] = ()

    @property
    def job(self) -> Job:
        return self.task.job


class JobRenderer:
    """Renders jobs one after another, keeping templates, fonts and images warm."""

    def __init__(self, project: Project, sources: Sources):
        self.project = project
        self.renderer = Renderer(project)
        # The build's loaded files, as the build left them (e.g. entries it marked not to print).
        self.sources = sources
        self.font_config: Any = None
        # Per clinic: a cached image is not fetched again, so it must not reach another clinic's page.
        self.image_caches: dict[str, dict[str, Any]] = {}

    def __call__(self, task: Task) -> Outcome:
        job, sources = task.job, self.sources
        try:
            clinic, handout = sources.clinics[job.clinic_id], sources.handouts[job.handout_id]
            second = sources.translations[job.second_lang] if job.second_lang else None
            if isinstance(second, HandoutsError):
                raise second
            style = PrintStyle(large_print=job.large_print, second=second)
            page = self.renderer.page(clinic, handout, sources.translations[job.lang], style)  # type: ignore[arg-type]
            images = self.image_caches.setdefault(job.clinic_id, {})
            result = write_pdf(page, job.output, job.name, self._font_config(), images)
        except HandoutsError as exc:
            problems = (p if isinstance(p, Problem) else Problem(job.name, str(p)) for p in exc.problems)
            return Outcome(task, problems=tuple(problems))
        # An entry used twice on a page (say, "Version {version}") counts once.
        used = {lookup.origin: lookup.translated for lookup in page.lookups}
        return Outcome(task, result.pages, result.sha256, sum(used.values()), len(used))

    def _font_config(self) -> Any:
        if self.font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            self.font_config = FontConfiguration()
        return self.font_config


def run_jobs(
    project: Project,
    sources: Sources,
    tasks: list[Task],
    jobs: int | None,
    note: Callable[[str], None] = print,
) -> Iterator[Outcome]:
    """Render every task, yielding each outcome as it is ready. One failing task never stops the others."""
    workers = worker_count(jobs, len(tasks))
    if workers == 1:
        render = JobRenderer(project, sources)
        for task in tasks:
            yield render(task)
        return
    unfinished = tasks
    for attempt in range(2):
        unfinished = yield from _run_in_pool(project, sources, unfinished, min(workers, len(unfinished)))
        if not unfinished:
            return
        if attempt == 0:
            # Killed from outside, or out of memory: its jobs, and those queued behind them, get one more go.
            note(
                f"a worker process stopped unexpectedly; rendering the {len(unfinished)} unfinished "
                f"{'job' if len(unfinished) == 1 else 'jobs'} again"
            )
    for task in unfinished:
        yield Outcome(task, problems=(_worker_died(task.job),))


def _run_in_pool(
    project: Project, sources: Sources, tasks: list[Task], workers: int
) -> Generator[Outcome, None, list[Task]]:
    """Yield the outcome of each task; return the tasks left unfinished because a worker died."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(project.root, sources),  # pickled once per worker
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


def _start_worker(root: Path, sources: Sources) -> None:
    global _worker  # one renderer per worker process, kept warm between jobs
    # Ctrl-C is the main process's to handle: it stops handing out jobs and waits for these.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker = JobRenderer(Project(root), sources)


def _render_in_worker(task: Task) -> Outcome:
    assert _worker is not None, "the pool's initializer did not run"
    return _worker(task)
