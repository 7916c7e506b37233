"""Translator commands, mirroring pybabel: extract, init, update, status, check.

Catalogs live at locales/<lang>/LC_MESSAGES/<domain>.po, their templates at
locales/<domain>.pot; the domains are each handout's id plus ``common`` for the
strings in the Jinja2 templates. Babel does the catalog work (reading, merging
with fuzzy matching, writing); this module decides which files and reports.

Catalogs are read from the project's locales/, else from the packaged library; the
commands write only to the project's own locales/, for its own domains (own_domains).
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import parse_locale
from babel.messages.catalog import Catalog

from handouts import log
from handouts.atomic import write_atomically
from handouts.errors import CatalogError, HandoutsError, Problem
from handouts.i18n.catalogs import (
    SOURCE_LANGUAGE,
    catalog_path,
    load_catalog,
    template_path,
)
from handouts.i18n.checks import likely_locale, same_language
from handouts.i18n.extract import COMMON_DOMAIN, Template, common_template, handout_template
from handouts.i18n.plurals import preferred_rule
from handouts.i18n.powriter import format_po
from handouts.model.project import Project
from handouts.source.languages import spelled_as

# -- Templates ----------------------------------------------------------------------


def template_dirs(project: Project) -> list[Path]:
    """The shared templates (own, then packaged), then each clinic's overrides (their strings are translated too)."""
    clinic_dirs = sorted(p for p in project.clinics_dir.glob("*/templates") if p.is_dir())
    return [*project.template_dirs, *clinic_dirs]


def templates(project: Project, handout_ids: list[str] | None = None) -> dict[str, Template]:
    """The English templates, extracted afresh from the handouts and templates: domain -> template."""
    found = {}
    for handout_id in project.handout_ids() if handout_ids is None else handout_ids:
        path = project.handout_path(handout_id)
        found[handout_id] = handout_template(path, project.reference)
    found[COMMON_DOMAIN] = common_template(template_dirs(project), project.reference, project.sandbox)
    return found


def own_domains(project: Project, found: dict[str, Template]) -> list[str]:
    """The catalogs the project keeps itself: its own handouts', those it copied into its
    locales/ to change them, and `common` when it changes a template."""
    own = set(project.own_handout_ids())
    own |= {p.stem for p in project.locales_dir.glob("*/LC_MESSAGES/*.po")}
    if project.has_own_templates():
        own.add(COMMON_DOMAIN)
    return [domain for domain in found if domain in own]


def languages(project: Project) -> list[str]:
    """The project's languages (handouts.yaml, else every one with catalogs) and every language
    folder under its own locales/; two folders for one language are an error."""
    own = sorted(p.parent.name for p in project.locales_dir.glob("*/LC_MESSAGES") if p.parent.name != SOURCE_LANGUAGE)
    problems = [problem for name in own if (problem := folder_problem(name, own))]
    if problems:
        raise HandoutsError(problems)
    return sorted({*own, *project.languages()} - {SOURCE_LANGUAGE})


def folder_problem(name: str, folders: list[str]) -> Problem | None:
    """Why locales/<name>/ is not a language folder: unknown, or another spelling of one beside it."""
    if likely_locale(name) is None:
        return Problem(f"locales/{name}/", "not a known language code; rename it, e.g. to pl, pt_BR or zh_Hans")
    same = sorted((f for f in folders if same_language(f, name)), key=_canonical_order)
    if same[0] != name:
        return Problem(
            f"locales/{name}/",
            f"the same language as locales/{same[0]}/; move its catalogs there and delete locales/{name}/",
        )
    if "-" in name:
        return Problem(f"locales/{name}/", f"rename it to locales/{name.replace('-', '_')}/ (gettext uses _)")
    return None


def _canonical_order(name: str) -> tuple:
    # zh_Hans before zh_CN, pt_BR before pt-BR: the names `handouts i18n init` and TRANSLATING.md use.
    script = parse_locale(name.replace("-", "_"))[2]
    return ("-" in name, script is None, len(name), name)


def write_catalog(project: Project, catalog: Catalog, path: Path) -> None:
    """Write a .po/.pot atomically (an editor or the preview never sees half a file); a full disk
    or a read-only folder is one line naming the file as the project does, as for every file the
    tool writes (a catalog has one place: no --out to suggest)."""
    data = format_po(catalog, getattr(catalog, "header", None)).encode("utf-8")
    write_atomically(path, data, project.shown(path), out_option=None)


def extract(project: Project) -> None:
    """`handouts i18n extract`: regenerate the .pot of each of the project's own domains."""
    found = templates(project)
    own = own_domains(project, found)
    for domain in own:
        path = template_path(project.locales_dir, domain)
        write_catalog(project, found[domain].catalog, path)
        log.result(f"wrote   {project.shown(path)} ({len(found[domain].catalog)} messages)")
    if not own:
        log.result(NOTHING_OWN)


