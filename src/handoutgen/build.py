"""The batch build: load → check → plan jobs → render → write → summary."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from handoutgen.atomic import remove_stale_temps
from handoutgen.catalogs import Translations
from handoutgen.errors import HandoutsError, Problem
from handoutgen.extract import COMMON_DOMAIN
from handoutgen.gate import gate_translations
from handoutgen.incremental import MANIFEST_NAME, Entry, InputHasher, Manifest
from handoutgen.progress import Progress, progress
from handoutgen.project import LoadedClinic, LoadedHandout, Project
from handoutgen.review import expired_problem, over_target_problem
from handoutgen.workers import Outcome, Task, run_jobs

Echo = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how. Each field left empty means "as the project's files say"."""

    clinics: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    handouts: tuple[str, ...] = ()
    out_dir: Path | None = None
    strict: bool = False  # every warning (e.g. an English fallback) fails that clinic × language
    large_print: bool = False  # body text 16 pt and up; written as <handout>-large-print.pdf
    bilingual: bool | None = None  # None: as each clinic.yaml says
    allow_expired: bool = False  # print handouts past their review date
    today: dt.date | None = None  # the day review dates are judged against (default: today)
    jobs: int | None = None  # worker processes; None: up to one per core, 1: render in this process
    force: bool = False  # rebuild even the PDFs whose inputs are unchanged


@dataclass(frozen=True)
class Job:
    clinic_id: str
    lang: str
    handout_id: str
    output: Path
    second_lang: str | None = None  # a bilingual copy's second language: the clinicians'
    large_print: bool = False

    @property
    def name(self) -> str:
        return f"{self.clinic_id}/{self.lang}/{self.handout_id}"


@dataclass
class Sources:
    """Everything loaded from disk; a file that failed to load is kept as its problems."""

    clinics: dict[str, LoadedClinic | HandoutsError] = field(default_factory=dict)
    handouts: dict[str, LoadedHandout | HandoutsError] = field(default_factory=dict)
    translations: dict[str, Translations | HandoutsError] = field(default_factory=dict)


@dataclass
class Summary:
    built: list[tuple[Job, int]] = field(default_factory=list)
    skipped: list[Job] = field(default_factory=list)  # up to date: inputs unchanged since the last build
    failed: list[tuple[str, HandoutsError]] = field(default_factory=list)  # (job or file, why)
    seconds: float = 0.0
    over_target: list[tuple[Job, Problem]] = field(default_factory=list)  # fit to sheet; reported, not failed

    @property
    def ok(self) -> bool:
        return not self.failed


def build(project: Project, options: BuildOptions = BuildOptions(), echo: Echo = print) -> Summary:
    start = time.perf_counter()
    clinic_ids, handout_ids = select(project, list(options.clinics), list(options.handouts))
    sources = load(project, clinic_ids, handout_ids)
    if not options.allow_expired:
        refuse_expired(sources, options.today or dt.date.today())
    summary = Summary()
    report_load_problems(sources, summary, echo)
    gate_translations(project, sources, options, summary, echo)
    out_dir = options.out_dir or project.root / "output"
    jobs = [
        with_print_style(job, sources, options)
        for job in plan(sources, clinic_ids, list(options.langs), handout_ids, out_dir)
    ]
    manifest = Manifest.load(out_dir, project.shown(out_dir / MANIFEST_NAME))
    tasks = skip_unchanged(project, sources, jobs, manifest, options.force, summary)
    remove_stale_temps_beside(tasks)
    try:
        with progress(echo, len(tasks)) as shown:
            for outcome in run_jobs(project, sources, tasks, options.jobs, shown.note):
                record(project, sources, manifest, outcome, summary, shown)
    finally:
        manifest.save()  # even on Ctrl-C: what was built is recorded
        remove_stale_temps_beside(tasks)  # left by a worker that was killed
    summary.seconds = time.perf_counter() - start
    echo(
        f"{len(summary.built)} built, {len(summary.skipped)} skipped, {len(summary.failed)} failed "
        f"in {summary.seconds:.1f} s"
    )
    return summary


def select(project: Project, clinics: list[str], handouts: list[str]) -> tuple[list[str], list[str]]:
    """Check the names asked for on the command line before doing any work."""
    known_clinics, known_handouts = project.clinic_ids(), project.handout_ids()
    problems = [
        Problem("clinics/", f"unknown clinic {name!r}; the clinics are: {', '.join(known_clinics) or 'none'}")
        for name in clinics
        if name not in known_clinics
    ] + [
        Problem("handouts/", f"unknown handout {name!r}; the handouts are: {', '.join(known_handouts) or 'none'}")
        for name in handouts
        if name not in known_handouts
    ]
    if problems:
        raise HandoutsError(problems)
    return list(dict.fromkeys(clinics)) or known_clinics, list(dict.fromkeys(handouts)) or known_handouts


def load(project: Project, clinic_ids: list[str], handout_ids: list[str]) -> Sources:
    sources = Sources()
    for clinic_id in clinic_ids:
        sources.clinics[clinic_id] = _try(project.load_clinic, clinic_id)
    for handout_id in handout_ids:
        sources.handouts[handout_id] = _try(project.load_handout, handout_id)
    langs = {lang for c in sources.clinics.values() if isinstance(c, LoadedClinic) for lang in c.clinic.languages}
    # A form's questions come from its leaflet's catalog, so that catalog is loaded too.
    used = [d for h in sources.handouts.values() if isinstance(h, LoadedHandout) for d in h.domains]
    domains = list(dict.fromkeys([*handout_ids, *used, COMMON_DOMAIN]))
    for lang in sorted(langs):
        sources.translations[lang] = _try(Translations.load, project.locales_dir, project.root, lang, domains)
    return sources


