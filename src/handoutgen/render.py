"""One handout for one clinic in one language: HTML from Jinja2, then PDF from WeasyPrint."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import os
import re
import unicodedata
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
    # "<" as a CSS escape: the string goes inside <style>, which a "</style>" in a translation would end.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ") + '"'


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

    def page(self, clinic: LoadedClinic, handout: LoadedHandout, translations: Translations) -> Page:
        lang = translations.lang
        locale = Locale.parse(lang)
        fonts: FontSet = self.project.fonts
        c, meta = clinic.clinic, handout.handout.meta
        values = {
            "clinic_name": c.name,
            "clinic_phone": c.phone,
            "emergency_number": c.emergency_number,
            "session_minutes": number_range(c.session_minutes, locale),
            "session_count": number_range(c.session_count, locale),
        }
        sources = _source_lines(handout)
        strings: list[tuple[str, str]] = [(f"{clinic.shown_as} {key}", str(value)) for key, value in _clinic_strings(c)]
        first_fallback = len(translations.fallbacks)
        lookups: list[Lookup] = []

        def t(text: Text) -> Markup:
            found = translations.lookup(handout.id, text.text, text.context, sources.get(id(text), handout.shown_as))
            lookups.append(found)
            markup = to_markup(found.text, values, found.origin)
            strings.append((found.origin, plain_text(markup)))
            return markup

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

        title = plain_text(t(handout.handout.title))
        rtl = locale.text_direction == "rtl"
        context = {
            "lang": lang,
            "lang_tag": lang.replace("_", "-"),
            "direction": "rtl" if rtl else "ltr",
            "start_side": "right" if rtl else "left",
            "end_side": "left" if rtl else "right",
            "clinic": c,
            "handout": handout.handout,
            "handout_id": handout.id,
            "meta": meta,
            "title": title,
            "approved": format_date(meta.approved, "long", locale=locale),
            "review_due": format_date(meta.review_due, "long", locale=locale),
            "created": created_timestamp(meta.approved),
            "logo_url": project_url(self.project.root, clinic.folder / clinic.clinic.logo),
            "font_css": Markup(fonts.font_face_css(lang) + f"\nhtml {{ font-family: {fonts.font_family_css(lang)}; }}"),
            "safety_sections": Handout.SAFETY_CRITICAL,
            "tool_version": __version__,
            "t": t,
            "_": gettext,
            "page_counter": page_counter,
        }
        html = self.environment(clinic).get_template(TEMPLATE).render(context)
        page = Page(
            html=html,
            base_url=project_url(self.project.root, self.project.templates_dir) + "/",
            allowed_dirs=[self.project.templates_dir, self.project.fonts_dir, clinic.folder],
            title=title,
            strings=strings,
            fallbacks=translations.fallbacks[first_fallback:],
            lookups=lookups,
            root=self.project.root,
        )
        check_glyphs(page, fonts, lang)
        return page


def _source_lines(handout: LoadedHandout) -> dict[int, str]:
    """Where each English text stands in the handout file, keyed by object identity."""
    return {
        id(text): f"{handout.shown_as}:{handout.lines.line_for(path)}" for path, text in iter_texts(handout.handout)
    }


def _clinic_strings(clinic: Any) -> list[tuple[str, str]]:
    out = [("name", clinic.name), ("phone", clinic.phone), ("email", clinic.email), ("website", clinic.website)]
    out += [(format_key(("address", i)), line) for i, line in enumerate(clinic.address)]
    return out


def check_glyphs(page: Page, fonts: FontSet, lang: str) -> None:
    """Refuse a page with a character no shipped font can draw: never a blank box on paper."""
    problems = []
    for origin, text in page.strings:
        for char in fonts.uncovered(lang, text):
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
    """Render page to target atomically: a temp file beside it, renamed into place.

    font_config and cache (WeasyPrint's) may be shared between pages to keep fonts and images warm."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = make_fetcher(page.allowed_dirs, page.root)
    try:
        document = HTML(string=page.html, base_url=page.base_url, url_fetcher=fetcher).render(
            font_config=font_config, cache=cache
        )
        data = document.write_pdf()
    except FatalURLFetchingError as exc:
        url, why = fetcher.refused[-1] if fetcher.refused else (str(exc), OUTSIDE)
        raise RenderError(refusal_problem(url, why, page, origin)) from None
    if fetcher.refused:
        # WeasyPrint draws SVG images leniently and carries on after a refusal: refuse the page anyway.
        raise RenderError(refusal_problem(*fetcher.refused[0], page, origin))
    write_atomically(target, data)
    return PdfResult(target, len(document.pages), hashlib.sha256(data).hexdigest())
