"""Gettext catalogs, read straight from the .po files: translators never compile."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser

from handoutgen.errors import CatalogError, Problem
from handoutgen.pofile import PREVIOUS_LINE, QUOTE_HINT, PoEntry, check_po, decode

SOURCE_LANGUAGE = "en"


def catalog_path(locales: Path, lang: str, domain: str) -> Path:
    return locales / lang / "LC_MESSAGES" / f"{domain}.po"


def template_path(locales: Path, domain: str) -> Path:
    return locales / f"{domain}.pot"


class PoCatalog(Catalog):
    """A Babel catalog that remembers its header as written, for powriter to keep it."""

    header: str | None = None


def load_catalog(path: Path, shown_as: str, lang: str | None = None) -> PoCatalog:
    """Read a .po or .pot file strictly (see pofile): any syntax error names the file and line."""
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
    """Put back what Babel does not read: the header as written and the #| previous msgids."""
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


@dataclass(frozen=True)
class Lookup:
    """The text to print for one message, and where it came from."""

    text: str
    origin: str  # "file:line" of the msgstr, or of the English source on fallback
    translated: bool


@dataclass
class Translations:
    """Every catalog of one language. English, the source, has none."""

    lang: str
    catalogs: dict[str, tuple[Catalog, str]] = field(default_factory=dict)  # domain -> (catalog, shown_as)
    fallbacks: list[Lookup] = field(default_factory=list)

    @classmethod
    def load(cls, locales: Path, root: Path, lang: str, domains: list[str]) -> Translations:
        translations = cls(lang)
        if lang == SOURCE_LANGUAGE:
            return translations
        problems = []
        for domain in domains:
            path = catalog_path(locales, lang, domain)
            shown_as = path.relative_to(root).as_posix()
            if not path.is_file():
                problems.append(
                    Problem(shown_as, f"no catalog for language {lang!r}; create it with: handouts i18n init {lang}")
                )
                continue
            try:
                translations.catalogs[domain] = (load_catalog(path, shown_as, lang), shown_as)
            except CatalogError as exc:
                problems.extend(exc.problems)
        if problems:
            raise CatalogError(problems)
        return translations

    def message(self, domain: str, msgid: str, context: str | None) -> tuple[Message | None, str | None]:
        if domain not in self.catalogs:
            return None, None
        catalog, shown_as = self.catalogs[domain]
        return catalog.get(msgid, context), shown_as

    def lookup(self, domain: str, msgid: str, context: str | None, source: str) -> Lookup:
        """The translation of msgid, or the English with the fallback recorded."""
        if self.lang == SOURCE_LANGUAGE:
            return Lookup(msgid, source, True)
        message, shown_as = self.message(domain, msgid, context)
        if message is not None and message.string and not message.fuzzy:
            return Lookup(message.string, f"{shown_as}:{message.lineno}", True)
        fallback = Lookup(msgid, source, False)
        self.fallbacks.append(fallback)
        return fallback
