"""The batch build: load → check → plan jobs → render → write → summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from handoutgen.catalogs import Translations
from handoutgen.errors import HandoutsError, Problem
from handoutgen.extract import COMMON_DOMAIN
from handoutgen.gate import gate_translations
from handoutgen.project import LoadedClinic, LoadedHandout, Project
from handoutgen.render import Renderer, write_pdf

Echo = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how. Each field left empty means "as the project's files say"."""

    clinics: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    handouts: tuple[str, ...] = ()
    out_dir: Path | None = None
    strict: bool = False  # every warning (e.g. an English fallback) fails that clinic × language


@dataclass(frozen=True)
class Job:
    clinic_id: str
    lang: str
    handout_id: str
    output: Path

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
    failed: list[tuple[str, HandoutsError]] = field(default_factory=list)  # (job or file, why)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def build(project: Project, options: BuildOptions = BuildOptions(), echo: Echo = print) -> Summary:
    start = time.perf_counter()
    clinic_ids, handout_ids = select(project, list(options.clinics), list(options.handouts))
    sources = load(project, clinic_ids, handout_ids)
    summary = Summary()
    report_load_problems(sources, summary, echo)
    gate_translations(project, sources, options, summary, echo)
    out_dir = options.out_dir or project.root / "output"
    jobs = plan(sources, clinic_ids, list(options.langs), handout_ids, out_dir)
    renderer = Renderer(project)
    for job in jobs:
        run(project, renderer, sources, job, summary, echo)
    summary.seconds = time.perf_counter() - start
    echo(f"{len(summary.built)} built, {len(summary.failed)} failed in {summary.seconds:.1f} s")
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
    domains = [*handout_ids, COMMON_DOMAIN]
    for lang in sorted(langs):
        sources.translations[lang] = _try(Translations.load, project.locales_dir, project.root, lang, domains)
    return sources


def _try(loader: Callable, *args: object) -> object:
    try:
        return loader(*args)
    except HandoutsError as exc:
        return exc


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


def run(project: Project, renderer: Renderer, sources: Sources, job: Job, summary: Summary, echo: Echo) -> None:
    shown = project.shown(job.output)
    clinic, handout = sources.clinics[job.clinic_id], sources.handouts[job.handout_id]
    try:
        page = renderer.page(clinic, handout, sources.translations[job.lang])
        result = write_pdf(page, job.output, job.name)
    except HandoutsError as exc:
        summary.failed.append((job.name, exc))
        for problem in exc.problems:
            echo(f"error: {problem}")
        echo(f"failed  {shown}")
        return
    summary.built.append((job, result.pages))
    noun = "page" if result.pages == 1 else "pages"
    echo(f"built   {shown} ({result.pages} {noun})")
