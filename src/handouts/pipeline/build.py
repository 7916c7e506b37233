"""The batch build, top to bottom: load → plan → skip what is up to date → render (an
executor, the one render path, the gate) → write → withdraw what can no longer be
built → manifest and summary."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from filelock import FileLock, Timeout

from handouts import log
from handouts.atomic import output_problem, remove_orphaned_temps
from handouts.errors import HandoutsError, OutputError, Problem
from handouts.i18n.signoff import damaged_signoff_files
from handouts.model.project import Project
from handouts.pipeline.executors.local import executor_problem, run_jobs
from handouts.pipeline.incremental import Manifest
from handouts.pipeline.jobs import BuildOptions, Job, Sources, Task
from handouts.pipeline.layout import MANIFEST_NAME, out_dir_of, output_path
from handouts.pipeline.packets import build_packets, plan_packets
from handouts.pipeline.plan import (
    clinic_text_fallbacks,
    figure_label_warnings,
    languages_of,
    load,
    not_offered_lines,
    plan,
    refuse_before_rendering,
    select,
    spelled_as_clinics,
    without_catalog,
)
from handouts.pipeline.progress import Progress, progress
from handouts.pipeline.record import record, skip_unchanged
from handouts.pipeline.render_job import domains_of, translations_for
from handouts.pipeline.run import BuildRun, Summary
from handouts.pipeline.site import publish_library
from handouts.pipeline.withdraw import withdraw_stale

__all__ = ["BuildOptions", "Summary", "build"]


def build(project: Project, options: BuildOptions | None = None) -> Summary:
    options = options or BuildOptions()
    with log.counting() as counted, contextlib.ExitStack() as held:
        summary = _build(project, options, held)
    summary.warnings, summary.strict = counted.warnings, options.strict
    log.strict_failure(counted, options.strict)
    return summary


def _build(project: Project, options: BuildOptions, held: contextlib.ExitStack) -> Summary:
    start, summary = time.perf_counter(), Summary()
    options = how_to_run(project, options)
    clinic_ids, handout_ids = select(project, list(options.clinics), list(options.handouts))
    sources = load(project, clinic_ids, handout_ids)
    today = None if options.allow_expired else options.today or dt.date.today()
    refuse_before_rendering(project, sources, handout_ids, expired_on=today)
    report_load_problems(sources, summary)
    for problem in figure_label_warnings(project, sources):
        log.warning(problem)
    options = replace(options, langs=spelled_as_clinics(sources, options.langs))
    jobs, not_offered = planned(project, sources, clinic_ids, handout_ids, options, summary)
    sources.translations = translations_for(project, languages_of(jobs), domains_of(sources))
    out_dir = out_dir_of(project.root, options.out_dir)
    held.enter_context(one_build_at_a_time(out_dir, project.shown(out_dir)))  # until the build ends
    for problem in damaged_signoff_files(sources.translations):
        log.warning(problem)
    manifest = open_manifest(project, out_dir)
    run = BuildRun(project, options, clinic_ids, handout_ids, sources, manifest, summary, not_offered)
    tasks = skip_unchanged(run, jobs)
    remove_orphaned_temps(out_dir)  # left anywhere by a build that was killed
    run.kept = {output_path(out_dir, job) for job in summary.skipped if isinstance(job, Job)}
    try:
        render(run, tasks)
        build_packets(run, plan_packets(run), Progress())
        withdraw_stale(run)
        publish_library(run)
    finally:
        manifest.save()  # even on Ctrl-C: what was built is recorded
        remove_orphaned_temps(out_dir)  # left by a worker that was killed
    summary.seconds = time.perf_counter() - start
    log.result(summary.line())
    return summary


def planned(
    project: Project,
    sources: Sources,
    clinic_ids: list[str],
    handout_ids: list[str],
    options: BuildOptions,
    summary: Summary,
) -> tuple[list[Job], dict[str, list[str]]]:
    """The jobs to build, and per language the handouts not offered (no catalog), each said once."""
    jobs, not_offered = without_catalog(project, plan(sources, clinic_ids, list(options.langs), handout_ids, options))
    for line in not_offered_lines(project, not_offered):
        log.progress(line)
    for problem in clinic_text_fallbacks(sources, jobs):
        log.warning(problem)
        summary.printed.add(problem)  # said once here, not again for each file that prints it
    return jobs, not_offered


def open_manifest(project: Project, out_dir: Path) -> Manifest:
    manifest = Manifest.load(out_dir, project.shown(out_dir / MANIFEST_NAME))
    if not manifest.path.exists() and (found := _others_files(out_dir)):
        log.warning(
            f"{project.shown(out_dir)}: already holds {found} that handouts did not write (no manifest.json); "
            "they are left as they are, and the build writes beside them"
        )
    return manifest


def render(run: BuildRun, tasks: list[Task]) -> None:
    """Render the tasks with the chosen executor, writing and recording each file as it comes back."""
    options = run.options
    with progress(len(tasks)) as shown:
        outcomes = run_jobs(
            run.project, run.sources, tasks, options.jobs, options.strict, options.executor, options.scheduler
        )
        for outcome in outcomes:
            if record(run, outcome, shown):
                run.kept.add(output_path(run.out_dir, outcome.job))


LOCK_NAME = ".handouts-build.lock"


@contextlib.contextmanager
def one_build_at_a_time(out_dir: Path, shown_as: str) -> Iterator[None]:
    """Hold the output folder's lock for the whole build; a second build into it stops at once
    with one line (it does not wait: a scheduled build and a person's would both seem to hang)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(out_dir / LOCK_NAME, timeout=0)
        lock.acquire()
    except Timeout:
        raise HandoutsError(
            Problem(
                shown_as, "another handouts build is writing to this folder; wait for it to finish, then build again"
            )
        ) from None
    except OSError as exc:  # a file in the way, a read-only disk: named, with the fix
        raise OutputError(output_problem(exc, out_dir / LOCK_NAME, f"{shown_as}/{LOCK_NAME}")) from None
    try:
        yield
    finally:
        lock.release()


def _others_files(out_dir: Path) -> str:
    """What an output folder without a manifest already holds, as a short list ("" for nothing)."""
    names = sorted(path.name for path in out_dir.iterdir() if path.name != LOCK_NAME)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def how_to_run(project: Project, options: BuildOptions) -> BuildOptions:
    """The executor and scheduler from the command line, else from handouts.yaml; checked before any work."""
    config = project.config
    scheduler = options.scheduler or configured_scheduler(project, options)
    executor = options.executor or ("dask" if scheduler else config.executor)
    if problem := executor_problem(executor, scheduler):
        where = Problem("--executor", problem) if options.executor else project.config_problem("executor", problem)
        raise HandoutsError(where)
    return replace(options, executor=executor, scheduler=scheduler)


def configured_scheduler(project: Project, options: BuildOptions) -> str | None:
    """The scheduler handouts.yaml names, only when the user confirms it (--use-scheduler): a file
    that came with the project (a pull request, a zip) must not choose where the project is sent
    and whose answers are unpickled. Unconfirmed, the build runs here and says so."""
    named, confirmed = project.config.scheduler, options.use_scheduler
    if confirmed and not named:
        why = "handouts.yaml names no scheduler; add `scheduler: tcp://HOST:PORT` to it, or pass --scheduler"
        raise HandoutsError(Problem("--use-scheduler", why))
    # Said when the build then runs here: not for a local executor asked for, nor for a dask one (an error follows).
    if named and not confirmed and (options.executor or project.config.executor) is None:
        log.warning(
            project.config_problem(
                "scheduler",
                "not used: a project file alone does not send the project over the network; "
                "pass --use-scheduler to render there (or --scheduler ADDRESS)",
            )
        )
    return named if confirmed else None


def report_load_problems(sources: Sources, summary: Summary) -> None:
    """Print each broken file once, however many jobs it breaks."""
    for broken in (sources.broken_clinics, sources.broken_handouts):
        for name, error in broken.items():
            _report_failed(name, error, summary)
    for (clinic_id, handout_id), error in sources.unfit.items():
        _report_failed(f"{clinic_id}/{handout_id}", error, summary)


def _report_failed(name: str, error: HandoutsError, summary: Summary) -> None:
    summary.failed.append((name, error))
    for problem in error.problems:
        log.error(problem)
