"""What is ready to print, language by language: the review of each catalog that `i18n check`, `i18n status`,
`handouts check` and the build gate share, and clinicians' sign-off of safety-critical entries (`i18n review`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog

from handouts import log
from handouts.commands.i18n import selected_languages, templates
from handouts.errors import CatalogError, HandoutsError, Problem
from handouts.i18n.catalogs import (
    has_catalog,
    load_catalog,
    missing_catalog,
)
from handouts.i18n.checks import Entry, entries, header_problems, plural_rechecks
from handouts.i18n.extract import COMMON_DOMAIN, Template
from handouts.i18n.signoff import Approval, Approvals, damaged_signoff
from handouts.model.project import Project


@dataclass
class Review:
    """One language's catalogs measured against the English templates."""

    lang: str
    entries: list[Entry] = field(default_factory=list)
    catalog_problems: list[Problem] = field(default_factory=list)  # unreadable, missing, wrong headers
    not_offered: list[str] = field(default_factory=list)  # handouts without a catalog: not printed in lang
    recheck: list[Problem] = field(default_factory=list)  # plural entries whose header numbers forms unusually
    files: dict[str, str] = field(default_factory=dict)  # domain -> its catalog as shown
    unreadable: dict[str, list[Problem]] = field(default_factory=dict)  # domain -> why its catalog was not read

    def blocking(self) -> list[Problem]:
        """What stops this language from printing: catalog problems and critical entries not ready."""
        return self.catalog_problems + [p for e in self.entries if e.critical and not e.ready for p in e.problems()]

    def blocking_for(self, domain: str) -> list[Problem]:
        """What stops a handout's page from printing: its own catalog's problems and `common`'s."""
        mine = {domain, COMMON_DOMAIN}
        files = {self.files[d] for d in mine if d in self.files}
        broken = [p for p in self.catalog_problems if p.file in files]
        # A catalog that could not be read at all may be named by a folder on its way (a link that leaves).
        broken += [p for d in sorted(mine) for p in self.unreadable.get(d, []) if p not in broken]
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
    files, unreadable = {}, {}
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
            catalogs[domain] = (load_catalog(path, shown_as, lang, project.sandbox), shown_as)
        except CatalogError as exc:
            problems += exc.problems
            unreadable[domain] = exc.problems
    result = review(project, lang, found, catalogs)
    result.catalog_problems[:0] = problems
    result.not_offered, result.files, result.unreadable = not_offered, files, unreadable
    return result


def check(project: Project, langs: tuple[str, ...] = (), strict: bool = False) -> bool:
    """`handouts i18n check`: every problem an error, every entry printed in English a warning;
    True when no catalog has an error (nor, with strict, a warning)."""
    found = templates(project)
    ok = True
    with log.counting() as counted:
        for lang in selected_languages(project, langs):
            result = review_language(project, lang, found)
            if result.not_offered:
                log.result(f"{lang}: not offered (no catalog): {', '.join(result.not_offered)}")
            for problem in result.blocking() + result.failing():
                log.error(problem)
                ok = False
            for problem in result.untranslated() + result.recheck:
                log.warning(problem)
    ok = not log.strict_failure(counted, strict) and ok
    log.result("All catalogs pass." if ok else "Some catalogs have problems (listed above).")
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
    for lang in selected_languages(project, langs):
        result = review_language(project, lang, found)
        path = project.reviews_file(lang)
        approvals = Approvals.load(path, project.shown(path))
        if damaged := damaged_signoff(lang, approvals):
            log.warning(damaged)
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


MAX_REVIEWER = 200


def sign_off(
    project: Project,
    lang: str,
    by: str | None,
    ask: Callable[[str], bool],
    handout_ids: tuple[str, ...] = (),
    today: dt.date | None = None,
) -> bool:
    """`handouts i18n review LANG`: show each safety-critical entry with its English and record
    the approvals `ask` gives (by None: only list). True when every such entry is approved."""
    [lang] = selected_languages(project, (lang,))
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
            if _show_for_review(entry, approvals) and by is not None and ask("Approve this translation?"):
                approvals.approve(
                    entry.domain, entry.source_id, entry.context, entry.reviewed, by.strip(), today or dt.date.today()
                )
                recorded += 1
    finally:
        if recorded:
            approvals.write(path, project.shown(path))
            log.result(f"recorded {recorded} approval(s) by {by.strip()} in {project.shown(path)}")
    approved = sum(_approval_of(e, approvals) is not None for e in critical)
    log.result(f"{lang}: {approved} of {len(critical)} safety-critical entries approved")
    return approved == len(critical)


def _approval_of(entry: Entry, approvals: Approvals) -> Approval | None:
    return approvals.approval(entry.domain, entry.source_id, entry.context, entry.reviewed) if entry.ready else None


def _show_for_review(entry: Entry, approvals: Approvals) -> bool:
    """Print one entry as the reviewer must see it; True when it is ready and awaits approval."""
    log.result("")
    log.result(f"{entry.file}:{entry.line or ''}  [{entry.domain}, {entry.section}]")
    log.result(f"  English:     {' | '.join(entry.source_id) if isinstance(entry.source_id, tuple) else entry.msgid}")
    if not entry.ready:
        log.result(f"  cannot be approved yet: {entry.problems()[0].message}")
        return False
    if isinstance(entry.string, (list, tuple)):
        log.result("  Translation: (the form each number prints)")
        for index, form in enumerate(entry.string):
            numbers = entry.examples[index] if index < len(entry.examples) else []
            log.result(f"    {', '.join(str(n) for n in numbers) or f'msgstr[{index}]'} → {form}")
    else:
        log.result(f"  Translation: {entry.string}")
    approval = _approval_of(entry, approvals)
    if approval is not None:
        log.result(f"  approved by {approval}")
        return False
    lapsed = approvals.lapsed(entry.domain, entry.source_id, entry.context, entry.reviewed)
    log.result(f"  changed since {lapsed} approved it" if lapsed else "  not approved")
    return True
