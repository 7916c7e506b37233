"""What the clinic wrote itself (never translated): its name and address as drawn on the page, and its footer,
logo text and own section in the language each is written in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import escape

from handouts.render.markup import keep_numbers_together
from handouts.source.languages import direction as text_direction
from handouts.source.languages import language_tag
from handouts.source.yamlfile import format_key


def clinic_strings(clinic: Any) -> list[tuple[str, str]]:
    out = [("name", clinic.name), ("phone", clinic.phone), ("email", clinic.email), ("website", clinic.website)]
    out += [(format_key(("address", i)), line) for i, line in enumerate(clinic.address)]
    return out


def clinic_lang_tag(clinic: Any) -> str:
    """The language clinic.yaml's own texts (name, address, website) are written in: its main language."""
    return clinic.clinicians_language.replace("_", "-")


@dataclass(frozen=True)
class ClinicWords:
    """Text the clinic wrote itself (never translated), in the language it is written in: the page's,
    or the main language's standing in for it. Printed with its own lang and direction."""

    text: str
    lang: str
    key: str  # where it is in clinic.yaml, e.g. footer_text

    @property
    def lang_tag(self) -> str:
        return language_tag(self.lang)

    @property
    def direction(self) -> str:
        return text_direction(self.lang)

    def __html__(self) -> str:
        return keep_numbers_together(str(escape(self.text)))


@dataclass(frozen=True)
class ClinicSectionText:
    """The clinic's own section in one language: heading and paragraphs, each in its own language."""

    heading: ClinicWords
    paragraphs: list[ClinicWords]

    @property
    def lang_tag(self) -> str:
        return self.paragraphs[0].lang_tag if self.paragraphs else self.heading.lang_tag

    @property
    def direction(self) -> str:
        return self.paragraphs[0].direction if self.paragraphs else self.heading.direction


@dataclass(frozen=True)
class ClinicTexts:
    """Everything the clinic wrote itself, as a page in one language prints it."""

    footer_text: ClinicWords | None
    logo_alt: ClinicWords | None
    section: ClinicSectionText | None

    @classmethod
    def of(cls, clinic: Any, lang: str) -> ClinicTexts:
        def words(text: Any, key: str) -> ClinicWords | None:
            return None if text is None else ClinicWords(*clinic.localized(text, lang), key)

        section = None
        if clinic.clinic_section is not None:
            heading = words(clinic.clinic_section.heading, "clinic_section.heading")
            text = words(clinic.clinic_section.text, "clinic_section.text")
            assert heading is not None and text is not None
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.text) if p.strip()]
            section = ClinicSectionText(heading, [ClinicWords(p, text.lang, text.key) for p in paragraphs])
        return cls(words(clinic.footer_text, "footer_text"), words(clinic.logo_alt, "logo_alt"), section)

    def all(self) -> list[ClinicWords]:
        found = [self.footer_text, self.logo_alt]
        if self.section is not None:
            found += [self.section.heading, *self.section.paragraphs]
        return [words for words in found if words is not None]

    def languages(self) -> list[str]:
        return list(dict.fromkeys(words.lang for words in self.all()))

    def by_language(self, origin: Callable[[str], str]) -> dict[str, list[tuple[str, str]]]:
        """(origin, text) pairs by the language they are written in, for the glyph check; origin
        names a key's place in clinic.yaml."""
        found: dict[str, list[tuple[str, str]]] = {}
        for words in self.all():
            found.setdefault(words.lang, []).append((origin(words.key), words.text))
        return found
