"""Gettext catalogs, read straight from the .po files: translators never compile."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po

from handoutgen.errors import CatalogError, Problem

SOURCE_LANGUAGE = "en"


def catalog_path(locales: Path, lang: str, domain: str) -> Path:
    return locales / lang / "LC_MESSAGES" / f"{domain}.po"


def template_path(locales: Path, domain: str) -> Path:
    return locales / f"{domain}.pot"


def load_catalog(path: Path, shown_as: str, lang: str | None = None) -> Catalog:
    """Read a .po or .pot file; a syntax error names the file and line."""
    try:
        with path.open("rb") as fileobj:
            return read_po(fileobj, locale=lang, abort_invalid=True, domain=path.stem)
    except FileNotFoundError:
        raise CatalogError(Problem(shown_as, "catalog not found")) from None
    except PoFileError as exc:
        reason = re.sub(r" on \d+$", "", str(exc))
        hint = 'check the quotes on this line and the one above: every text line must start and end with "'
        # Babel counts lines from 0 in its errors.
        raise CatalogError(Problem(shown_as, f"not a valid .po file ({reason}); {hint}", exc.lineno + 1)) from None
    except UnicodeDecodeError as exc:
        raise CatalogError(Problem(shown_as, f"not UTF-8 text ({exc.reason}); save it as UTF-8")) from None


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
