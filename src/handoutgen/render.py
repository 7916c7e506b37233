"""One handout for one clinic in one language: HTML from Jinja2, then PDF from WeasyPrint."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import url2pathname

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from handoutgen import __version__
from handoutgen.atomic import write_atomically
from handoutgen.catalogs import Lookup, Translations
from handoutgen.errors import Problem, RenderError, display_path
from handoutgen.extract import COMMON_DOMAIN, iter_texts
from handoutgen.fonts import FontSet, describe_char
from handoutgen.project import LoadedClinic, LoadedHandout, Project
from handoutgen.schema import Handout, Text
from handoutgen.yamlfile import format_key

# The only markup a handout text or translation may carry; everything else is escaped.
ALLOWED_TAGS = ("strong",)
TEMPLATE = "handout.html"
TEMPLATES = {"leaflet": TEMPLATE, "screening-form": "form.html"}
LARGE_PRINT_PT = 16  # RNIB large print: 16 pt and up
# Tagged, titled, language-marked PDFs that screen readers can follow.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def template_for(handout: LoadedHandout) -> str:
    return TEMPLATES[handout.handout.kind]


@dataclass(frozen=True)
class PrintStyle:
    """How one copy is printed: large print, and the second language of a bilingual copy."""

    large_print: bool = False
    second: Translations | None = None


# -- Text: escaping, the markup allow-list, placeholders --------------------------


def to_markup(text: str, values: dict[str, str], origin: str) -> Markup:
    """Escape text, let the allowed tags through, and fill {placeholders} with escaped values."""
    escaped = str(escape(text))
    for tag in ALLOWED_TAGS:
        # Only as a pair: a stray closing tag could end the template's own markup around the text.
        escaped = re.sub(rf"&lt;{tag}&gt;(.*?)&lt;/{tag}&gt;", rf"<{tag}>\1</{tag}>", escaped, flags=re.DOTALL)
    parts = []
    for literal, name, spec, conversion in _parse_placeholders(escaped, origin):
        parts.append(literal)
        if name is None:
            continue
        if name not in values or spec or conversion:
            known = ", ".join("{" + key + "}" for key in values) or "none"
            raise RenderError(Problem(origin, f"unknown placeholder {{{name}}}; the placeholders here are {known}"))
        parts.append(isolate(values[name]))
    return Markup("".join(parts))


def isolate(value: str) -> str:
    """Escape a filled-in value and isolate its direction, so a phone number inside
    Arabic text keeps its digit order and an Arabic name inside English stays whole."""
    direction = "ltr"
    for char in value:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            direction = "ltr" if kind == "L" else "rtl"
            break
    return f'<bdi dir="{direction}">{escape(value)}</bdi>'


def _parse_placeholders(text: str, origin: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(Formatter().parse(text))
    except ValueError as exc:
        raise RenderError(Problem(origin, f"broken placeholder ({exc}); write placeholders as {{name}}")) from None


def plain_text(markup: str) -> str:
    return re.sub(r"<[^>]*>", "", str(markup))


def css_string(text: str) -> str:
    """text as a double-quoted CSS string. Everything but letters, digits, spaces and plain punctuation
    becomes a hex escape, so no translation can end the string, a comment or the <style> element."""
    return '"' + "".join(char if _css_safe(char) else f"\\{ord(char):06X} " for char in text) + '"'


def _css_safe(char: str) -> bool:
    return char.isalnum() or char in " .,:;!?()-_'%+"


def number_range(values: tuple[int, int], locale: Locale) -> str:
    low, high = (format_decimal(value, locale=locale) for value in values)
    return low if low == high else f"{low}–{high}"


# -- Sandboxed fetching ------------------------------------------------------------


class FetchRefused(Exception):
    """A document asked for something outside the project's asset folders."""


# Pages name project files by URLs under this made-up folder, mapped back by the fetcher, so
# that no absolute path (which ends up in image names) makes a PDF depend on where the project is.
PROJECT_URL = "file:///handouts-project/"


def project_url(root: Path, path: Path) -> str:
    """The URL a page uses for a file of the project."""
    try:
        return PROJECT_URL + quote(path.relative_to(root).as_posix())
    except ValueError:
        return path.resolve().as_uri()


OUTSIDE = "only files in templates/, fonts/ and the clinic's own folder can be used; nothing else is fetched"


