"""The one path that renders a job: page → gate → output format.

`handouts build` (in any executor), `handouts check`, `handouts serve` and the
benchmark all call `JobRenderer`, so none of them can drift from what prints."""

from __future__ import annotations

import traceback
from dataclasses import replace

from handouts.errors import HandoutsError, Problem
from handouts.i18n.catalogs import Translations
from handouts.i18n.extract import COMMON_DOMAIN
from handouts.model.loaded import LoadedClinic, LoadedHandout
from handouts.model.project import Project
from handouts.output.formats import FORMATS
from handouts.output.pdf import Warm
from handouts.pipeline.gate import Decision, decide
from handouts.pipeline.jobs import Job, Outcome, Sources, Task
from handouts.pipeline.layout import web_page
from handouts.render.fetch import Page
from handouts.render.page import Renderer
from handouts.render.variants import VARIANTS


class JobRenderer:
    """Renders jobs one after another, keeping templates, fonts and images warm."""

    def __init__(self, project: Project, sources: Sources, strict: bool = False, source_date_epoch: str | None = None):
        self.project = project
        self.renderer = Renderer(project, source_date_epoch)
        self.sources = sources
        self.strict = strict
        self.warm = Warm()

    def __call__(self, task: Task, write: bool = True) -> Outcome:
        """Render one task; a user's mistake or a bug fails this task only."""
        try:
            return self._render(task, write)
        except HandoutsError as exc:
            return Outcome(task, problems=tuple(self._named(task.job, exc.problems)))
        except Exception:  # a bug, or a library failing on odd input: this job only, with the traceback
            return Outcome(task, internal_error=traceback.format_exc())

    def _render(self, task: Task, write: bool) -> Outcome:
        job = task.job
        page, decision = self.page(job)
        if not decision.prints:
            return Outcome(task, refused=decision.refused, translated=decision.translated, total=decision.total)
        fmt = FORMATS[job.format]
        warm = self.warm.of(job.clinic_id)
        if write:
            data, pages = fmt.render(page, job.name, warm)
            data, pages = self._finish(job, data, pages, page)
        else:
            data, pages = b"", fmt.measure(page, job.name, warm)
        return Outcome(
            task,
            data,
            pages,
            decision.translated,
            decision.total,
            warnings=decision.warnings,
            approvals=decision.approvals,
            unapproved=decision.unapproved,
            title=page.title,
        )

    def _finish(self, job: Job, data: bytes, pages: int, page: Page) -> tuple[bytes, int]:
        """What the job's variants do to the finished file (a booklet imposes its pages on sheets)."""
        clinic, _ = self._loaded(job)
        for name in job.variants:
            if finish := VARIANTS[name].finish.get(job.format):
                data, pages = finish(data, page, clinic.clinic)
        return data, pages

    def page(self, job: Job, mark_refused: bool = False) -> tuple[Page, Decision]:
        """The job's page and the gate's decision on it. With mark_refused (the preview), a
        refused page is still drawn, marked "not for patients" with the reason on every page."""
        clinic, handout = self._loaded(job)
        translations = self.sources.translations[job.lang]
        second = self.sources.translations[job.second_lang] if job.second_lang not in (None, job.lang) else None
        screen = FORMATS[job.format].screen
        site = web_page(job)
        page = self.renderer.page(clinic, handout, translations, job.variants, second, screen=screen, web_page=site)
        decision = decide(page.lookups, clinic.clinic.min_translated, self.strict, clinic.clinic.require_review)
        if handout.handout.is_draft:
            reason = Problem(handout.shown_as, "this handout is a draft (meta.status); publish it to print it")
            decision = replace(decision, refused=(reason, *decision.refused))
        if mark_refused and not decision.prints:
            reason = "; ".join(str(p) for p in decision.refused[:3])
            page = self.renderer.page(
                clinic,
                handout,
                translations,
                job.variants,
                second,
                not_for_patients=reason,
                screen=screen,
                web_page=site,
            )
        return page, decision

    def marked_file(self, job: Job) -> bytes:
        """The job's file as the build makes it; one the build refuses is made all the same, marked
        "not for patients" with the reason on every page (the preview's PDF link)."""
        page, _ = self.page(job, mark_refused=True)
        data, pages = FORMATS[job.format].render(page, job.name, self.warm.of(job.clinic_id))
        return self._finish(job, data, pages, page)[0]

    def _loaded(self, job: Job) -> tuple[LoadedClinic, LoadedHandout]:
        """The job's clinic and handout; the problems of either that failed (or that cannot print together)."""
        sources = self.sources
        for broken in (
            sources.broken_clinics.get(job.clinic_id),
            sources.broken_handouts.get(job.handout_id),
            sources.unfit.get((job.clinic_id, job.handout_id)),
        ):
            if broken is not None:
                raise broken
        return sources.clinics[job.clinic_id], sources.handouts[job.handout_id]

    @staticmethod
    def _named(job: Job, problems: list[Problem]) -> list[Problem]:
        return [p if isinstance(p, Problem) else Problem(job.name, str(p)) for p in problems]


def domains_of(sources: Sources) -> list[str]:
    """The catalogs the loaded handouts print from (a form's source handouts included), and `common`."""
    used = [d for h in sources.handouts.values() for d in h.domains]
    return list(dict.fromkeys([*used, COMMON_DOMAIN]))


def translations_for(project: Project, langs: list[str], domains: list[str]) -> dict[str, Translations]:
    """Each language's catalogs, loaded now so that workers receive them ready."""
    found = {}
    for lang in langs:
        found[lang] = Translations(project.locale_dirs, project.root, lang, project.sandbox)
        found[lang].load_all(domains)
    return found
