"""The one placeholder grammar: `{name}` in handout texts, translations and templates.

Every module that reads or fills placeholders asks this one: the schema (unknown
names, when the English is loaded), the translation checks (same placeholders as
the English), the renderer (filling values) and the readability measure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from string import Formatter

# Facts every clinic gives in clinic.yaml; a handout adds its own under `values:`.
CLINIC_VALUES = ("clinic_name", "clinic_phone", "emergency_number", "session_minutes", "session_count")
# A value name: lowercase words joined by underscores.
VALUE_NAME = r"^[a-z][a-z0-9_]{0,39}$"
# The only markup a text or translation may carry; everything else is escaped.
ALLOWED_TAGS = ("strong",)
# Anything that looks like an HTML tag, comment or declaration, closed or not.
TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>?")
# Bidi embeddings, overrides and isolates reorder text without showing it: a dose or a phone
# number could print reversed. LRM/RLM (U+200E/F) only mark direction, and ZWJ/ZWNJ (U+200D/C)
# shape letters in many scripts; those are allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def invisible_character(text: str, allowed: str = "\n") -> str | None:
    """The first control character (C0, C1, a bidi control) in text but those allowed, named as
    U+XXXX (NAME), or None: such a character prints as nothing, or reorders what follows it."""
    for char in text:
        if char not in allowed and (char in BIDI_CONTROLS or unicodedata.category(char) == "Cc"):
            return f"U+{ord(char):04X} ({unicodedata.name(char, 'control character')})"
    return None


def markup_problem(text: str) -> str | None:
    """Why text's markup would not print as written: a tag other than <strong>…</strong>, or a
    <strong> not paired (the page lets only whole pairs through; anything else prints literally)."""
    bold = False
    for tag in TAG.findall(text):
        if tag not in ("<strong>", "</strong>"):
            return (
                f"markup {tag[:40]} would print literally on the page; <strong>…</strong> is the only markup "
                "a text may hold: remove the tag, or use <strong> for words that must stand out"
            )
        if (tag == "<strong>") == bold:
            return f"{tag} is not paired; write <strong> before and </strong> after the bold words, never nested"
        bold = not bold
    return "<strong> is not closed; end the bold words with </strong>" if bold else None


class PlaceholderError(ValueError):
    """A text whose braces do not make placeholders, e.g. a lone `{`."""


def parse(text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """(literal, name, spec, conversion) parts, as str.format reads them."""
    try:
        return list(Formatter().parse(text))
    except ValueError as exc:
        raise PlaceholderError(f"broken placeholder ({exc}); write placeholders as {{name}}") from None


def names(text: str) -> Iterator[str]:
    """Each placeholder as written, e.g. "{clinic_phone}" or "{n!r}" (to compare exactly)."""
    for _, name, spec, conversion in parse(text):
        if name is not None:
            yield "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"


def unknown_names(text: str, known: set[str]) -> list[str]:
    """Placeholders not among known (a name with a format spec or conversion is never known)."""
    return [found for found in names(text) if found[1:-1] not in known]


def spoken(text: str) -> str:
    """The text as a reader meets it for a readability score: no markup, values read as words."""
    plain = TAG.sub("", text).strip()
    return re.sub(r"\{[a-z_0-9]+\}", "the clinic", plain)
