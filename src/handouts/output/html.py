"""The HTML format: one self-contained page a patient can read on a phone or with a screen reader."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

from handouts.errors import Problem, RenderError
from handouts.render.fetch import Page, make_fetcher, refusal_problem
from handouts.sandbox import Refused

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


def render(page: Page, origin: str, warm: dict[str, Any]) -> tuple[bytes, int]:
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


def measure(page: Page, origin: str, warm: dict[str, Any]) -> int:
    self_contained(page, origin)
    return 0
