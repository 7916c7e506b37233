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
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import parse_locale
from babel.messages.catalog import Catalog

from handouts.catalogs import (
    SOURCE_LANGUAGE,
    catalog_path,
    has_catalog,
    load_catalog,
    missing_catalog,
    template_path,
)
from handouts.checks import Entry, entries, header_problems, likely_locale, plural_rechecks, same_language
from handouts.errors import CatalogError, HandoutsError, Problem
from handouts.extract import COMMON_DOMAIN, Template, common_template, handout_template
from handouts.plurals import preferred_rule
from handouts.powriter import format_po
from handouts.project import Project
from handouts.signoff import Approval, Approvals

Echo = Callable[[str], None]
# The line width Babel's writer needs to match msgmerge's 79 columns as closely as it can
# (tests edit catalogs through Babel); handouts itself writes with powriter.
WIDTH = 78


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


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write a .po/.pot atomically: an editor or the preview never sees half a file."""
    text = format_po(catalog, getattr(catalog, "header", None))
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(text.encode("utf-8"))
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def extract(project: Project, echo: Echo) -> None:
    """`handouts i18n extract`: regenerate the .pot of each of the project's own domains."""
    found = templates(project)
    own = own_domains(project, found)
    for domain in own:
        path = template_path(project.locales_dir, domain)
        write_catalog(found[domain].catalog, path)
        echo(f"wrote   {project.shown(path)} ({len(found[domain].catalog)} messages)")
    if not own:
        echo(NOTHING_OWN)


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


def init(project: Project, lang: str, echo: Echo) -> None:
    """`handouts i18n init LANG`: one new catalog per domain."""
    locale = parse_language(lang)
    if lang == SOURCE_LANGUAGE:
        raise HandoutsError(Problem("locales/", "English is the source language; it needs no catalog"))
    found = templates(project)
    paths = {domain: catalog_path(project.locales_dir, lang, domain) for domain in found}
    existing = [p for p in (project.catalog_file(lang, domain) for domain in found) if p.exists()]
    if existing:
        raise HandoutsError(
            [Problem(project.shown(p), "catalog exists already; use: handouts i18n update") for p in existing]
        )
    for domain, template in found.items():
        write_catalog(new_catalog(template.catalog, lang), paths[domain])
        echo(f"created {project.shown(paths[domain])}")
    echo(
        f"Translate the new catalogs ({locale.english_name}), then add {lang!r} to `languages` in a clinic's "
        "clinic.yaml to print it. See TRANSLATING.md."
    )


def update(project: Project, echo: Echo, langs: tuple[str, ...] = ()) -> None:
    """`handouts i18n update`: merge new and changed English into the project's own catalogs.

    Babel's Catalog.update keeps a changed string's old msgid (#|) and marks it fuzzy.
    A catalog that cannot be read is reported and left alone; the others are updated.
    An own catalog the project does not have yet starts from the packaged one of its name
    (e.g. `common` once the project changes a template), so no translation is lost."""
    found = templates(project)
    own = own_domains(project, found)
    problems = []
    for domain in own:
        write_catalog(found[domain].catalog, template_path(project.locales_dir, domain))
    for lang in _selected(project, langs) if own else []:
        memory = translation_memory(project, lang, found)
        for domain in own:
            path = catalog_path(project.locales_dir, lang, domain)
            source = project.catalog_file(lang, domain)
            if not source.exists():
                catalog = new_catalog(found[domain].catalog, lang)
                filled = fill_from_memory(catalog, memory)
                write_catalog(catalog, path)
                echo(
                    f"created {project.shown(path)}"
                    + (f" ({filled} filled from other catalogs, fuzzy)" if filled else "")
                )
                continue
            try:
                catalog = load_catalog(source, project.shown(source), lang)
            except CatalogError as exc:
                problems += exc.problems
                continue
            fuzzy_before = {m.id for m in catalog if m.fuzzy}
            before = {(m.id if isinstance(m.id, str) else tuple(m.id), m.context): m for m in catalog if m.id}
            catalog.update(copy.deepcopy(found[domain].catalog), update_creation_date=True)
            keep_previous(catalog, before)
            fit_plural_slots(catalog)
            fill_from_memory(catalog, [(other, shown) for other, shown in memory if shown != project.shown(source)])
            write_catalog(catalog, path)
            newly_fuzzy = sum(1 for m in catalog if m.id and m.fuzzy and m.id not in fuzzy_before)
            copied = "" if source == path else f" from {project.shown(source)}"
            echo(f"updated {project.shown(path)}{copied} ({newly_fuzzy} newly fuzzy)")
    if not own:
        echo(NOTHING_OWN)
    if problems:
        raise CatalogError(problems)