NOTHING_OWN = "The project has no handouts, templates or catalogs of its own: the packaged library's catalogs are used."


# -- init and update ----------------------------------------------------------------


def parse_language(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        raise HandoutsError(
            Problem("locales/", f"unknown language {lang!r}; use a code such as 'pl', 'pt_BR' or 'zh_Hans'")
        ) from None


def new_catalog(template: Catalog, lang: str) -> Catalog:
    """A catalog for lang from a template, as `pybabel init` makes it: Babel fills in the
    language's name and Plural-Forms; not fuzzy, so it is used at once."""
    catalog = Catalog(
        locale=lang,
        domain=template.domain,
        project=template.project,
        version=template.version,
        copyright_holder=template.copyright_holder,
        msgid_bugs_address=template.msgid_bugs_address,
        creation_date=template.creation_date,
        revision_date=dt.datetime.now(dt.UTC).replace(second=0, microsecond=0),
        fuzzy=False,
    )
    # GNU gettext's rule where it has one (what msginit writes), not the installed Babel's: the
    # header must not depend on a Babel release (plurals.py).
    catalog.mime_headers = [("Plural-Forms", preferred_rule(lang).header)]
    # A copy: Babel's update adopts the template's Message objects, and filling one
    # language's catalog must never write into the template the next language gets.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    fit_plural_slots(catalog)
    return catalog


def keep_previous(catalog: Catalog, before: dict[tuple, Any]) -> None:
    """The #| previous msgctxt and msgid as `msgmerge --previous` leaves them: an entry matched by
    similarity gets the old ones; one still fuzzy keeps those it had (Babel's update drops them);
    one that is not fuzzy has none."""
    for message in catalog:
        if not message.id:
            continue
        old = before.get((message.id if isinstance(message.id, str) else tuple(message.id), message.context))
        if message.previous_id:  # Babel matched it by similarity just now: the old entry's context too
            matched = [m for m in before.values() if list(_ids(m)) == list(message.previous_id)]
            gone = [m for m in matched if catalog.get(m.id, m.context) is None] or matched  # the one replaced
            message.previous_context = gone[0].context if len(gone) == 1 else None
        elif message.fuzzy and old is not None and old.previous_id:
            message.previous_id = list(old.previous_id)
            message.previous_context = getattr(old, "previous_context", None)
        elif not message.fuzzy:
            message.previous_id, message.previous_context = [], None


def _ids(message: Any) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def fit_plural_slots(catalog: Catalog) -> None:
    """Give each plural entry exactly nplurals msgstr[N] (Babel copies the template's two): empty
    slots are added or dropped, a translated one never."""
    for message in catalog:
        if not message.id or not message.pluralizable:
            continue
        forms = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string or ""]
        wanted = catalog.num_plurals
        while len(forms) > wanted and not forms[-1]:
            forms.pop()
        message.string = tuple(forms + [""] * (wanted - len(forms)))


def init(project: Project, lang: str) -> None:
    """`handouts i18n init LANG`: a new catalog in locales/LANG/ (as gettext spells it: zh_Hans) for each
    domain that has none in LANG yet; the packaged library's catalogs of LANG are used as they are."""
    locale = parse_language(lang.replace("-", "_"))
    lang = spelled_as(lang, [str(locale)]).replace("-", "_")  # pt-br: pt_BR, as Babel writes the code
    if lang == SOURCE_LANGUAGE:
        raise HandoutsError(Problem("locales/", "English is the source language; it needs no catalog"))
    found = templates(project)
    paths = {domain: catalog_path(project.locales_dir, lang, domain) for domain in found}
    # Only the project's own catalogs are in the way: a packaged one is used until the project replaces it.
    existing = [path for path in paths.values() if path.exists()]
    if existing:
        raise HandoutsError(
            [Problem(project.shown(p), "catalog exists already; use: handouts i18n update") for p in existing]
        )
    packaged = [domain for domain in found if project.catalog_file(lang, domain).exists()]
    created = [domain for domain in found if domain not in packaged]
    for domain in created:
        write_catalog(project, new_catalog(found[domain].catalog, lang), paths[domain])
        log.result(f"created {project.shown(paths[domain])}")
    if packaged:
        log.result(packaged_note(lang, locale.english_name, packaged, own_domains(project, found)))
    if created:
        log.result(
            f"Translate the new catalogs ({locale.english_name}), then add {lang!r} to `languages` in a clinic's "
            "clinic.yaml to print it. See TRANSLATING.md."
        )


