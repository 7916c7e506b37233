"""`handouts check`: every quality gate, without writing a PDF.

Schema, catalogs, glyph coverage, contrast, fit to sheet (laid out by
WeasyPrint, never written), review dates and readability of the English source.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

from handouts import log
from handouts.errors import HandoutsError, Problem
from handouts.i18n.catalogs import SOURCE_LANGUAGE
from handouts.i18n.signoff import damaged_signoff_files
from handouts.model.loaded import LoadedHandout
from handouts.model.project import Project
from handouts.output.packets import definition_problems
from handouts.output.printsafe import InkProblem
from handouts.pipeline.incremental import Manifest
from handouts.pipeline.jobs import BuildOptions, Job, Sources, Task
from handouts.pipeline.layout import MANIFEST_NAME, out_dir_of
from handouts.pipeline.plan import (
    clinic_text_fallbacks,
    figure_label_warnings,
    load,
    not_offered_lines,
    plan,
    select,
    spelled_as_clinics,
    unmarked_safety,
    without_catalog,
)
from handouts.pipeline.render_job import JobRenderer, domains_of, translations_for
from handouts.pipeline.review import DUE_SOON_DAYS, booklet_problem, due_within, expired_problem, over_target_problem
from handouts.render.imposition import BOOKLET_MAX_SHEETS
from handouts.render.label_fit import translated_label_warnings
from handouts.source.contrast import ContrastError
from handouts.source.handout import texts
from handouts.source.languages import fallback_chain
from handouts.source.text import spoken

TARGET_GRADE = 7.0  # Flesch–Kincaid grade of the English source: plain English for patients
GATES = ("schema", "safety", "catalogs", "glyphs", "contrast", "fit", "review", "readability")
# The gates that judge a clinic's or a handout's content: they cannot pass one that does not load.
CLINIC_GATES = ("catalogs", "glyphs", "contrast", "fit")
HANDOUT_GATES = ("safety", "catalogs", "glyphs", "fit", "review", "readability")


@dataclass(frozen=True)
class CheckOptions:
    clinics: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    handouts: tuple[str, ...] = ()
    today: dt.date | None = None


@dataclass
class Gate:
    name: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts for the report, e.g. scores
    unchecked: list[str] = field(default_factory=list)  # files it could not judge: they do not load

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unchecked

    @property
    def status(self) -> str:
        return "FAILED" if self.problems else "partly" if self.unchecked else "ok"  # "partly: not checked: …"

    @property
    def report_notes(self) -> list[str]:
        """Its notes, and what it did not check: never a pass for what it never saw."""
        if not self.unchecked:
            return self.notes
        files = ", ".join(self.unchecked)
        verb = "does" if len(self.unchecked) == 1 else "do"
        return [
            *filter(None, self.notes),
            f"not checked: {files} ({'it' if verb == 'does' else 'they'} {verb} not load; see below)",
        ]


@dataclass
class Report:
    gates: dict[str, Gate] = field(default_factory=lambda: {name: Gate(name) for name in GATES})
    readability: dict[str, dict[str, float]] = field(default_factory=dict)
    due_soon: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Packaged handouts whose version differs from the one the last build printed (information, not a failure).
    library_updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates_notes: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # what prints, but someone should know (--strict fails)

    @property
    def ok(self) -> bool:
        return all(gate.ok for gate in self.gates.values())

    def as_text(self) -> str:
        """The gates, a line each with its notes (the problems go to stderr, the verdict after them)."""
        lines = []
        for gate in self.gates.values():
            notes = gate.report_notes or [""]
            lines.append(f"{gate.name:<12} {gate.status:<7}{notes[0]}".rstrip())
            lines += [f"{'':<20}{note}" for note in notes[1:]]
        for index, note in enumerate(self.updates_notes):
            lines.append(f"{'updates' if index == 0 else '':<20}{note}")
        return "\n".join(lines)

    def verdict(self, ok: bool) -> str:
        failed = sum(bool(gate.problems) for gate in self.gates.values())
        partly = sum(gate.status == "partly" for gate in self.gates.values())
        summary = f"{failed} of {len(self.gates)} checks failed" + (f", {partly} done only in part" if partly else "")
        if ok:
            return "All checks passed."
        return f"{summary}." if not self.ok else "All checks passed; --strict counts the warnings as failures."

    def as_json(self, ok: bool) -> str:
        data = {
            "ok": ok,
            "gates": {
                name: {
                    "ok": gate.ok,
                    "problems": [vars(p) for p in gate.problems],
                    "notes": gate.notes,
                    "unchecked": gate.unchecked,
                }
                for name, gate in self.gates.items()
            },
            "warnings": [vars(p) for p in self.warnings],
            "readability": self.readability,
            "due_soon": self.due_soon,
            "library_updates": self.library_updates,
        }
        return json.dumps(data, indent=2, ensure_ascii=False)


def check_and_report(
    project: Project, options: CheckOptions, output_format: str = "text", strict: bool = False
) -> bool:
    """`handouts check`: the report on stdout (the gates, then the verdict; or JSON), every problem and
    warning on stderr. True when every gate passes (and, with strict, nothing warned)."""
    with log.counting() as counted:
        report = check(project, options)
        if output_format == "text":
            log.result(report.as_text())
        for gate in report.gates.values():
            for problem in gate.problems:
                log.error(problem)
        for problem in report.warnings:
            log.warning(problem)
    ok = not log.strict_failure(counted, strict) and report.ok
    log.result(report.verdict(ok) if output_format == "text" else report.as_json(ok))
    return ok


def check(project: Project, options: CheckOptions = CheckOptions()) -> Report:
    report = Report()
    today = options.today or dt.date.today()
    clinic_ids, handout_ids = select(project, list(options.clinics), list(options.handouts))
    sources = load(project, clinic_ids, handout_ids)
    options = replace(options, langs=spelled_as_clinics(sources, options.langs))
    check_loading(sources, report)
    check_safety_marks(project, sources, report)
    check_packets(project, sources, report)
    offered = {lang for c in sources.clinics.values() for lang in c.clinic.languages}
    langs = sorted(offered & set(options.langs) if options.langs else offered)
    report.gates["catalogs"].notes.append(f"{_count(len(langs), 'language')}: {', '.join(langs)}" if langs else "")
    report.gates["catalogs"].problems += catalog_problems(project, handout_ids, langs)
    check_review(sources, today, report)
    check_readability(sources, report)
    check_pages(project, sources, clinic_ids, list(options.langs), handout_ids, report)
    report.warnings += label_fit_warnings(project, sources)
    check_library_updates(project, sources, report)
    return report


def label_fit_warnings(project: Project, sources: Sources) -> list[Problem]:
    """The English figure labels that run outside their drawing or print too small, then the
    translations (of the languages checked) that run outside."""
    found = figure_label_warnings(project, sources)
    try:
        fonts = project.fonts
    except HandoutsError:  # a broken fonts.yaml: the glyphs gate reports it
        return found
    handouts = list(sources.handouts.values())
    for lang, translations in sources.translations.items():
        if lang != SOURCE_LANGUAGE:
            found += [w for h in handouts for w in translated_label_warnings(h, fonts, translations)]
    return list(dict.fromkeys(found))  # a regional variant prints its language's labels: said once


def check_library_updates(project: Project, sources: Sources, report: Report) -> None:
    """The packaged handouts whose meta.version differs from what the last build (output/manifest.json)
    printed: upgrading the tool upgraded them, and their PDFs are rebuilt by the next `handouts build`."""
    out_dir = out_dir_of(project.root)
    if not (out_dir / MANIFEST_NAME).is_file():
        return
    try:
        manifest = Manifest.load(out_dir, project.shown(out_dir / MANIFEST_NAME))
    except HandoutsError as exc:
        report.updates_notes += [str(problem) for problem in exc.problems]
        return
    built: dict[str, set[str]] = {}
    for entry in manifest.entries.values():
        if not entry.packet:  # a packet's `handout` is the packet's id (its handouts have PDFs of their own)
            built.setdefault(entry.handout, set()).add(entry.version)
    for handout_id, loaded in sources.handouts.items():
        if not project.is_packaged(loaded.path):
            continue
        version = loaded.handout.meta.version
        older = sorted(built.get(handout_id, set()) - {version})
        if older:
            report.library_updates[handout_id] = {"packaged": version, "last_build": older}
            was = ", ".join(older)
            report.updates_notes.append(f"{handout_id}: version {version} packaged, {was} in the last build")
    if report.library_updates:
        report.updates_notes.append("run `handouts build` to print the new versions")
    else:
        report.updates_notes.append("no packaged handout changed version since the last build")


def check_loading(sources: Sources, report: Report) -> None:
    for group, judged_by in ((sources.broken_clinics, CLINIC_GATES), (sources.broken_handouts, HANDOUT_GATES)):
        for broken in group.values():
            gate = "contrast" if isinstance(broken, ContrastError) else "schema"
            report.gates[gate].problems += broken.problems
            for name in judged_by:
                if name != gate:
                    report.gates[name].unchecked.append(broken.problems[0].file)
    for error in sources.unfit.values():
        report.gates["schema"].problems += error.problems
    clinics, handouts = len(sources.clinics), len(sources.handouts)
    report.gates["schema"].notes.append(f"{_count(clinics, 'clinic')}, {_count(handouts, 'handout')}")
    if report.gates["contrast"].ok or (clinics and not report.gates["contrast"].problems):
        report.gates["contrast"].notes.append(f"{_count(clinics, 'clinic')}: brand colours meet WCAG 2.1 AA")


def check_safety_marks(project: Project, sources: Sources, report: Report) -> None:
    """The safety lint (safety_lint.py): the build refuses the PDFs of a handout that fails it."""
    gate = report.gates["safety"]
    gate.problems += [problem for problems in unmarked_safety(project, sources).values() for problem in problems]
    if not gate.problems:
        handouts = len(sources.handouts)
        gate.notes.append(f"{_count(handouts, 'handout')}: all text that reads as safety-critical is marked")


def check_packets(project: Project, sources: Sources, report: Report) -> None:
    """Each packet names handouts that exist and that its clinic offers, each once."""
    for loaded in sources.clinics.values():
        report.gates["schema"].problems += definition_problems(loaded, project.handout_ids()).values()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def catalog_problems(project: Project, handout_ids: list[str], langs: list[str]) -> list[Problem]:
    """The same checks as `handouts i18n check` (reading, headers, placeholders, markup,
    whitespace, safety-critical entries), for the handouts and languages checked."""
    from handouts.commands import i18n, i18n_status

    try:
        found = i18n.templates(project, [h for h in handout_ids if _loads(project, h)])
    except HandoutsError as exc:
        return exc.problems
    problems: list[Problem] = []
    for lang in catalog_languages(project, langs):
        result = i18n_status.review_language(project, lang, found)
        problems += result.blocking() + result.failing()
    return problems


def catalog_languages(project: Project, langs: list[str]) -> list[str]:
    """The full catalogs the languages print from: a regional variant's language's (pt for pt_BR;
    none for en_AU, English being the source). A variant's own catalogs hold only the entries it
    words differently; the page gate judges those where they print."""
    found = []
    for lang in langs:
        chain = fallback_chain(lang)
        if SOURCE_LANGUAGE in chain:
            continue
        with_catalogs = [code for code in chain if any((folder / code).is_dir() for folder in project.locale_dirs)]
        found.append(with_catalogs[-1] if with_catalogs else lang)  # none at all: reviewed to say so
    return list(dict.fromkeys(found))


def _loads(project: Project, handout_id: str) -> bool:
    try:
        project.load_handout(handout_id)
    except HandoutsError:
        return False
    return True


def check_review(sources: Sources, today: dt.date, report: Report) -> None:
    gate = report.gates["review"]
    for handout_id, loaded in sources.handouts.items():
        if problem := expired_problem(loaded, today):
            gate.problems.append(problem)
        elif (days := due_within(loaded, today)) is not None:
            due = loaded.handout.meta.review_due.isoformat()
            report.due_soon[handout_id] = {"review_due": due, "days_left": days}
            gate.notes.append(f"{handout_id}: review due {due}, in {days} days")
    if gate.ok and not gate.notes:
        gate.notes.append(f"nothing falls due for review within {DUE_SOON_DAYS} days of {today.isoformat()}")


def check_readability(sources: Sources, report: Report) -> None:
    gate = report.gates["readability"]
    for handout_id, loaded in sources.handouts.items():
        scores = readability(loaded)
        report.readability[handout_id] = scores
        grade, smog = scores["flesch_kincaid_grade"], scores["smog_index"]
        gate.notes.append(f"{handout_id}: Flesch–Kincaid grade {grade:.1f}, SMOG {smog:.1f} (target: grade ≤ 7)")
        if grade > TARGET_GRADE:
            gate.problems.append(
                Problem(
                    loaded.shown_as,
                    f"the English text reads at Flesch–Kincaid grade {grade:.1f}, above the target of "
                    f"{TARGET_GRADE:g}; use shorter sentences and everyday words",
                )
            )


def readability(loaded: LoadedHandout) -> dict[str, float]:
    """Flesch–Kincaid grade and SMOG of the English source, as patients will read it."""
    with warnings.catch_warnings():
        # textstat 0.7.4 imports pkg_resources, whose deprecation notice is not the user's business.
        warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
        import textstat  # 0.7.4: counts syllables offline with Pyphen

    text = english_prose(loaded)
    return {
        "flesch_kincaid_grade": float(textstat.flesch_kincaid_grade(text)),
        "smog_index": float(textstat.smog_index(text)),
    }


def english_prose(loaded: LoadedHandout) -> str:
    """Each text as a sentence: markup removed, placeholders read as the words they stand for."""
    sentences = []
    for ref in texts(loaded.handout, loaded.asset_dir):
        plain = spoken(ref.text.text)
        if plain:
            sentences.append(plain if plain[-1] in ".?!:" else plain + ".")
    return " ".join(sentences)


def check_pages(
    project: Project, sources: Sources, clinic_ids: list[str], langs: list[str], handout_ids: list[str], report: Report
) -> None:
    """Gate, glyph coverage and fit to sheet for every clinic × language × handout: laid out, not written."""
    try:
        jobs = plan(
            sources, clinic_ids, langs, handout_ids, BuildOptions(switches=(("bilingual", False),), formats=("pdf",))
        )
        jobs, not_offered = without_catalog(project, jobs)
    except HandoutsError as exc:
        report.gates["schema"].problems += exc.problems
        return
    report.warnings += clinic_text_fallbacks(sources, jobs)
    report.gates["catalogs"].notes += not_offered_lines(project, not_offered)
    sources.translations = translations_for(project, sorted({job.lang for job in jobs}), domains_of(sources))
    report.warnings += damaged_signoff_files(sources.translations)
    render = JobRenderer(project, sources)
    failed_layouts = 0
    for job in jobs:
        outcome = render(Task(job, ""), write=False)
        if outcome.refused:
            report.gates["catalogs"].problems += [
                p for p in outcome.refused if p not in report.gates["catalogs"].problems
            ]
            continue
        if outcome.problems or outcome.internal_error:
            failed_layouts += not all(isinstance(problem, InkProblem) for problem in outcome.problems)
            for problem in outcome.problems or [internal_error_problem(job.name, outcome.internal_error)]:
                report.gates["fit" if isinstance(problem, InkProblem) else "glyphs"].problems.append(problem)
            continue
        if problem := fit_problem(sources, job, outcome.pages):
            report.gates["fit"].problems.append(problem)
    booklets = sum("booklet" in job.variants for job in jobs)
    if not report.gates["fit"].problems and (jobs or report.gates["fit"].ok):
        note = f"{len(jobs) - booklets} clinic × language × handout layouts within their target pages"
        if booklets:
            note += f"; {_count(booklets, 'booklet')} within {BOOKLET_MAX_SHEETS} sheets"
        report.gates["fit"].notes.append(note)
    if not report.gates["glyphs"].problems and (jobs or report.gates["glyphs"].ok):
        report.gates["glyphs"].notes.append(f"{_count(len(jobs), 'layout')}: every character has a shipped font")
    elif report.gates["glyphs"].problems:  # the gate's line says why it failed; the error lines below say where
        report.gates["glyphs"].notes.append(
            f"{failed_layouts} of {_count(len(jobs), 'layout')} could not be laid out (fonts, images or "
            "templates); see the errors below"
        )


def fit_problem(sources: Sources, job: Job, pages: int) -> Problem | None:
    """A booklet is judged in sheets; every other layout by the handout's page target."""
    handout, clinic = sources.handouts[job.handout_id], sources.clinics[job.clinic_id]
    if "booklet" in job.variants:
        return booklet_problem(handout, job.clinic_id, job.lang, clinic.clinic.paper, pages)
    return over_target_problem(handout, job.clinic_id, job.lang, pages)


def internal_error_problem(name: str, trace: str | None) -> Problem:
    """A bug while laying out one job: its last line (the exception) is the reason, and where to report it."""
    last = (trace or "").strip().splitlines()[-1:] or ["no traceback"]
    return Problem(name, f"internal error while laying it out ({last[0][:200]}); please report it")