# -- Translation memory, like msgmerge --compendium -----------------------------------


def translation_memory(project: Project, lang: str, found: dict[str, Template]) -> list[tuple[Catalog, str]]:
    """lang's readable catalogs of the domains in use (own or packaged), each with the path it
    is shown as (unreadable ones are reported elsewhere)."""
    memory = []
    for path in sorted(p for p in (project.catalog_file(lang, domain) for domain in found) if p.is_file()):
        try:
            memory.append((load_catalog(path, project.shown(path), lang), project.shown(path)))
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


def _selected(project: Project, langs: tuple[str, ...]) -> list[str]:
    known = languages(project)
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


@dataclass
class Review:
    """One language's catalogs measured against the English templates."""

    lang: str
    entries: list[Entry] = field(default_factory=list)
    catalog_problems: list[Problem] = field(default_factory=list)  # unreadable, missing, wrong headers
    not_offered: list[str] = field(default_factory=list)  # handouts without a catalog: not printed in lang
    recheck: list[Problem] = field(default_factory=list)  # plural entries whose header numbers forms unusually
    files: dict[str, str] = field(default_factory=dict)  # domain -> its catalog as shown

    def blocking(self) -> list[Problem]:
        """What stops this language from printing: catalog problems and critical entries not ready."""
        return self.catalog_problems + [p for e in self.entries if e.critical and not e.ready for p in e.problems()]

    def blocking_for(self, domain: str) -> list[Problem]:
        """What stops a handout's page from printing: its own catalog's problems and `common`'s."""
        mine = {domain, COMMON_DOMAIN}
        files = {self.files[d] for d in mine if d in self.files}
        broken = [p for p in self.catalog_problems if p.file in files]
        entries = [e for e in self.entries if e.domain in mine and e.critical and not e.ready]
        return broken + [p for e in entries for p in e.problems()]

    def failing(self) -> list[Problem]:
        """Non-critical translations that fail a check (the build prints the English instead)."""
        return [p for e in self.entries if not e.critical and e.errors for p in e.problems()]

    def untranslated(self) -> list[Problem]:
        """Non-critical entries untranslated or fuzzy (printed in English)."""
        return [p for e in self.entries if not e.critical and e.state != "translated" for p in e.problems()]


def review(project: Project, lang: str, found: dict[str, Template], catalogs: dict[str, tuple[Catalog, str]]) -> Review:
    """Measure lang's catalogs (domain -> (catalog, shown_as)) against the templates."""
    result = Review(lang)
    for domain, template in found.items():
        if domain not in catalogs:
            continue
        catalog, shown_as = catalogs[domain]
        problems = header_problems(catalog, project.root / shown_as, shown_as, lang)
        found_entries = list(entries(template, catalog, shown_as))
        result.catalog_problems += problems
        result.entries += found_entries
        result.recheck += [] if problems else plural_rechecks(catalog, lang, found_entries)
    return result


