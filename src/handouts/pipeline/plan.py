"""What a build makes: the clinics and handouts asked for, loaded once (a file that fails to load is kept
as its problems), and every clinic × language × handout × copy × format they offer. `handouts check`
and `handouts serve` plan from the same functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from handouts.errors import ConfigError, HandoutsError, Problem
from handouts.i18n.catalogs import has_catalog
from handouts.model.loaded import LoadedClinic, LoadedHandout, fallback_texts, value_kind_problems
from handouts.model.project import Project
from handouts.model.safety_lint import library_problems
from handouts.output.formats import FORMATS
from handouts.pipeline.jobs import BuildOptions, Job, Sources
from handouts.pipeline.review import expired_problem
from handouts.render.label_fit import label_warnings
from handouts.render.variants import VARIANTS, second_language
from handouts.source.languages import fallback_chain, language_tag, spelled_as


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
    """Each clinic and handout asked for, loaded once; a file that fails is kept apart as its problems."""
    sources = Sources()
    for clinic_id in clinic_ids:
        _load_into(sources.clinics, sources.broken_clinics, project.load_clinic, clinic_id)
    for handout_id in handout_ids:
        _load_into(sources.handouts, sources.broken_handouts, project.load_handout, handout_id)
    sources.unfit = unfit_pairs(sources)
    return sources


def _load_into(loaded: dict[str, Any], broken: dict[str, HandoutsError], loader: Callable, name: str) -> None:
    try:
        loaded[name] = loader(name)
    except HandoutsError as exc:
        broken[name] = exc


def unfit_pairs(sources: Sources) -> dict[tuple[str, str], HandoutsError]:
    """Each clinic × handout whose values do not fit (clinic.yaml gives text for a number value):
    only that clinic's PDFs of that handout are refused."""
    found: dict[tuple[str, str], HandoutsError] = {}
    for clinic in sources.clinics.values():
        for handout in sources.handouts.values():
            if problems := value_kind_problems(clinic, handout):
                found[clinic.id, handout.id] = ConfigError(problems)
    return found


def unmarked_safety(project: Project, sources: Sources) -> dict[str, list[Problem]]:
    """The safety lint's problems for each loaded handout, judged against the whole library (a
    sentence safety-critical in a handout not being built still counts)."""
    loaded = list(sources.handouts.values())
    asked = {*sources.handouts, *sources.broken_handouts}
    others = (loaded_or_error(project.load_handout, i) for i in project.handout_ids() if i not in asked)
    return library_problems([*loaded, *(h for h in others if isinstance(h, LoadedHandout))], loaded)


def refuse_before_rendering(
    project: Project, sources: Sources, handout_ids: list[str], expired_on: dt.date | None
) -> None:
    """The handouts no PDF is made of, whatever the page: one that fails the safety lint, and (unless
    expired_on is None) one past its review date on that day. Each is moved among the broken files:
    reported once, only its PDFs left out (the preview shows its problems instead of its pages)."""
    refused = {h: ConfigError(problems) for h, problems in unmarked_safety(project, sources).items()}
    if expired_on is not None:
        for handout_id, loaded in sources.handouts.items():
            if problem := expired_problem(loaded, expired_on):
                refused.setdefault(handout_id, HandoutsError(problem))
    for handout_id in refused:
        del sources.handouts[handout_id]
    broken = {**sources.broken_handouts, **refused}
    sources.broken_handouts = {handout_id: broken[handout_id] for handout_id in handout_ids if handout_id in broken}


def figure_label_warnings(project: Project, sources: Sources) -> list[Problem]:
    """The English figure labels of the loaded handouts that run outside their drawing or print too small."""
    try:
        fonts = project.fonts
    except HandoutsError:  # a broken fonts.yaml: each PDF reports it
        return []
    return [w for h in sources.handouts.values() for w in label_warnings(h, fonts)]


def spelled_as_clinics(sources: Sources, langs: tuple[str, ...]) -> tuple[str, ...]:
    """--lang as the folders spell it (zh-Hans, pt-br) or as clinic.yaml does (zh_Hans): the clinic's code."""
    codes = [lang for c in sources.clinics.values() for lang in c.clinic.languages]
    return tuple(spelled_as(lang, codes) for lang in langs)


def loaded_or_error(loader: Callable, *args: object) -> object:
    try:
        return loader(*args)
    except HandoutsError as exc:
        return exc


def languages_of(jobs: list[Job]) -> list[str]:
    return sorted({lang for job in jobs for lang in (job.lang, job.second_lang) if lang})