def _try(loader: Callable, *args: object) -> object:
    try:
        return loader(*args)
    except HandoutsError as exc:
        return exc


def refuse_expired(sources: Sources, today: dt.date) -> None:
    """A handout past its review date is treated as a broken file: reported once, its jobs left out."""
    for handout_id, loaded in sources.handouts.items():
        if isinstance(loaded, LoadedHandout) and (problem := expired_problem(loaded, today)):
            sources.handouts[handout_id] = HandoutsError(problem)


def with_print_style(job: Job, sources: Sources, options: BuildOptions) -> Job:
    """Large-print and bilingual copies get their own file names, so they never replace the plain copy."""
    loaded = sources.clinics[job.clinic_id]
    assert isinstance(loaded, LoadedClinic)  # plan() makes jobs only for clinics that loaded
    clinic = loaded.clinic
    bilingual = clinic.bilingual if options.bilingual is None else options.bilingual
    second = clinic.clinicians_language if bilingual and clinic.clinicians_language != job.lang else None
    suffix = ("-bilingual" if second else "") + ("-large-print" if options.large_print else "")
    if not suffix:
        return job
    output = job.output.with_name(f"{job.handout_id}{suffix}.pdf")
    return Job(job.clinic_id, job.lang, job.handout_id, output, second, options.large_print)


def report_load_problems(sources: Sources, summary: Summary, echo: Echo) -> None:
    """Print each broken file once, however many jobs it breaks."""
    for group in (sources.clinics, sources.handouts, sources.translations):
        for name, loaded in group.items():
            if isinstance(loaded, HandoutsError):
                summary.failed.append((name, loaded))
                for problem in loaded.problems:
                    echo(f"error: {problem}")


def plan(sources: Sources, clinic_ids: list[str], langs: list[str], handout_ids: list[str], out_dir: Path) -> list[Job]:
    """Every clinic × each of its languages × every handout, narrowed by --lang.

    Jobs whose clinic, handout or catalogs failed to load are left out: their
    problems were reported once already."""
    offered = {lang for c in sources.clinics.values() if isinstance(c, LoadedClinic) for lang in c.clinic.languages}
    unknown = [lang for lang in langs if lang not in offered]
    broken_clinics = any(isinstance(c, HandoutsError) for c in sources.clinics.values())
    if unknown and not broken_clinics:
        raise HandoutsError(
            [
                Problem(
                    "clinics/", f"no selected clinic offers language {lang!r}; they offer: {', '.join(sorted(offered))}"
                )
                for lang in unknown
            ]
        )
    jobs = []
    for clinic_id in clinic_ids:
        clinic = sources.clinics[clinic_id]
        if not isinstance(clinic, LoadedClinic):
            continue
        for lang in clinic.clinic.languages:
            if (langs and lang not in langs) or isinstance(sources.translations[lang], HandoutsError):
                continue
            for handout_id in handout_ids:
                if isinstance(sources.handouts[handout_id], LoadedHandout):
                    jobs.append(Job(clinic_id, lang, handout_id, out_dir / clinic_id / lang / f"{handout_id}.pdf"))
    return jobs


def skip_unchanged(
    project: Project, sources: Sources, jobs: list[Job], manifest: Manifest, force: bool, summary: Summary
) -> list[Task]:
    """The jobs to render: all with --force, else those whose PDF is missing, altered or out of date."""
    hasher = InputHasher(project)
    tasks = []
    for job in jobs:
        clinic, handout = sources.clinics[job.clinic_id], sources.handouts[job.handout_id]
        langs = [job.lang] + ([job.second_lang] if job.second_lang else [])
        translations = [sources.translations[lang] for lang in langs]
        inputs = hasher.job_hash(clinic, handout, translations, job.large_print)  # type: ignore[arg-type]
        if not force and manifest.up_to_date(job.output, inputs):
            summary.skipped.append(job)
        else:
            tasks.append(Task(job, inputs))
    return tasks


def remove_stale_temps_beside(tasks: list[Task]) -> None:
    """Temp files left by a killed build are never PDFs anyone should print: remove them."""
    for folder in sorted({task.job.output.parent for task in tasks}):
        remove_stale_temps(folder)


def record(
    project: Project, sources: Sources, manifest: Manifest, outcome: Outcome, summary: Summary, shown: Progress
) -> None:
    job = outcome.job
    where = project.shown(job.output)
    if outcome.problems:
        summary.failed.append((job.name, HandoutsError(list(outcome.problems))))
        shown.failed([*(f"error: {problem}" for problem in outcome.problems), f"failed  {where}"])
        return
    meta = sources.handouts[job.handout_id].handout.meta  # type: ignore[union-attr]
    manifest.record(
        Entry(
            path=manifest.key(job.output),
            clinic=job.clinic_id,
            language=job.lang,
            handout=job.handout_id,
            version=meta.version,
            review_due=meta.review_due.isoformat(),
            translated=outcome.translated,
            total=outcome.total,
            pages=outcome.pages,
            sha256=outcome.sha256,
            inputs=outcome.task.inputs,
        )
    )
    summary.built.append((job, outcome.pages))
    noun = "page" if outcome.pages == 1 else "pages"
    shown.done(f"built   {where} ({outcome.pages} {noun})")
    # Fit to sheet applies to the standard copy; large print and bilingual copies may take more pages.
    handout = sources.handouts[job.handout_id]
    if (
        not job.large_print
        and not job.second_lang
        and (problem := over_target_problem(handout, job.clinic_id, job.lang, outcome.pages))  # type: ignore[arg-type]
    ):
        summary.over_target.append((job, problem))
        shown.note(f"warning: {problem}")
