"""Safety gating: a language prints only when its safety-critical text is ready.

Runs between loading and planning. A language whose safety-critical entries are
untranslated, fuzzy or fail a check is refused for every clinic that offers it;
the rest still build. A non-critical entry that is not ready is printed in
English, with a warning; --strict makes those failures too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from handoutgen.catalogs import SOURCE_LANGUAGE, Translations
from handoutgen.errors import CatalogError, Problem
from handoutgen.i18n import Review, review, templates
from handoutgen.project import LoadedClinic, LoadedHandout, Project

if TYPE_CHECKING:
    from handoutgen.build import BuildOptions, Sources, Summary

Echo = Callable[[str], None]


def gate_translations(project: Project, sources: Sources, options: BuildOptions, summary: Summary, echo: Echo) -> None:
    """Refuse each clinic × language that may not print; warn about English fallbacks."""
    handout_ids = [h for h, loaded in sources.handouts.items() if isinstance(loaded, LoadedHandout)]
    found = None
    for lang, translations in sources.translations.items():
        if not isinstance(translations, Translations) or lang == SOURCE_LANGUAGE:
            continue
        if options.langs and lang not in options.langs:
            continue
        found = found or templates(project, handout_ids)
        result = review(project, lang, found, translations.catalogs)
        errors, warnings = result.blocking(), in_file_order(result.failing() + result.untranslated())
        if options.strict:
            errors, warnings = errors + warnings, []
        for problem in warnings:
            echo(f"warning: {problem} (printed in English)")
        if errors:
            refuse(lang, errors, sources, summary, echo)
        else:
            fall_back_on_failing(result, translations)


def in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def refuse(lang: str, errors: list[Problem], sources: Sources, summary: Summary, echo: Echo) -> None:
    for problem in errors:
        echo(f"error: {problem}")
    error = CatalogError(errors)
    for clinic_id, clinic in sources.clinics.items():
        if isinstance(clinic, LoadedClinic) and lang in clinic.clinic.languages:
            summary.failed.append((f"{clinic_id}/{lang}", error))
            echo(f"refused {clinic_id}/{lang}: {len(errors)} translation problem(s) listed above")
    # plan() leaves out languages whose catalogs are an error.
    sources.translations[lang] = error


def fall_back_on_failing(result: Review, translations: Translations) -> None:
    """A non-critical translation that fails a check is not printed: mark it fuzzy in
    memory so the renderer falls back to English (the file is left alone)."""
    for entry in result.entries:
        if entry.errors and not entry.critical:
            catalog, _ = translations.catalogs[entry.domain]
            for message in catalog:
                if message.lineno == entry.line and message.id:
                    message.flags.add("fuzzy")
