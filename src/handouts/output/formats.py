"""Output formats: each is one entry that turns a rendered page into a file.

A format has a file extension and a `render` (page -> bytes and page count) and
a `measure` (page -> page count, laid out but not written, for `handouts check`).
`screen` pages are drawn for a browser (no embedded fonts; templates see `screen`);
`paged` formats have pages to fit to the sheet; `variant_copies` says whether the
print variants (large print, bilingual) are made in this format too."""

from __future__ import annotations

import base64
import errno
import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

from handouts.errors import Problem, RenderError
from handouts.output import pdfua
from handouts.output.printsafe import ink_problems
from handouts.render.fetch import Page, make_fetcher, refusal_problem
from handouts.sandbox import OUTSIDE, Refused

# Tagged, titled, language-marked PDFs that screen readers can follow; pdfua.py adds
# what WeasyPrint's PDF/UA-1 output lacks (artifacts, language of parts, header scope).
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    # (page, origin, warm) -> (data, pages); warm holds what a worker keeps between jobs.
    render: Callable[[Page, str, dict[str, Any]], tuple[bytes, int]]
    measure: Callable[[Page, str, dict[str, Any]], int]
    screen: bool = False
    paged: bool = True
    variant_copies: bool = True


def _pdf(page: Page, origin: str, warm: dict[str, Any]) -> tuple[bytes, int]:
    data = b""
    pdfua.install()

    def write(document: Any) -> None:
        nonlocal data
        data = document.write_pdf(**PDF_OPTIONS, finisher=pdfua.mark_page_furniture)

    document = layout(page, origin, write, **_warm_options(warm))
    return data, len(document.pages)


def _pdf_pages(page: Page, origin: str, warm: dict[str, Any]) -> int:
    return len(layout(page, origin, **_warm_options(warm)).pages)


def _warm_options(warm: dict[str, Any]) -> dict[str, Any]:
    """WeasyPrint's font configuration and image cache, kept warm between a worker's jobs (one page alone: fresh)."""
    warm = warm or Warm().of("")
    return {"font_config": warm["font_config"], "cache": warm["images"]}


class Warm:
    """What a worker keeps between its jobs, made here only: one WeasyPrint FontConfiguration for
    every job (each @font-face is loaded once), and an image cache per clinic (a cached image is
    not fetched again, so it must not reach another clinic's page)."""

    def __init__(self) -> None:
        self.font_config: Any = None
        self.images: dict[str, ImageCache] = {}

    def of(self, clinic_id: str) -> dict[str, Any]:
        if self.font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            self.font_config = FontConfiguration()
        return {"font_config": self.font_config, "images": self.images.setdefault(clinic_id, ImageCache())}


class ImageCache(dict[str, Any]):
    """WeasyPrint's image cache, keeping decoded raster images (PNG, JPEG) but no SVG images.

    WeasyPrint's SVG image holds on to the whole laid-out page it was first drawn on. Kept, the
    QR code (a new one for each PDF) grew a worker by about 1 MB a PDF (420 MB after 160 PDFs),
    and each clinic's SVG logo by about 1.5 MB a clinic. An SVG is parsed again in milliseconds."""

    def __setitem__(self, key: str, value: Any) -> None:
        from weasyprint.images import SVGImage

        if not isinstance(value, SVGImage):
            super().__setitem__(key, value)


def layout(page: Page, origin: str, then: Callable[[Any], Any] | None = None, **options: Any) -> Any:
    """The laid-out WeasyPrint document; `then` writes it while fetch refusals are still reported."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = make_fetcher(page.sandbox)
    failed = _ImageFailures()
    weasyprint_log = logging.getLogger("weasyprint")
    weasyprint_log.addHandler(failed)
    try:
        document = HTML(string=page.html, base_url=page.base_url, url_fetcher=fetcher).render(**PDF_OPTIONS, **options)
        if not fetcher.refused and (outside := ink_problems(document, origin)):
            raise RenderError(outside)  # ink the printer would cut off: never a page missing its footer
        if then is not None:
            then(document)
    except FatalURLFetchingError as exc:
        url, why = fetcher.refused[-1] if fetcher.refused else (str(exc), OUTSIDE)
        raise RenderError(refusal_problem(url, why, page, origin)) from None
    except OSError as exc:
        if (problem := temp_folder_problem(exc, origin)) is None:
            raise
        raise RenderError(problem) from None
    finally:
        weasyprint_log.removeHandler(failed)
    if fetcher.refused:
        # WeasyPrint draws SVG images leniently and carries on after a refusal: refuse the page anyway.
        raise RenderError(refusal_problem(*fetcher.refused[0], page, origin))
    if failed.messages:
        # WeasyPrint would print the alt text instead of an image it cannot decode: never silently.
        raise RenderError(
            Problem(origin, f"an image could not be drawn ({failed.messages[0][:160]}); fix or replace it")
        )
    return document


def temp_folder_problem(exc: OSError, origin: str) -> Problem | None:
    """WeasyPrint writes each web font it loads into a temporary folder for Fontconfig: a full or
    read-only temporary folder is the machine's to fix, in one line; None for any other OSError."""
    temp = Path(tempfile.gettempdir())
    if not exc.filename or not Path(exc.filename).is_relative_to(temp):
        return None
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = f"the disk of the temporary folder {temp} is full"
    else:
        why = f"the temporary folder {temp} cannot be written ({exc.strerror or exc})"
    return Problem(
        origin, f"{why}, so the fonts could not be prepared; free some space there, or set TMPDIR to another folder"
    )


