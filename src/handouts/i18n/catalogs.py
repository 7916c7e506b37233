"""Gettext catalogs, read straight from the .po files: translators never compile."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser

from handouts.errors import CatalogError, Problem, display_path
from handouts.i18n.checks import NOT_READY, header_problems, message_errors, plural_rule_of, state_of
from handouts.i18n.plurals import PluralRuleError, form_of
from handouts.i18n.pofile import PREVIOUS_LINE, QUOTE_HINT, PoEntry, check_po, decode
from handouts.i18n.signoff import Approval, Approvals, not_approved_problem, reviewed_text, reviews_path
from handouts.sandbox import Sandbox
from handouts.source.languages import fallback_chain

SOURCE_LANGUAGE = "en"


def catalog_path(locales: Path, lang: str, domain: str) -> Path:
    return locales / lang / "LC_MESSAGES" / f"{domain}.po"


def template_path(locales: Path, domain: str) -> Path:
    return locales / f"{domain}.pot"


class PoCatalog(Catalog):
    """A Babel catalog that remembers its header as written, for powriter to keep it."""

    header: str | None = None


def load_catalog(path: Path, shown_as: str, lang: str | None = None, sandbox: Sandbox | None = None) -> PoCatalog:
    """Read a .po or .pot file strictly (see pofile): any syntax error names the file and line.
    With a sandbox, a catalog reached through a link that leaves the project is refused unread."""
    if sandbox is not None and (outside := sandbox.problem(path)):
        raise CatalogError(outside)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError(Problem(shown_as, "catalog not found")) from None
    text, problem = decode(data, shown_as)
    entries, problem = ([], problem) if problem else check_po(text, shown_as)
    if problem is not None:
        raise CatalogError(problem)
    catalog = PoCatalog(locale=lang, domain=path.stem)
    try:
        # Decoded already (Babel would read the header lines as UTF-8 whatever the charset),
        # and without the #| lines, which Babel would take for translator comments.
        PoFileParser(catalog, abort_invalid=True).parse(io.StringIO(PREVIOUS_LINE.sub("", text)))
    except PoFileError as exc:
        reason = re.sub(r" on \d+$", "", str(exc))
        # Babel counts lines from 0 in its errors.
        raise CatalogError(
            Problem(shown_as, f"not a valid .po file ({reason}); {QUOTE_HINT}", exc.lineno + 1)
        ) from None
    restore_previous(catalog, entries)
    return catalog


def restore_previous(catalog: PoCatalog, entries: list[PoEntry]) -> None:
    """Put back what Babel does not read: the header as written and the #| previous msgctxt and msgids."""
    for entry in entries:
        if entry.msgid == "" and entry.context is None and not entry.obsolete:
            catalog.header = entry.strings.get(0)
        if not entry.previous.get("msgid"):
            continue
        key = entry.msgid if entry.plural is None else (entry.msgid, entry.plural)
        message = (
            catalog.obsolete.get(catalog._key_for(key, entry.context))
            if entry.obsolete
            else catalog.get(key, entry.context)
        )
        if message is not None:
            message.previous_id = [entry.previous["msgid"], *filter(None, [entry.previous.get("msgid_plural")])]
            message.previous_context = entry.previous.get("msgctxt")  # type: ignore[attr-defined]


def has_catalog(locales: Sequence[Path], lang: str, domain: str) -> bool:
    """Whether lang has the domain's catalog, its own or the language's it falls back to (pt for
    pt_BR; English variants print the source): if not, the handout is not offered in lang."""
    chain = fallback_chain(lang)
    return SOURCE_LANGUAGE in chain or any(catalog_path(f, code, domain).is_file() for f in locales for code in chain)


def missing_catalog(shown_as: str, lang: str, has_any: bool) -> Problem:
    """The one wording, and the one fix, for a catalog that is not there."""
    fix = f"handouts i18n update --lang {lang}" if has_any else f"handouts i18n init {lang}"
    return Problem(shown_as, f"no catalog for language {lang!r}; create it with: {fix}")


def problem_at(origin: str, message: str) -> Problem:
    """A Problem at "file:line" (the form lookups name their origin in)."""
    file, _, line = origin.rpartition(":")
    return Problem(file, message, int(line)) if file and line.isdigit() else Problem(origin, message)


