"""Text as it goes into a page: handout and catalog texts to safe markup (the tag allow-list, placeholders filled
and isolated), numbers kept on one line, plain text and CSS strings."""

from __future__ import annotations

import html
import re
import unicodedata

from babel import Locale
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from handouts.errors import Problem, RenderError
from handouts.source.text import ALLOWED_TAGS, PlaceholderError
from handouts.source.text import parse as parse_placeholders


def to_markup(text: str, values: dict[str, str], origin: str, langs: dict[str, str] | None = None) -> Markup:
    """Escape text, let the allowed tags through, and fill {placeholders} with escaped values;
    langs gives the language of a value written in another one (the clinic's name)."""
    escaped = str(escape(text))
    for tag in ALLOWED_TAGS:
        # Only as a pair: a stray closing tag could end the template's own markup around the text.
        escaped = re.sub(rf"&lt;{tag}&gt;(.*?)&lt;/{tag}&gt;", rf"<{tag}>\1</{tag}>", escaped, flags=re.DOTALL)
    parts = []
    for literal, name, spec, conversion in placeholder_parts(escaped, origin):
        parts.append(literal)
        if name is None:
            continue
        if name not in values or spec or conversion:
            known = ", ".join("{" + key + "}" for key in values) or "none"
            raise RenderError(Problem(origin, f"unknown placeholder {{{name}}}; the placeholders here are {known}"))
        parts.append(isolate(values[name], (langs or {}).get(name)))
    return Markup(keep_numbers_together("".join(parts)))


def isolate(value: str, lang: str | None = None) -> str:
    """Escape a filled-in value and isolate its direction, so a phone number inside
    Arabic text keeps its digit order and an Arabic name inside English stays whole.
    A number, range or phone number never breaks across lines."""
    direction = "ltr"
    for char in value:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            direction = "ltr" if kind == "L" else "rtl"
            break
    nowrap = ' class="nowrap"' if re.fullmatch(_NUMBER, value) else ""
    marked = f' lang="{escape(lang)}"' if lang else ""
    return f'<bdi dir="{direction}"{nowrap}{marked}>{escape(value)}</bdi>'


_NUMBER = r"[+(]?\d+\)?(?:(?:[ \u00a0\u202f]?[-‐‑–−/.,:][ \u00a0\u202f]?|[ \u00a0\u202f])\(?\d+\)?)*"

_WORD_END = r"[\s<&.,;:!?()\[\]\"'«»“”„、。，；：！？]"

# A whole word of at most 12 characters (marks and joiners included, so no letter loses its accent).
_UNIT = rf"[ \u00a0\u202f]?(?:(?!{_WORD_END})[^\d]){{1,12}}(?={_WORD_END}|$)"

_FILLED_NUMBER = rf'<bdi dir="(?:ltr|rtl)" class="nowrap"(?: lang="[^"<>]*")?>{_NUMBER}</bdi>'

# The page's own markup is only <strong>, <bdi> and entities: a number never starts inside "&#39;".
_GROUP = re.compile(
    rf"(?P<filled>{_FILLED_NUMBER})(?P<after>{_UNIT})?|(?<![0-9A-Za-z_&#])(?P<number>{_NUMBER})(?P<unit>{_UNIT})?"
)

# Digit groups apart (a phone number): left to right in every language, e.g. inside Arabic.
_PHONE_LIKE = re.compile(r"[+(]?\d+\)?(?:[ \u00a0\u202f.-]\(?\d+\)?){2,}")


def keep_numbers_together(html: str) -> str:
    """html (escaped text with the page's own inline tags) with each number group in a nowrap span."""
    return _GROUP.sub(_group_html, html)


def _group_html(match: re.Match[str]) -> str:
    if match["filled"] is not None:  # a filled-in number is nowrap already; keep its unit with it
        filled, after = match["filled"], match["after"] or ""
        if not after or _PHONE_LIKE.search(filled):
            return match[0]
        return f'<span class="nowrap">{filled}{after}</span>'
    number, unit = match["number"], match["unit"] or ""
    if _PHONE_LIKE.fullmatch(number):  # a phone number has no unit after it
        return f'<bdi dir="ltr" class="nowrap">{number}</bdi>{unit}'
    if not unit and number.isdigit():
        return match[0]  # one run of digits cannot break
    return f'<span class="nowrap">{number}{unit}</span>'


def placeholder_parts(text: str, origin: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return parse_placeholders(text)
    except PlaceholderError as exc:
        raise RenderError(Problem(origin, str(exc))) from None


def plain_text(markup: str) -> str:
    """The text as a reader sees it: no tags, and each entity the character it stands for
    (escaped once more wherever it is printed: a title, a figure label, the manifest)."""
    # Not Markup.striptags(): it turns every space into " ", and a French title keeps its no-break spaces.
    return html.unescape(re.sub(r"<[^>]*>", "", str(markup)))


def css_string(text: str) -> str:
    """text as a double-quoted CSS string. Everything but letters, digits, spaces and plain punctuation
    becomes a hex escape, so no translation can end the string, a comment or the <style> element."""
    return '"' + "".join(char if _css_safe(char) else f"\\{ord(char):06X} " for char in text) + '"'


def _css_safe(char: str) -> bool:
    # No parentheses: "url(" in a translation must never read as a URL to a CSS reader.
    return char.isalnum() or char in " .,:;!?-_'%+"


def number_range(values: tuple[int, int], locale: Locale) -> str:
    low, high = (format_decimal(value, locale=locale) for value in values)
    return low if low == high else f"{low}–{high}"