class _ImageFailures(logging.Handler):
    """Collects WeasyPrint's "Failed to load image" warnings, which it would otherwise only log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "Failed to load" in message or "failed to load" in message:
            self.messages.append(message)


# -- HTML: one self-contained page a patient can read on a phone or with a screen reader ----

# Nothing outside the page is ever loaded, whatever a template asks for: no scripts, no
# network, no other files; styles and images only from inside the page.
# base-uri and form-action do not fall back to default-src: closed by name.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
)
_STYLESHEET = re.compile(r"""<link\s+rel=["']stylesheet["']\s+href=["']([^"']+)["']\s*/?>""", re.I)
# A file the page names (an image's src, a CSS url()): drawn into the page as a data: URI.
_FILE_URL = re.compile(r"""(\bsrc=["']|url\(["']?)(file:[^"'()\s<>]+)""", re.I)
# Where the template's own markup is: a <style> element, or a tag. Text between tags (a
# translation, say one that reads "url(file:...)") is never rewritten.
_MARKUP = re.compile(r"<style\b[^>]*>.*?</style\s*>|<[^>]*>", re.I | re.S)
# What the HTML copy draws into itself, by file type: images, fonts, and stylesheets (by <link>).
INLINED_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


def _html(page: Page, origin: str, warm: dict[str, Any]) -> tuple[bytes, int]:
    return self_contained(page, origin).encode("utf-8"), 0


def self_contained(page: Page, origin: str) -> str:
    """The page with its stylesheets inlined and its images as data: URIs, read through the same
    sandbox as the PDF's (only the project's asset folders), under a policy that loads nothing else."""
    fetcher = make_fetcher(page.sandbox)

    def fetch(url: str, types: dict[str, str]) -> tuple[bytes, str]:
        try:  # refused first as the PDF refuses it: one problem, one line, for both copies
            response = fetcher.fetch(url)
        except Refused:
            raise RenderError(refusal_problem(*fetcher.refused[-1], page, origin)) from None
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
        if suffix not in types:
            why = f"the HTML copy draws in only {', '.join(sorted(types))} files; name one of those or remove it"
            raise RenderError(refusal_problem(url, why, page, origin))
        return response.read(), types[suffix]

    def stylesheet(match: re.Match[str]) -> str:
        data, _ = fetch(urljoin(page.base_url, match[1]), {".css": "text/css"})
        css = data.decode("utf-8", errors="replace")
        if "</" in css:  # could end the <style> element: never in a stylesheet of ours
            raise RenderError(Problem(origin, f"the stylesheet {match[1]!r} contains '</'; remove it"))
        return f"<style>\n{css}</style>"

    def data_uri(match: re.Match[str]) -> str:
        data, content_type = fetch(match[2], INLINED_TYPES)
        return f"{match[1]}data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"

    def in_markup(match: re.Match[str]) -> str:
        return _FILE_URL.sub(data_uri, match[0])

    html = _MARKUP.sub(in_markup, _STYLESHEET.sub(stylesheet, page.html))
    for reference in _references(html):  # anything else a template names: refused as the PDF refuses it
        if not reference.startswith(("data:", "#")):
            fetch(urljoin(page.base_url, reference), INLINED_TYPES)
            raise RenderError(Problem(origin, f"the HTML copy cannot name {reference!r}; name files by src= or url()"))
    policy = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
    head = re.search(r"<head(\s[^>]*)?>", html, re.I)
    if head is None:
        raise RenderError(Problem(origin, "the page template has no <head>; extend base.html"))
    return html[: head.end()] + "\n  " + policy + html[head.end() :]


# Attributes whose value a browser loads (or, for a link, opens): none may leave the page.
_URL_ATTRIBUTES = {"src", "href", "xlink:href", "srcset", "poster", "data", "background", "action", "formaction"}
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+)""", re.I)


class _References(HTMLParser):
    """Every URL in a page: in attributes, in style attributes and in <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value and name in _URL_ATTRIBUTES:
                self.found += (
                    [part.split()[0] for part in value.split(",") if part.strip()] if name == "srcset" else [value]
                )
            elif value and name == "style":
                self.handle_css(value)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.handle_css(data)

    def handle_css(self, css: str) -> None:
        self.found += [match[1] or match[2] for match in _CSS_URL.finditer(css)]


def _references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    parser.close()
    return parser.found


def _html_pages(page: Page, origin: str, warm: dict[str, Any]) -> int:
    self_contained(page, origin)
    return 0


FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format("pdf", ".pdf", _pdf, _pdf_pages),
        Format("html", ".html", _html, _html_pages, screen=True, paged=False, variant_copies=False),
    )
}