@dataclass(frozen=True)
class Lookup:
    """The text to print for one message, and where it came from."""

    text: str
    origin: str  # "file:line" of the msgstr, or of the English source on fallback
    translated: bool
    safety: bool = False
    why: Problem | None = None  # why the English is printed instead (None when translated)
    catalog_problem: bool = False  # why is about the whole catalog (missing, unreadable), not this entry
    # Clinician sign-off of a translated safety-critical entry (see signoff.py); None: not approved.
    approval: Approval | None = None
    unapproved: str = ""  # why it is not approved (for a clinic that requires sign-off)


def plural_index(catalog: Catalog | None, count: int) -> int:
    """Which plural form a number takes: the catalog's own Plural-Forms (as gettext), or English's rule."""
    if catalog is None:
        return 0 if count == 1 else 1
    return form_of(catalog.num_plurals, catalog.plural_expr, count)


class Translations:
    """The catalogs of one language, each loaded when first asked for.

    A catalog that is missing or cannot be read fails only the texts that need it:
    they come back as English with the reason, and the gate refuses what must not
    print in English. Nothing here changes after loading, so workers can share it.

    locales: the catalog folders, the first with a domain's catalog winning (a project's own
    locales/, then the packaged library's: Project.locale_dirs)."""

    def __init__(self, locales: Path | Sequence[Path], root: Path, lang: str, sandbox: Sandbox | None = None):
        self.locales = [locales] if isinstance(locales, Path) else list(locales)
        self.root, self.lang = root, lang
        self.sandbox = sandbox  # the project's: a catalog behind a link that leaves it is never read
        self._paths: dict[str, tuple[Path, str]] = {}  # domain -> (file, as shown)
        self._catalogs: dict[str, Catalog | CatalogError] = {}
        self._errors: dict[tuple[str, Any, str | None], list[str]] = {}
        self._approvals: Approvals | None = None
        # A regional variant (pt_BR) prints the entries its own catalogs lack from its language's (pt).
        parents = fallback_chain(lang)[1:]
        self.fallback = Translations(locales, root, parents[0], sandbox) if parents else None

    @property
    def is_source(self) -> bool:
        return self.lang == SOURCE_LANGUAGE

    def path(self, domain: str) -> Path:
        """The domain's catalog file: the first folder that has one (else the first folder's, to name it)."""
        return self._found(domain)[0]

    @property
    def chain(self) -> list[Translations]:
        """These catalogs, then those they fall back to."""
        return [self, *(self.fallback.chain if self.fallback else [])]

    def for_entry(self, domain: str, english: str, context: str | None) -> Translations:
        """Whose catalogs answer for this entry: a variant's own when it has translated it (or its
        catalog is broken: never silently past a broken file), else the first in the chain that has
        it, else this one (so the problem names the catalog the translator expects)."""
        if self.is_source or self._has_own(domain, english, context):
            return self
        for parent in self.chain[1:]:
            if parent.is_source or parent._has_own(domain, english, context):
                return parent
        return self

    def _has_own(self, domain: str, english: str, context: str | None) -> bool:
        catalog = self.catalog(domain)
        if isinstance(catalog, CatalogError):
            return self.path(domain).is_file()
        message = catalog.get(english, context)
        if message is None:
            return False
        return any([message.string] if isinstance(message.string, str) else message.string)

    def shown_as(self, domain: str) -> str:
        return self._found(domain)[1]

    def _found(self, domain: str) -> tuple[Path, str]:
        if domain not in self._paths:
            paths = [catalog_path(folder, self.lang, domain) for folder in self.locales]
            path = next((p for p in paths if p.is_file()), paths[0])
            self._paths[domain] = (path, display_path(path, self.root))
        return self._paths[domain]

    def catalog(self, domain: str) -> Catalog | CatalogError:
        if domain not in self._catalogs:
            self._catalogs[domain] = self._load(domain)
        return self._catalogs[domain]

    def _load(self, domain: str) -> Catalog | CatalogError:
        path = self.path(domain)
        shown_as = self.shown_as(domain)
        if not path.is_file():
            has_any = any((folder / self.lang / "LC_MESSAGES").is_dir() for folder in self.locales)
            return CatalogError(missing_catalog(shown_as, self.lang, has_any))
        if self.sandbox is not None and (outside := self.sandbox.problem(path)):
            return CatalogError(outside)
        try:
            catalog = load_catalog(path, shown_as, self.lang)
        except CatalogError as exc:
            return exc
        problems = header_problems(catalog, path, shown_as, self.lang)
        return CatalogError(problems) if problems else catalog

    def load_all(self, domains: list[str]) -> list[Problem]:
        """Load these catalogs (and those they fall back to) now, so workers get them ready;
        the problems of this language's that failed."""
        for parent in self.chain[1:]:
            parent.load_all(domains)
        return [p for d in domains if isinstance(err := self.catalog(d), CatalogError) for p in err.problems]

    def lookup(self, domain: str, msgid: Any, context: str | None, source: str, safety: bool = False) -> Lookup:
        """The translation of msgid (a plural's (singular, plural) pair picks by count later),
        or the English with the reason it is not printed translated."""
        english = msgid if isinstance(msgid, str) else msgid[0]
        owner = self.for_entry(domain, english, context)
        if owner is not self:
            return owner.lookup(domain, msgid, context, source, safety)
        if self.is_source:
            return Lookup(english, source, True, safety)
        catalog = self.catalog(domain)
        if isinstance(catalog, CatalogError):
            return Lookup(english, source, False, safety, catalog.problems[0], catalog_problem=True)
        message = catalog.get(english, context)
        shown_as = self.shown_as(domain)
        if message is None:
            why = problem_at(
                source, f"no translation entry in {shown_as}; run: handouts i18n update --lang {self.lang}"
            )
            return Lookup(english, source, False, safety, why)
        origin = f"{shown_as}:{message.lineno}"
        problem = self._not_ready(catalog, message, origin)
        if problem is not None:
            return Lookup(english, source, False, safety, problem)
        string = message.string if isinstance(message.string, str) else message.string[0]
        found = Lookup(string, origin, True, safety)
        return self._signed_off(found, domain, message) if safety else found

    @property
    def reviews_file(self) -> Path:
        """The language's sign-off file: the project's own (the first folder), never the library's."""
        return reviews_path(self.locales[0], self.lang)

    @property
    def approvals(self) -> Approvals:
        if self._approvals is None:
            outside = self.sandbox.problem(self.reviews_file) if self.sandbox is not None else None
            if outside is not None:  # nothing counts as approved
                self._approvals = Approvals(problem=outside)
            else:
                self._approvals = Approvals.load(self.reviews_file, display_path(self.reviews_file, self.root))
        return self._approvals

    def _signed_off(self, found: Lookup, domain: str, message: Message) -> Lookup:
        approvals = self.approvals
        catalog = self.catalog(domain)
        rule = plural_rule_of(catalog) if message.pluralizable and isinstance(catalog, Catalog) else None
        reviewed = reviewed_text(message.string, rule)
        approval = approvals.approval(domain, message.id, message.context, reviewed)
        if approval is not None:
            return replace(found, approval=approval)
        if approvals.problem is not None:
            why = f"the sign-off file cannot be read ({approvals.problem}); nothing in it counts as approved"
        else:
            lapsed = approvals.lapsed(domain, message.id, message.context, reviewed)
            why = not_approved_problem(self.lang, lapsed, approvals.other_english(domain, message.id, message.context))
        return replace(found, unapproved=why)

    def plural_forms(self, domain: str, english: tuple[str, str], context: str | None) -> tuple[str, ...] | None:
        """A translated plural entry's forms (the caller has looked it up as ready)."""
        catalog = self.catalog(domain)
        if self.is_source or isinstance(catalog, CatalogError):
            return None
        message = catalog.get(english[0], context)
        return tuple(message.string) if message is not None and isinstance(message.string, (list, tuple)) else None

    def plural_index(self, domain: str, count: int) -> int:
        catalog = self.catalog(domain)
        try:
            return plural_index(None if self.is_source or isinstance(catalog, CatalogError) else catalog, count)
        except PluralRuleError as exc:  # right on every number checked, wrong on this one: this page only
            raise CatalogError(Problem(self.shown_as(domain), f"Plural-Forms cannot be used: {exc}")) from None

    def _not_ready(self, catalog: Catalog, message: Message, origin: str) -> Problem | None:
        if reason := NOT_READY.get(state_of(message)):
            return problem_at(origin, reason)
        key = (catalog.domain or "", message.id if isinstance(message.id, str) else tuple(message.id), message.context)
        if key not in self._errors:
            self._errors[key] = message_errors(catalog, message)
        errors = self._errors[key]
        return problem_at(origin, errors[0]) if errors else None
