"""A rendered page, and what it may load: the fetcher the output formats lay it out with serves the files
the page's sandbox allows (its folders, inside the project), and nothing else (no network, no other file)."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import url2pathname

from handouts.errors import Problem, display_path
from handouts.i18n.catalogs import Lookup
from handouts.model.project import overlaid
from handouts.sandbox import OUTSIDE, Refused, Sandbox
from handouts.source.images import SvgRefused, asset_bytes

# Pages name project files by URLs under this made-up folder, mapped back by the fetcher, so
# that no absolute path (which ends up in image names) makes a PDF depend on where the project
# or the tool is. A name the project has no file for is the packaged library's file of that
# name (Project.find): the page's stylesheets live under templates/ in either.
PROJECT_URL = "file:///handouts-project/"


def project_url(root: Path, path: Path, library: Path | None = None) -> str:
    """The URL a page uses for a file of the project (or of the packaged library)."""
    for folder in filter(None, (root, library)):
        if path.is_relative_to(folder):
            return PROJECT_URL + quote(path.relative_to(folder).as_posix())
    return path.resolve().as_uri()


def make_fetcher(sandbox: Sandbox) -> Any:
    """A WeasyPrint URL fetcher that reads a page's files through its sandbox (Sandbox.within)."""
    # Imported here so that commands which never render do not load WeasyPrint.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SandboxFetcher(URLFetcher):
        """Serves only the files the sandbox allows; no network, no other files."""

        def __init__(self) -> None:
            super().__init__(fail_on_errors=True, allowed_protocols={"file", "data"})
            self.refused: list[tuple[str, str]] = []  # (url, why)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            named = file_named(url, sandbox)
            try:
                data = self._read(named)
            except Refused as exc:
                self.refused.append((url, str(exc)))
                raise Refused(url) from None
            assert named is not None
            content_type = mimetypes.guess_type(named.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": content_type})

        def _read(self, named: Path | None) -> bytes:
            if named is None:
                raise Refused(OUTSIDE)
            # Resolved last, by the sandbox: whatever a name or a link says, the real file must be in a page folder.
            path = sandbox.asset(named)
            try:
                return asset_bytes(path)
            except SvgRefused as exc:
                raise Refused(f"{display_path(named, sandbox.root)}: {exc}") from None

    return SandboxFetcher()


def file_named(url: str, sandbox: Sandbox) -> Path | None:
    """The file a file: URL names, as the project names it (links not yet followed); None for any other URL."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc:
        return None
    path = Path(url2pathname(parts.path))
    project_path = url2pathname(urlsplit(PROJECT_URL).path)
    if path.is_relative_to(project_path):
        path = overlaid(path.relative_to(project_path).as_posix(), sandbox.root, sandbox.library)
    return path


# Where a template, stylesheet or SVG names another file: only used to say who asked for a refused URL.
_REFERENCE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])([^"'()\s<>{}]+)""", re.I)

_REFERRING_TYPES = {".html", ".htm", ".css", ".svg", ".xml"}


def refusal_problem(url: str, why: str, page: Page, origin: str) -> Problem:
    """The problem for a refused URL, naming the file and line that asked for it where we can find them."""
    sandbox = page.sandbox
    for folder in sandbox.folders:
        for _, path in sandbox.files(folder):
            if path is None or path.suffix.lower() not in _REFERRING_TYPES:
                continue
            own_url = project_url(sandbox.root, path, sandbox.library)
            base = page.base_url if path.suffix.lower() in (".html", ".htm") else own_url
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in _REFERENCE.finditer(text):
                if unquote(urljoin(base, match[1])) == unquote(url):
                    line = text.count("\n", 0, match.start()) + 1
                    resolved = "" if match[1] == url else f" ({url})"
                    shown = display_path(path, sandbox.root)
                    return Problem(shown, f"refused to fetch {match[1]!r}{resolved}: {why}", line)
    return Problem(origin, f"refused to fetch {url} (asked for by a template or stylesheet): {why}")


@dataclass
class Page:
    """A rendered HTML page, plus what the output formats, the gate and the checks need to know."""

    html: str
    base_url: str
    sandbox: Sandbox  # what the page may read: the project's, narrowed to its folders (Sandbox.within)
    title: str
    strings: list[tuple[str, str]] = field(default_factory=list)  # (origin, text) drawn on the page
    lookups: list[Lookup] = field(default_factory=list)  # every catalog entry the page used
    lang: str = "en"