def review_language(project: Project, lang: str, found: dict[str, Template]) -> Review:
    """Load lang's catalog for every domain in found, then review them."""
    catalogs, problems, not_offered = {}, [], []
    files = {}
    for domain in found:
        path = project.catalog_file(lang, domain)
        shown_as = files[domain] = project.shown(path)
        if not path.is_file():
            # As the build: a regional variant without its own catalog prints its language's (reviewed
            # under that language); a handout without any is not offered in lang; `common` is needed.
            if has_catalog(project.locale_dirs, lang, domain):
                continue
            if domain == COMMON_DOMAIN:
                problems.append(missing_catalog(shown_as, lang, has_any=True))
            else:
                not_offered.append(domain)
            continue
        try:
            catalogs[domain] = (load_catalog(path, shown_as, lang), shown_as)
        except CatalogError as exc:
            problems += exc.problems
    result = review(project, lang, found, catalogs)
    result.catalog_problems[:0] = problems
    result.not_offered, result.files = not_offered, files
    return result


# -- check and status ---------------------------------------------------------------


def check(project: Project, echo: Echo, langs: tuple[str, ...] = (), strict: bool = False) -> bool:
    """`handouts i18n check`: print every problem; True when no catalog has one."""
    found = templates(project)
    ok = True
    for lang in _selected(project, langs):
        result = review_language(project, lang, found)
        errors, warnings = result.blocking() + result.failing(), result.untranslated() + result.recheck
        if result.not_offered:
            echo(f"{lang}: not offered (no catalog): {', '.join(result.not_offered)}")
        for problem in errors + (warnings if strict else []):
            echo(f"error: {problem}")
        for problem in [] if strict else warnings:
            echo(f"warning: {problem}")
        ok = ok and not errors and not (strict and warnings)
    echo("All catalogs pass." if ok else "Some catalogs have problems (listed above).")
    return ok


def counts(entries: list[Entry]) -> dict[str, int]:
    return {
        "translated": sum(e.state == "translated" for e in entries),
        "fuzzy": sum(e.state == "fuzzy" for e in entries),
        "missing": sum(e.state in ("untranslated", "missing") for e in entries),
        "errors": sum(bool(e.errors) for e in entries),
        "total": len(entries),
    }


def status(project: Project, langs: tuple[str, ...] = ()) -> dict:
    """`handouts i18n status`: per language and domain, counts by section, and whether it prints
    (judged as the build judges a page: its own catalog and `common`)."""
    found = templates(project)
    report: dict = {}
    for lang in _selected(project, langs):
        result = review_language(project, lang, found)
        path = project.reviews_file(lang)
        approvals = Approvals.load(path, project.shown(path))
        report[lang] = {}
        for domain in found:
            if domain in result.not_offered:
                report[lang][domain] = {"offered": False}
                continue
            mine = [e for e in result.entries if e.domain == domain]
            sections = {}
            for entry in mine:
                sections.setdefault(entry.section, []).append(entry)
            critical = [e for e in mine if e.critical]
            problems = result.blocking_for(domain)
            broken = [p for p in problems if p in result.catalog_problems]  # the file itself, not an entry
            report[lang][domain] = {
                **counts(mine),
                "offered": True,
                "printable": not problems,
                "problem": str((broken or problems)[0]) if problems else None,
                "catalog_problem": bool(broken),
                "safety_critical": len(critical),
                "safety_approved": sum(_approval_of(e, approvals) is not None for e in critical),
                "sections": {
                    name: {**counts(group), "safety_critical": any(e.critical for e in group)}
                    for name, group in sections.items()
                },
            }
    return report


def format_status(report: dict) -> str:
    lines = []
    for lang, domains in report.items():
        for domain, numbers in domains.items():
            if not numbers["offered"]:
                fix = f"handouts i18n update --lang {lang}"
                lines.append(f"{lang} {domain}: not offered (no catalog; to offer it: {fix})")
                continue
            if numbers["catalog_problem"]:  # the catalog itself: said as itself, not as counts or 0/0
                lines.append(f"{lang} {domain}: will NOT print: {numbers['problem']}")
                continue
            done = 100 * numbers["translated"] // numbers["total"] if numbers["total"] else 100
            verdict = _verdict(numbers)
            lines.append(f"{lang} {domain}: {_numbers(numbers)} ({done}% done; {verdict})")
            if numbers["safety_critical"]:
                signed = f"{numbers['safety_approved']}/{numbers['safety_critical']}"
                lines.append(f"    clinician sign-off: {signed} safety-critical entries approved")
            for section, part in numbers["sections"].items():
                mark = " [safety-critical]" if part["safety_critical"] else ""
                lines.append(f"    {section:<20} {_numbers(part)}{mark}")
    return "\n".join(lines)