def make_fetcher(allowed: list[Path], root: Path | None = None) -> Any:
    # Imported here so that commands which never render do not load WeasyPrint.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SandboxFetcher(URLFetcher):
        """Serves only files inside the allowed folders; no network, no other files."""

        def __init__(self) -> None:
            super().__init__(fail_on_errors=True, allowed_protocols={"file", "data"})
            self.allowed = [folder.resolve() for folder in allowed]
            self.refused: list[tuple[str, str]] = []  # (url, why)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            path = None
            if parts.scheme == "file" and not parts.netloc:
                path = Path(url2pathname(parts.path))
                project_path = url2pathname(urlsplit(PROJECT_URL).path)
                if root is not None and path.is_relative_to(project_path):
                    path = root / path.relative_to(project_path)
                path = path.resolve()
            if path is None or not any(folder in path.parents for folder in self.allowed):
                why = OUTSIDE
            elif not path.is_file():
                why = "no such file"
            else:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
            self.refused.append((url, why))
            raise FetchRefused(url)

    return SandboxFetcher()


# Where a template, stylesheet or SVG names another file: only used to say who asked for a refused URL.
_REFERENCE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])([^"'()\s<>{}]+)""", re.I)
_REFERRING_TYPES = {".html", ".htm", ".css", ".svg", ".xml"}


def refusal_problem(url: str, why: str, page: Page, origin: str) -> Problem:
    """The problem for a refused URL, naming the file and line that asked for it where we can find them."""
    for folder in page.allowed_dirs:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in _REFERRING_TYPES or not path.is_file():
                continue
            own_url = project_url(page.root, path) if page.root else path.resolve().as_uri()
            base = page.base_url if path.suffix.lower() in (".html", ".htm") else own_url
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in _REFERENCE.finditer(text):
                if unquote(urljoin(base, match[1])) == unquote(url):
                    shown = display_path(path, page.root) if page.root else str(path)
                    line = text.count("\n", 0, match.start()) + 1
                    resolved = "" if match[1] == url else f" ({url})"
                    return Problem(shown, f"refused to fetch {match[1]!r}{resolved}: {why}", line)
    return Problem(origin, f"refused to fetch {url} (asked for by a template or stylesheet): {why}")


# -- The page --------------------------------------------------------------------


@dataclass
class Page:
    """A rendered HTML page, plus what the PDF step and the checks need to know."""

    html: str
    base_url: str
    allowed_dirs: list[Path]
    title: str
    strings: list[tuple[str, str]] = field(default_factory=list)  # (origin, text) drawn on the page
    fallbacks: list[Lookup] = field(default_factory=list)
    lookups: list[Lookup] = field(default_factory=list)  # every catalog entry the page used
    root: Path | None = None  # the project folder, to show file names as the user knows them


class Renderer:
    """Renders pages for one project; keeps template environments warm between jobs."""

    def __init__(self, project: Project):
        self.project = project
        self._environments: dict[str, SandboxedEnvironment] = {}

    def environment(self, clinic: LoadedClinic) -> SandboxedEnvironment:
        if clinic.id not in self._environments:
            base = FileSystemLoader(self.project.templates_dir)
            loaders = [PrefixLoader({"base": base}), base]
            if clinic.template_dir.is_dir():
                loaders.insert(0, FileSystemLoader(clinic.template_dir))
            self._environments[clinic.id] = SandboxedEnvironment(
                loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined
            )
        return self._environments[clinic.id]

    def page(
        self,
        clinic: LoadedClinic,
        handout: LoadedHandout,
        translations: Translations,
        style: PrintStyle | None = None,
    ) -> Page:
        """One page; with style.second, the patient's language alternates with the clinicians'."""
        style = style or PrintStyle()
        lang = translations.lang
        fonts: FontSet = self.project.fonts
        c, meta = clinic.clinic, handout.handout.meta
        strings: list[tuple[str, str]] = [(f"{clinic.shown_as} {key}", str(value)) for key, value in _clinic_strings(c)]
        first_fallback = len(translations.fallbacks)
        main = self._language(clinic, handout, translations, strings)
        second = None
        second_strings: list[tuple[str, str]] = []
        second_fallback = len(style.second.fallbacks) if style.second else 0
        if style.second is not None and style.second.lang != lang:
            second = self._language(clinic, handout, style.second, second_strings)
        title = main["title"] if second is None else f"{main['title']} / {second['title']}"
        font_css = (
            fonts.font_face_css(lang, c.font) + f"\nhtml {{ font-family: {fonts.font_family_css(lang, c.font)}; }}"
        )
        if second is not None:
            font_css += "\n" + fonts.font_face_css(second["lang"], c.font)
            font_css += f"\n.second-language {{ font-family: {fonts.font_family_css(second['lang'], c.font)}; }}"
        body_pt = max(c.body_size, LARGE_PRINT_PT) if style.large_print else c.body_size
        own_section = clinic_section(c, lang)
        if own_section:
            strings += [(f"{clinic.shown_as} clinic_section", text) for text in own_section.texts()]
        context = {
            **main,
            "clinic": c,
            "handout": handout.handout,
            "handout_id": handout.id,
            "base_handout": handout.base.handout if handout.base else None,
            "meta": meta,
            "title": title,
            "approved": format_date(meta.approved, "long", locale=main["locale"]),
            "review_due": format_date(meta.review_due, "long", locale=main["locale"]),
            "created": created_timestamp(meta.approved),
            "logo_url": project_url(self.project.root, clinic.folder / clinic.clinic.logo),
            "font_css": Markup(font_css),
            "safety_sections": Handout.SAFETY_CRITICAL,
            "tool_version": __version__,
            "second": second,
            "large_print": style.large_print,
            "body_pt": body_pt,
            "qr": qr_code(c, handout.id, lang),
            "clinic_section": own_section,
        }
        html = self.environment(clinic).get_template(template_for(handout)).render(context)
        page = Page(
            html=html,
            base_url=project_url(self.project.root, self.project.templates_dir) + "/",
            allowed_dirs=[self.project.templates_dir, self.project.fonts_dir, clinic.folder],
            title=title,
            strings=strings,
            fallbacks=translations.fallbacks[first_fallback:],
            lookups=main["lookups"],
            root=self.project.root,
        )
        if second is not None and style.second is not None:
            page.fallbacks += style.second.fallbacks[second_fallback:]
        check_glyphs(page, fonts, lang, c.font)
        check_text_glyphs(second_strings, fonts, second["lang"] if second else lang, c.font)
        return page

    def _language(
        self, clinic: LoadedClinic, handout: LoadedHandout, translations: Translations, strings: list[tuple[str, str]]
    ) -> dict[str, Any]:
        """The template's functions and facts for one language: t, tb (the base leaflet's texts), _, page_counter."""
        lang = translations.lang
        locale = Locale.parse(lang)
        c = clinic.clinic
        values = {
            "clinic_name": c.name,
            "clinic_phone": c.phone,
            "emergency_number": c.emergency_number,
            "session_minutes": number_range(c.session_minutes, locale),
            "session_count": number_range(c.session_count, locale),
        }
        lookups: list[Lookup] = []  # every catalog entry this language's text used

        def translator(loaded: LoadedHandout) -> Any:
            sources = _source_lines(loaded)

            def t(text: Text) -> Markup:
                found = translations.lookup(loaded.id, text.text, text.context, sources.get(id(text), loaded.shown_as))
                lookups.append(found)
                markup = to_markup(found.text, values, found.origin)
                strings.append((found.origin, plain_text(markup)))
                return markup

            return t

        def gettext(msgid: str, **kwargs: Any) -> Markup:
            found = translations.lookup(COMMON_DOMAIN, msgid, None, f"templates ({msgid!r})")
            lookups.append(found)
            markup = to_markup(found.text, {k: str(v) for k, v in kwargs.items()}, found.origin)
            strings.append((found.origin, plain_text(markup)))
            return markup

        def page_counter(msgid: str) -> Markup:
            found = translations.lookup(COMMON_DOMAIN, msgid, None, f"templates ({msgid!r})")
            lookups.append(found)
            parts = []
            for literal, name, _, _ in _parse_placeholders(found.text, found.origin):
                if literal:
                    parts.append(css_string(literal))
                if name in ("page", "pages"):
                    parts.append(f"counter({name})")
                elif name is not None:
                    raise RenderError(
                        Problem(found.origin, f"unknown placeholder {{{name}}}; use {{page}} and {{pages}}")
                    )
            strings.append((found.origin, found.text))
            return Markup(" ".join(parts))

        t = translator(handout)
        rtl = locale.text_direction == "rtl"
        return {
            "lang": lang,
            "locale": locale,
            "lang_tag": lang.replace("_", "-"),
            "direction": "rtl" if rtl else "ltr",
            "start_side": "right" if rtl else "left",
            "end_side": "left" if rtl else "right",
            "title": plain_text(t(handout.handout.title)),
            "t": t,
            "tb": translator(handout.base) if handout.base else None,
            "_": gettext,
            "page_counter": page_counter,
            "lookups": lookups,
        }


def _source_lines(handout: LoadedHandout) -> dict[int, str]:
    """Where each English text stands in the handout file, keyed by object identity."""
    return {
        id(text): f"{handout.shown_as}:{handout.lines.line_for(path)}" for path, text in iter_texts(handout.handout)
    }


def _clinic_strings(clinic: Any) -> list[tuple[str, str]]:
    out = [("name", clinic.name), ("phone", clinic.phone), ("email", clinic.email), ("website", clinic.website)]
    out += [(format_key(("address", i)), line) for i, line in enumerate(clinic.address)]
    if clinic.footer_text:
        out.append(("footer_text", clinic.footer_text))
    return out


@dataclass(frozen=True)
class ClinicSectionText:
    """The clinic's own section in one language, as written in clinic.yaml (never translated)."""

    heading: str
    paragraphs: list[str]
    lang_tag: str  # the language the text is really in, which may be the fallback
    direction: str  # that language's direction, so French inside an Arabic copy reads left to right

    def texts(self) -> list[str]:
        return [self.heading, *self.paragraphs]


def clinic_section(clinic: Any, lang: str) -> ClinicSectionText | None:
    if clinic.clinic_section is None:
        return None
    heading, _ = clinic.localized(clinic.clinic_section.heading, lang)
    text, text_lang = clinic.localized(clinic.clinic_section.text, lang)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    direction = Locale.parse(text_lang).text_direction
    return ClinicSectionText(heading, paragraphs, text_lang.replace("_", "-"), direction)


def qr_code(clinic: Any, handout_id: str, lang: str) -> dict[str, str] | None:
    """The QR code of the clinic's web page for this handout, as an SVG data URI: drawn here, nothing fetched."""
    if not clinic.handout_url:
        return None
    import segno

    url = clinic.handout_url.replace("{handout}", handout_id).replace("{lang}", lang)
    return {"url": url, "src": segno.make(url, error="m").svg_data_uri(border=0)}


def check_glyphs(page: Page, fonts: FontSet, lang: str, first_font: str | None = None) -> None:
    """Refuse a page with a character no shipped font can draw: never a blank box on paper."""
    check_text_glyphs(page.strings, fonts, lang, first_font)


def check_text_glyphs(strings: list[tuple[str, str]], fonts: FontSet, lang: str, first_font: str | None = None) -> None:
    """(origin, text) pairs in one language; first_font is the clinic's chosen font."""
    problems = []
    for origin, text in strings:
        for char in fonts.uncovered(lang, text, first_font):
            snippet = text if len(text) <= 60 else text[:57] + "..."
            problems.append(
                Problem(
                    origin,
                    f"no font for language {lang!r} has the character {describe_char(char)} in “{snippet}”; "
                    "fix the text or add a font that has it to fonts/fonts.yaml",
                )
            )
    if problems:
        raise RenderError(problems)


def created_timestamp(approved: dt.date) -> str:
    """The PDF's creation date: SOURCE_DATE_EPOCH when set, else the approval date, never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    else:
        moment = dt.datetime.combine(approved, dt.time(), dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- PDF ------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int
    sha256: str = ""


def write_pdf(page: Page, target: Path, origin: str, font_config: Any = None, cache: Any = None) -> PdfResult:
    """Render page to target atomically: a temp file beside it, flushed, renamed into place.

    font_config and cache (WeasyPrint's) may be shared between pages to keep fonts and images warm."""
    options = {"font_config": font_config, "cache": cache}
    data = b""

    def write(document: Any) -> None:
        nonlocal data
        data = document.write_pdf(**PDF_OPTIONS)

    document = _layout(page, origin, write, **options)
    write_atomically(target, data)
    return PdfResult(target, len(document.pages), hashlib.sha256(data).hexdigest())


def count_pages(page: Page, origin: str) -> int:
    """Lay the page out as the PDF would be, without writing it: for the fit check."""
    return len(_layout(page, origin).pages)


def _layout(page: Page, origin: str, then: Callable[[Any], Any] | None = None, **options: Any) -> Any:
    """The laid-out WeasyPrint document; `then` writes it while fetch refusals are still reported."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = make_fetcher(page.allowed_dirs, page.root)
    try:
        document = HTML(string=page.html, base_url=page.base_url, url_fetcher=fetcher).render(**PDF_OPTIONS, **options)
        if then is not None:
            then(document)
    except FatalURLFetchingError as exc:
        url, why = fetcher.refused[-1] if fetcher.refused else (str(exc), OUTSIDE)
        raise RenderError(refusal_problem(url, why, page, origin)) from None
    if fetcher.refused:
        # WeasyPrint draws SVG images leniently and carries on after a refusal: refuse the page anyway.
        raise RenderError(refusal_problem(*fetcher.refused[0], page, origin))
    return document
