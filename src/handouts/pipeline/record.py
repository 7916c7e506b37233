"""Skipping what is up to date, and recording what each rendered job became: written and entered in the
manifest, or refused or failed with its reason said once."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from handouts import log
from handouts.atomic import write_atomically
from handouts.errors import HandoutsError, Problem
from handouts.model.loaded import LoadedHandout, fallback_texts
from handouts.output.formats import FORMATS
from handouts.pipeline.incremental import Entry, InputHasher, Manifest
from handouts.pipeline.jobs import Job, Outcome, Sources, Task
from handouts.pipeline.layout import output_path
from handouts.pipeline.progress import Progress
from handouts.pipeline.review import over_target_problem
from handouts.pipeline.run import BuildRun, internal_error, print_once


def skip_unchanged(run: BuildRun, jobs: list[Job]) -> list[Task]:
    """The jobs to render: all with --force, else those whose output is missing, altered or out of
    date; with --strict also those printed with a warning, so the gate judges them again."""
    project, sources, manifest, options, summary = run.project, run.sources, run.manifest, run.options, run.summary
    out_dir = run.out_dir
    hasher = InputHasher(project)
    tasks = []
    for job in jobs:
        clinic, handout = sources.clinics[job.clinic_id], sources.handouts[job.handout_id]
        langs = [job.lang] + ([job.second_lang] if job.second_lang else [])
        translations = [sources.translations[lang] for lang in langs]
        inputs = hasher.job_hash(clinic, handout, translations, job.variants)
        target = output_path(out_dir, job)
        warned = options.strict and _printed_with_warnings(manifest.entries.get(manifest.key(target)))
        if not options.force and not warned and manifest.up_to_date(target, inputs):
            summary.skipped.append(job)
        else:
            tasks.append(Task(job, inputs))
    return tasks


def _printed_with_warnings(entry: Entry | None) -> bool:
    # An entry from before warnings were recorded says how many entries fell back to English.
    return entry is not None and bool(entry.warnings or entry.translated < entry.total)


def record(run: BuildRun, outcome: Outcome, shown: Progress) -> bool:
    """Write a rendered file and record it; report a refusal or failure. True when the file is current."""
    project, sources, manifest, options, summary = run.project, run.sources, run.manifest, run.options, run.summary
    job = outcome.job
    out_dir = manifest.out_dir
    target = output_path(out_dir, job)
    where = project.shown(target)
    if outcome.internal_error:
        internal_error(out_dir, job, outcome.internal_error, summary, shown)
        return False
    handout = sources.handouts[job.handout_id]
    warnings = pdf_warnings(sources, handout, outcome)
    if refused := outcome.refused or (tuple(warnings) if options.strict else ()):
        summary.refused.append((job, refused))
        print_once(summary, refused)
        noun = "problem" if len(refused) == 1 else "problems"
        shown.failed([], f"refused {job.name}: {len(refused)} {noun} (listed above); not printed")
        manifest.refuse(manifest.key(target), refused[0])
        return False
    if outcome.problems:
        summary.failed.append((job.name, HandoutsError(list(outcome.problems))))
        print_once(summary, outcome.problems)  # the PDF and the HTML copy of one page fail alike: listed once
        shown.failed([], f"failed  {where}")
        manifest.refuse(manifest.key(target), outcome.problems[0])
        return False
    try:
        write_atomically(target, outcome.data, where)
    except HandoutsError as exc:  # no room, no permission, something in the way: named, with the fix
        summary.failed.append((job.name, exc))
        shown.failed(exc.problems)
        manifest.refuse(manifest.key(target), exc.problems[0])
        return False
    for warning in warnings:
        if warning not in summary.printed:  # a clinic's text in another language: said once, before
            log.warning(warning)
    manifest.record(replace(_entry(manifest, target, job, handout, outcome), warnings=list(map(str, warnings))))
    summary.built.append((job, outcome.pages))
    if not FORMATS[job.format].paged:
        shown.done(f"built   {where}")
        return True
    noun = "page" if outcome.pages == 1 else "pages"
    shown.done(f"built   {where} ({outcome.pages} {noun})")
    return True


def pdf_warnings(sources: Sources, handout: LoadedHandout, outcome: Outcome) -> list[Problem]:
    """What a file would print with that someone should know: English entries, the clinic's text in
    another language, more pages than the handout's target. --strict refuses a file with any."""
    job = outcome.job
    english = [replace(warning, message=f"{warning.message} (printed in English)") for warning in outcome.warnings]
    clinic = sources.clinics[job.clinic_id]
    # Fit to sheet applies to the standard copy; large print and bilingual copies may take more pages.
    paged = FORMATS[job.format].paged and not job.variants
    over = over_target_problem(handout, job.clinic_id, job.lang, outcome.pages) if paged else None
    return [*english, *fallback_texts(clinic, job.lang), *([over] if over else [])]


def _entry(manifest: Manifest, target: Path, job: Job, handout: LoadedHandout, outcome: Outcome) -> Entry:
    meta = handout.handout.meta
    return Entry(
        path=manifest.key(target),
        clinic=job.clinic_id,
        language=job.lang,
        handout=job.handout_id,
        version=meta.version,
        review_due=meta.review_due.isoformat(),
        translated=outcome.translated,
        total=outcome.total,
        pages=outcome.pages,
        sha256=hashlib.sha256(outcome.data).hexdigest(),
        inputs=outcome.task.inputs,
        variants=list(job.variants),
        reviewed_by=[str(approval) for approval in outcome.approvals],
        unapproved=outcome.unapproved,
        format=job.format,
        title=outcome.title,
    )
