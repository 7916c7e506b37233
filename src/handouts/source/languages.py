"""Language codes and regional variants.

A clinic may list a regional variant such as `en_AU`, `pt_BR` or `fr_CA`: its dates and
numbers follow the variant (Babel's CLDR data), while its texts come from the variant's own
catalog where it has one and otherwise from the language it belongs to (`en`, `pt`, `fr`),
and its fonts from the first stack in that chain (fonts.py)."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from babel import Locale


def language_tag(lang: str) -> str:
    """A language code as a BCP 47 tag (zh_Hans -> zh-Hans, pt_BR -> pt-BR): in URLs, folders and `lang`."""
    return lang.replace("_", "-")


def spelled_as(lang: str, codes: Iterable[str]) -> str:
    """A language as a user types it (zh-Hans, as the output folders spell it, or zh_Hans, pt-br)
    as the one of codes it names (a catalog folder's or clinic.yaml's zh_Hans); as typed when none is."""
    spelled = {language_tag(code).lower(): code for code in codes}
    return spelled.get(language_tag(lang).lower(), lang)


def fallback_chain(lang: str) -> list[str]:
    """lang, then the codes it falls back to: pt_BR -> [pt_BR, pt]; zh_Hans_CN -> [zh_Hans_CN, zh_Hans, zh]."""
    parts = lang.split("_")
    return ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]


def readable_as(written_in: str, page_lang: str) -> bool:
    """Can text written in one code stand in another's page? en for en_AU, and en_AU for en,
    but not en_GB for en_AU, nor zh_Hans for zh_Hant."""
    return written_in in fallback_chain(page_lang) or page_lang in fallback_chain(written_in)


@functools.cache
def direction(lang: str) -> str:
    return "rtl" if Locale.parse(lang).text_direction == "rtl" else "ltr"


@functools.cache
def described(lang: str) -> str:
    """'ar' (Arabic): the code as written in files, and its name for people who do not know the code."""
    return f"{lang!r} ({Locale.parse(lang).english_name})"