def _verdict(numbers: dict) -> str:
    """As the build decides: English for a text that is not ready prints only where a clinic's
    min_translated allows it (by default none does)."""
    if not numbers["printable"]:
        return "will NOT print: see handouts i18n check"
    if numbers["translated"] < numbers["total"] or numbers["errors"]:
        return "prints only for clinics whose min_translated allows English"
    return "can print"


def _numbers(numbers: dict[str, int]) -> str:
    text = (
        f"{numbers['translated']}/{numbers['total']} translated, {numbers['fuzzy']} fuzzy, {numbers['missing']} missing"
    )
    return text + (f", {numbers['errors']} failing checks" if numbers["errors"] else "")


# -- Clinician sign-off ---------------------------------------------------------------

MAX_REVIEWER = 200


def sign_off(
    project: Project,
    lang: str,
    by: str | None,
    echo: Echo,
    ask: Callable[[str], bool],
    handout_ids: tuple[str, ...] = (),
    today: dt.date | None = None,
) -> bool:
    """`handouts i18n review LANG`: show each safety-critical entry with its English and record
    the approvals `ask` gives (by None: only list). True when every such entry is approved."""
    [lang] = _selected(project, (lang,))
    if by is not None and (not by.strip() or len(by) > MAX_REVIEWER or not by.isprintable()):
        raise HandoutsError(
            Problem("--by", f'give the reviewer as "Name, role" on one line, at most {MAX_REVIEWER} characters')
        )
    found = templates(project, list(handout_ids) or None)
    critical = [e for e in review_language(project, lang, found).entries if e.critical]
    path = project.reviews_file(lang)
    approvals = Approvals.load(path, project.shown(path))
    if approvals.problem is not None:
        raise HandoutsError(approvals.problem)
    recorded = 0
    try:
        for entry in critical:
            if _show_for_review(entry, approvals, echo) and by is not None and ask("Approve this translation?"):
                approvals.approve(
                    entry.domain, entry.source_id, entry.context, entry.reviewed, by.strip(), today or dt.date.today()
                )
                recorded += 1
    finally:
        if recorded:
            approvals.write(path, project.shown(path))
            echo(f"recorded {recorded} approval(s) by {by.strip()} in {project.shown(path)}")
    approved = sum(_approval_of(e, approvals) is not None for e in critical)
    echo(f"{lang}: {approved} of {len(critical)} safety-critical entries approved")
    return approved == len(critical)


def _approval_of(entry: Entry, approvals: Approvals) -> Approval | None:
    return approvals.approval(entry.domain, entry.source_id, entry.context, entry.reviewed) if entry.ready else None


def _show_for_review(entry: Entry, approvals: Approvals, echo: Echo) -> bool:
    """Print one entry as the reviewer must see it; True when it is ready and awaits approval."""
    echo("")
    echo(f"{entry.file}:{entry.line or ''}  [{entry.domain}, {entry.section}]")
    echo(f"  English:     {' | '.join(entry.source_id) if isinstance(entry.source_id, tuple) else entry.msgid}")
    if not entry.ready:
        echo(f"  cannot be approved yet: {entry.problems()[0].message}")
        return False
    if isinstance(entry.string, (list, tuple)):
        echo("  Translation: (the form each number prints)")
        for index, form in enumerate(entry.string):
            numbers = entry.examples[index] if index < len(entry.examples) else []
            echo(f"    {', '.join(str(n) for n in numbers) or f'msgstr[{index}]'} → {form}")
    else:
        echo(f"  Translation: {entry.string}")
    approval = _approval_of(entry, approvals)
    if approval is not None:
        echo(f"  approved by {approval}")
        return False
    lapsed = approvals.lapsed(entry.domain, entry.source_id, entry.context, entry.reviewed)
    echo(f"  changed since {lapsed} approved it" if lapsed else "  not approved")
    return True