def offered(clinic: LoadedClinic, handout: LoadedHandout, lang: str) -> bool:
    """Does this clinic print this handout in this language? Drafts never print for patients."""
    listed = clinic.clinic.handouts
    languages = handout.handout.meta.languages
    return (
        not handout.handout.is_draft
        and (listed is None or handout.id in listed)
        and (languages is None or any(code in languages or code == "en" for code in fallback_chain(lang)))
    )


def copies(clinic: LoadedClinic, lang: str, options: BuildOptions) -> list[tuple[str, ...]]:
    """The standard copy, then one copy per variant asked for (on the command line or by the clinic)."""
    return [
        (),
        *(
            (name,)
            for name in VARIANTS
            if wanted(name, clinic, options) and VARIANTS[name].applies(clinic.clinic, lang)
        ),
    ]


def wanted(name: str, clinic: LoadedClinic, options: BuildOptions) -> bool:
    """Asked for with --variant, or by the clinic's setting (e.g. `booklet: true`) unless its flag says otherwise."""
    setting = VARIANTS[name].setting
    if name in options.variants or setting is None:
        return name in options.variants
    flag = dict(options.switches).get(name)  # --booklet/--no-booklet; not given: as clinic.yaml says
    return bool(getattr(clinic.clinic, setting) if flag is None else flag)


def plan(
    sources: Sources, clinic_ids: list[str], langs: list[str], handout_ids: list[str], options: BuildOptions
) -> list[Job]:
    """Every clinic × each of its languages × each handout it offers × each copy, narrowed by --lang.

    Jobs whose clinic or handout failed to load are left out: their problems were reported once already."""
    known = {lang for c in sources.clinics.values() for lang in c.clinic.languages}
    unknown = [lang for lang in langs if lang not in known]
    if unknown and not sources.broken_clinics:
        raise HandoutsError(
            [
                Problem(
                    "clinics/",
                    f"no selected clinic offers language {lang!r}; they offer: "
                    + ", ".join(sorted(map(language_tag, known))),
                )
                for lang in unknown
            ]
        )
    jobs = []
    for clinic_id in clinic_ids:
        clinic = sources.clinics.get(clinic_id)
        if clinic is None:
            continue
        for lang in clinic.clinic.languages:
            if langs and lang not in langs:
                continue
            for handout_id in handout_ids:
                handout = sources.handouts.get(handout_id)
                if handout is None or not offered(clinic, handout, lang):
                    continue
                if (clinic_id, handout_id) in sources.unfit:  # reported once already
                    continue
                for variants in copies(clinic, lang, options):
                    second = second_language(variants, clinic.clinic)
                    for fmt in formats(options, variants):
                        jobs.append(Job(clinic_id, lang, handout_id, variants, second, fmt))
    return jobs


def without_catalog(project: Project, jobs: list[Job]) -> tuple[list[Job], dict[str, list[str]]]:
    """The jobs whose handout has a catalog in their language (or the one it falls back to), and
    for each language the handouts without one: not offered in that language, which is no refusal
    (a clinic may list Polish for its own handouts only). A catalog that exists but is not ready
    is still judged, and refused, PDF by PDF."""
    kept, missing = [], {}
    for job in jobs:
        if has_catalog(project.locale_dirs, job.lang, job.handout_id):
            kept.append(job)
        else:
            missing.setdefault(job.lang, {})[job.handout_id] = None
    return kept, {lang: list(handouts) for lang, handouts in missing.items()}


def not_offered_lines(project: Project, not_offered: dict[str, list[str]]) -> list[str]:
    """One line a language: which handouts it does not offer, and how to offer one. The language
    as its output folder spells it (zh-Hans); the command with the code its catalog folder has."""
    lines = []
    for lang, handouts in sorted(not_offered.items()):
        has_any = any((folder / lang / "LC_MESSAGES").is_dir() for folder in project.locale_dirs)
        fix = f"handouts i18n update --lang {lang}" if has_any else f"handouts i18n init {lang}"
        listed = ", ".join(sorted(handouts))
        lines.append(
            f"not offered in {language_tag(lang)!r} (no catalog): {listed}; to offer them, run {fix} and translate"
        )
    return lines


def formats(options: BuildOptions, variants: tuple[str, ...]) -> list[str]:
    """The formats a copy is made in: the standard copy in each, a variant in those that print variants."""
    return [
        name
        for name, fmt in FORMATS.items()
        if (not options.formats or name in options.formats) and (fmt.variant_copies or not variants)
    ]


def clinic_text_fallbacks(sources: Sources, jobs: list[Job]) -> list[Problem]:
    """Each clinic text that a planned language prints in the main language instead: once per clinic and language."""
    problems = []
    for clinic_id, lang in dict.fromkeys((job.clinic_id, job.lang) for job in jobs):
        problems += fallback_texts(sources.clinics[clinic_id], lang)  # jobs are planned only for clinics that loaded
    return problems
