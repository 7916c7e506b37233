"""A rendered page, and what it may load: the fetcher the output formats lay it out with serves files from
the page's allowed folders inside the project, and nothing else (no network, no other file)."""

from __future__ import annotations

import mimetypes
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import url2pathname

from handouts.errors import Problem, display_path
from handouts.i18n.catalogs import Lookup
from handouts.model.project import overlaid
from handouts.sandbox import Sandbox
from handouts.source.images import SvgRefused, asset_bytes


class FetchRefused(Exception):
    """A document asked for something outside the project's asset folders."""


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


OUTSIDE = "only files in templates/, fonts/ and the clinic's own folder can be used; nothing else is fetched"


def make_fetcher(
    allowed: list[Path], root: Path | None = None, library: Path | None = None, sandbox: Sandbox | None = None
) -> Any:
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
            named = self._named(url)
            try:
                data = self._read(named)
            except FetchRefused as exc:
                self.refused.append((url, str(exc)))
                raise FetchRefused(url) from None
            assert named is not None
            content_type = mimetypes.guess_type(named.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": content_type})

        def _named(self, url: str) -> Path | None:
            """The file a file: URL names, as the project names it (links not yet followed)."""
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc:
                return None
            path = Path(url2pathname(parts.path))
            project_path = url2pathname(urlsplit(PROJECT_URL).path)
            if root is not None and path.is_relative_to(project_path):
                path = overlaid(path.relative_to(project_path).as_posix(), root, library)
            return path

        def _named_inside(self, named: Path) -> bool:
            """Is the file named (links not followed) in an allowed folder?"""
            return any(Path(os.path.abspath(named)).is_relative_to(folder) for folder in allowed)

        def _read(self, named: Path | None) -> bytes:
            if named is None:
                raise FetchRefused(OUTSIDE)
            # Resolved last: whatever a name or a link says, the real file must be in an allowed folder
            # and inside the project (an allowed folder may itself be a link that leads elsewhere).
            path = named.resolve()
            in_allowed = any(folder in path.parents for folder in self.allowed)
            outside = sandbox.problem(named) if sandbox is not None else None
            if outside is not None and (in_allowed or self._named_inside(named)):
                raise FetchRefused(f"{outside.file}: {outside.message}")  # names the link
            if not in_allowed:
                raise FetchRefused(OUTSIDE)
            if not path.is_file():
                raise FetchRefused("no such file")
            try:
                return asset_bytes(path)
            except SvgRefused as exc:
                raise FetchRefused(f"{display_path(named, root) if root else named}: {exc}") from None

    return SandboxFetcher()


# Where a template, stylesheet or SVG names another file: only used to say who asked for a refused URL.
_REFERENCE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])([^"'()\s<>{}]+)""", re.I)

_REFERRING_TYPES = {".html", ".htm", ".css", ".svg", ".xml"}


def refusal_problem(url: str, why: str, page: Page, origin: str) -> Problem:
    """The problem for a refused URL, naming the file and line that asked for it where we can find them."""
    for folder in page.allowed_dirs:
        for _, path in _files(folder, page.sandbox):
            if path is None or path.suffix.lower() not in _REFERRING_TYPES:
                continue
            own_url = project_url(page.root, path, page.library) if page.root else path.resolve().as_uri()
            base = page.base_url if path.suffix.lower() in (".html", ".htm") else own_url
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in _REFERENCE.finditer(text):
                if unquote(urljoin(base, match[1])) == unquote(url):
                    shown = display_path(path, page.root) if page.root else str(path)
                    line = text.count("\n", 0, match.start()) + 1
                    resolved = "" if match[1] == url else f" ({url})"
                    return Problem(shown, f"refused to fetch {match[1]!r}{resolved}: {why}", line)
    return Problem(origin, f"refused to fetch {url} (asked for by a template or stylesheet): {why}")


def _files(folder: Path, sandbox: Sandbox | None) -> list[tuple[str, Path | None]]:
    """Files under folder; never across a link that leaves the project (a folder may be such a link)."""
    if sandbox is not None:
        return list(sandbox.files(folder))
    return [(p.relative_to(folder).as_posix(), p) for p in sorted(folder.rglob("*")) if p.is_file()]


@dataclass
class Page:
    """A rendered HTML page, plus what the output formats, the gate and the checks need to know."""

    html: str
    base_url: str
    allowed_dirs: list[Path]
    title: str
    strings: list[tuple[str, str]] = field(default_factory=list)  # (origin, text) drawn on the page
    lookups: list[Lookup] = field(default_factory=list)  # every catalog entry the page used
    root: Path | None = None  # the project folder, to show file names as the user knows them
    library: Path | None = None  # the packaged library, for files the project has none of its own
    lang: str = "en"
    sandbox: Sandbox | None = None  # the project's: no file outside it is read, whatever links say