def packaged_note(lang: str, language: str, packaged: list[str], own: list[str]) -> str:
    """Which of the packaged library's catalogs of lang the project uses as they are, and how to
    add its own English (a changed template) to one of them."""
    note = f"The packaged library's {language} catalogs are used as they are: {', '.join(packaged)}."
    if mine := [domain for domain in packaged if domain in own]:
        note += f" To add this project's own English to {', '.join(mine)}, run: handouts i18n update --lang {lang}"
    return note


def update(project: Project, langs: tuple[str, ...] = ()) -> None:
    """`handouts i18n update`: merge new and changed English into the project's own catalogs.

    Babel's Catalog.update keeps a changed string's old msgid (#|) and marks it fuzzy.
    A catalog that cannot be read is reported and left alone; the others are updated.
    An own catalog the project does not have yet starts from the packaged one of its name
    (e.g. `common` once the project changes a template), so no translation is lost."""
    found = templates(project)
    own = own_domains(project, found)
    problems = []
    for domain in own:
        write_catalog(project, found[domain].catalog, template_path(project.locales_dir, domain))
    for lang in selected_languages(project, langs) if own else []:
        memory = translation_memory(project, lang, found)
        for domain in own:
            path = catalog_path(project.locales_dir, lang, domain)
            source = project.catalog_file(lang, domain)
            if outside := project.sandbox.problem(path):  # never written through a link that leaves
                problems.append(outside)
                continue
            if not source.exists():
                catalog = new_catalog(found[domain].catalog, lang)
                filled = fill_from_memory(catalog, memory)
                write_catalog(project, catalog, path)
                log.result(
                    f"created {project.shown(path)}"
                    + (f" ({filled} filled from other catalogs, fuzzy)" if filled else "")
                )
                continue
            try:
                catalog = load_catalog(source, project.shown(source), lang, project.sandbox)
            except CatalogError as exc:
                problems += exc.problems
                continue
            fuzzy_before = {m.id for m in catalog if m.fuzzy}
            before = {(m.id if isinstance(m.id, str) else tuple(m.id), m.context): m for m in catalog if m.id}
            catalog.update(copy.deepcopy(found[domain].catalog), update_creation_date=True)
            keep_previous(catalog, before)
            fit_plural_slots(catalog)
            fill_from_memory(catalog, [(other, shown) for other, shown in memory if shown != project.shown(source)])
            write_catalog(project, catalog, path)
            newly_fuzzy = sum(1 for m in catalog if m.id and m.fuzzy and m.id not in fuzzy_before)
            copied = "" if source == path else f" from {project.shown(source)}"
            log.result(f"updated {project.shown(path)}{copied} ({newly_fuzzy} newly fuzzy)")
    if not own:
        log.result(NOTHING_OWN)
    if problems:
        raise CatalogError(problems)


# -- Translation memory, like msgmerge --compendium -----------------------------------


def translation_memory(project: Project, lang: str, found: dict[str, Template]) -> list[tuple[Catalog, str]]:
    """lang's readable catalogs of the domains in use (own or packaged), each with the path it
    is shown as (unreadable ones are reported elsewhere)."""
    memory = []
    for path in sorted(p for p in (project.catalog_file(lang, domain) for domain in found) if p.is_file()):
        try:
            memory.append((load_catalog(path, project.shown(path), lang, project.sandbox), project.shown(path)))
        except CatalogError:
            continue
    return memory


def fill_from_memory(catalog: Catalog, memory: list[tuple[Catalog, str]]) -> int:
    """Fill each untranslated message whose English and context another catalog has translated
    (not fuzzy): as fuzzy, so a translator checks it fits here, with a comment naming the source."""
    filled = 0
    for message in catalog:
        if not message.id or message.fuzzy or _has_text(message.string):
            continue
        for other, shown_as in memory:
            found = other.get(message.id, message.context)
            if found is not None and found.id == message.id and not found.fuzzy and _has_text(found.string):
                message.string = found.string
                message.flags.add("fuzzy")
                message.user_comments.append(f"translation memory: from {shown_as}")
                filled += 1
                break
    return filled


def _has_text(string: str | tuple[str, ...] | None) -> bool:
    return any(string) if isinstance(string, (list, tuple)) else bool(string)


def selected_languages(project: Project, langs: tuple[str, ...]) -> list[str]:
    """The languages asked for (every one when none is), each as its catalog folder spells it."""
    known = languages(project)
    langs = tuple(dict.fromkeys(spelled_as(lang, known) for lang in langs))
    unknown = [lang for lang in langs if lang not in known]
    if unknown:
        raise HandoutsError(
            [
                Problem("locales/", f"no catalogs for {lang!r}; create them with: handouts i18n init {lang}")
                for lang in unknown
            ]
        )
    return list(langs) or known


# -- Review: what check, status and the build gate share ------------------------------


# -- check and status ---------------------------------------------------------------


# -- Clinician sign-off ---------------------------------------------------------------
