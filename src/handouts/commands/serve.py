"""`handouts serve`: a live preview of every clinic × language × handout.

Each page is planned, refused and rendered as the build does it (plan.py, then
render_job.JobRenderer): the HTML the PDF is made from, styled with the print CSS.
Its file:// URLs (fonts, logo, stylesheet) are mapped to /assets/..., which
serves what the page's Sandbox lets the PDF renderer read, and nothing else.
A watcher bumps a version number whenever a catalog, handout, template or clinic
file is saved; pages listen on /events (server-sent events) and reload
themselves when it changes. Standard library HTTP server; watchfiles watches.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import hashlib
import html
import ipaddress
import mimetypes
import select
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from handouts import log
from handouts.errors import HandoutsError, Problem
from handouts.model.project import Project, languages_in
from handouts.pipeline.jobs import BuildOptions, Job, Sources
from handouts.pipeline.plan import load, not_offered_lines, plan, refuse_before_rendering, without_catalog
from handouts.pipeline.render_job import JobRenderer, domains_of, translations_for
from handouts.render.fetch import PROJECT_URL, Page
from handouts.sandbox import Refused, Sandbox
from handouts.source.images import SvgRefused, asset_bytes
from handouts.source.languages import language_tag

WATCHED_SUFFIXES = {".po", ".yaml", ".yml", ".html", ".css", ".svg", ".png", ".jpg", ".jpeg"}
# The copy a page previews: the standard one, as a PDF (its variants are the build's business).
PREVIEW_OPTIONS = BuildOptions(switches=(("bilingual", False),), formats=("pdf",))
EVENT_POLL_SECONDS = 0.5  # how often an open event stream notices a change or a shutdown

# The one script a page runs, allowed by its hash (the version it has seen is in an attribute, so
# the text, and the hash, never change). Nothing else in a page may run or load from elsewhere.
LIVE_JS = """
(() => {
  const seen = document.currentScript.dataset.seen;
  const events = new EventSource("/events");
  events.onmessage = (event) => { if (event.data !== seen) { events.close(); location.reload(); } };
})();
"""
LIVE_SCRIPT = '<script data-seen="%s">' + LIVE_JS + "</script>"
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'sha256-{base64.b64encode(hashlib.sha256(LIVE_JS.encode()).digest()).decode()}'",
        "style-src 'self' 'unsafe-inline'",  # the print CSS and the page's own style attributes
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",  # the live-reload events
        "base-uri 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
LOOPBACK = "127.0.0.1"
# On screen, a page-wide column like the printed page; print rules are unchanged.
SCREEN_CSS = "<style>@media screen { body { max-width: 190mm; margin: 0 auto; padding: 0 1em 2em; } }</style>"
HTML_TYPE = "text/html; charset=utf-8"
BAR_STYLE = (
    "position:sticky;top:0;z-index:9;margin:0 0 1em;padding:.4em .8em;font:14px/1.4 sans-serif;"
    "background:#222;color:#fff;direction:ltr;text-align:left"
)


class ChangeWatcher:
    """Counts saves of the project's source files; waiters wake on each one."""

    def __init__(self, project: Project):
        # The project's own folders (the packaged library changes only when the tool is upgraded).
        folders = [project.locales_dir, project.handouts_dir, project.templates_dir, project.clinics_dir]
        self.folders = [f for f in folders if project.sandbox.allows(f)]  # never a linked folder's disk
        self.version = 0
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="handouts-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        if self._thread.ident is not None:  # never started when the server could not listen
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        from watchfiles import watch

        folders = [str(f) for f in self.folders if f.is_dir()]
        # A short debounce: the page must update within a second of a save.
        for _ in watch(
            *folders, watch_filter=_is_source, debounce=150, step=50, stop_event=self.stopping, yield_on_timeout=False
        ):
            with self.changed:
                self.version += 1
                self.changed.notify_all()

    def wait_for_change(self, seen: int) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen or self.stopping.is_set(), timeout=EVENT_POLL_SECONDS)
            return self.version


def _is_source(change: object, path: str) -> bool:
    return Path(path).suffix.lower() in WATCHED_SUFFIXES


class Preview:
    """Builds the preview's pages from the files on disk, fresh for every request."""

    def __init__(self, project: Project, watcher: ChangeWatcher):
        self.project = project
        self.watcher = watcher

    def sandbox(self) -> Sandbox:
        """The project's sandbox, for the files of every page the preview shows: each clinic's and
        each handout's own folder on top of the shared ones."""
        project = self.project
        handouts = [*project.handouts_dir.glob("*/"), *project.library.handouts.glob("*/")]
        own = [*project.clinics_dir.glob("*/"), *(p for p in handouts if p.is_dir())]
        return project.sandbox.within([*project.asset_folders(), *own])

    def asset(self, relative: str) -> Path | None:
        """A file the PDF renderer could read too (the project's own, else the packaged one of
        that name); None for anything else."""
        try:
            return self.sandbox().asset(self.project.find(relative))
        except Refused:
            return None

    def map_urls(self, page: Page) -> str:
        """Point the page's file:// URLs at /assets/ on this server."""
        text = page.html.replace(PROJECT_URL, "/assets/")  # project files, named relative to the project
        for folder in page.sandbox.folders:
            for root in (self.project.root, self.project.library.root):
                if folder.is_relative_to(root):
                    served = "/assets/" + folder.relative_to(root).as_posix() + "/"
                    for form in {folder, folder.resolve()}:
                        text = text.replace(form.as_uri() + "/", served)
                    break
        base = '<base href="/assets/templates/">'
        return text.replace("<head>", "<head>\n  " + base, 1).replace("</head>", SCREEN_CSS + "\n</head>", 1)

    def _planned(self, clinic_id: str, lang: str, handout_id: str) -> tuple[JobRenderer, Job, str | None]:
        """The build's own plan and render path, for one page: loaded, refused and rendered as the
        build would. A page the build does not make (a language no clinic lists yet, with
        catalogs, previewed with this clinic as a sample) is shown too, with the reason it is left out."""
        if clinic_id not in self.project.clinic_ids() or handout_id not in self.project.handout_ids():
            raise LookupError(f"{clinic_id}/{lang}/{handout_id}")
        sources = load(self.project, [clinic_id], [handout_id])
        refuse_before_rendering(self.project, sources, [handout_id], expired_on=dt.date.today())
        clinic = sources.clinics.get(clinic_id)
        listed = clinic is None or lang in clinic.clinic.languages  # a broken clinic shows its problems
        if not listed and lang not in preview_languages(self.project):
            raise LookupError(f"{clinic_id}/{lang}/{handout_id}")
        sources.translations = translations_for(self.project, [lang], domains_of(sources))
        job = Job(clinic_id, lang, handout_id)
        left_out = None if clinic is None else self._left_out(sources, job, listed)
        return JobRenderer(self.project, sources), job, left_out

    def _left_out(self, sources: Sources, job: Job, listed: bool) -> str | None:
        """Why the build makes no such page, or None when it plans it."""
        tag = language_tag(job.lang)
        if not listed:
            return f"{job.clinic_id} does not list {tag!r} in clinic.yaml languages: previewed as a sample"
        planned = plan(sources, [job.clinic_id], [job.lang], [job.handout_id], PREVIEW_OPTIONS)
        if job not in planned:
            where = "clinic.yaml handouts, or the handout's meta.status or meta.languages"
            return f"{job.clinic_id} does not offer this handout in {tag!r} ({where})"
        kept, not_offered = without_catalog(self.project, planned)
        return None if job in kept else not_offered_lines(self.project, not_offered)[0]

    def page(self, clinic_id: str, lang: str, handout_id: str) -> str:
        version = self.watcher.version  # read before rendering: a save during it still reloads
        pdf = link("pdf", clinic_id, lang, f"{handout_id}.pdf")
        try:
            render, job, left_out = self._planned(clinic_id, lang, handout_id)
            page, decision = render.page(job, mark_refused=True)
        except HandoutsError as exc:
            return error_page(f"{clinic_id}/{lang}/{handout_id}", exc.problems, version)
        bar = (
            f'<nav class="handouts-preview" style="{BAR_STYLE}"><a style="color:#fff" href="/">All handouts</a>'
            f" · {html.escape(clinic_id)}/{html.escape(lang)}/{html.escape(handout_id)}"
            f' · <a style="color:#fff" href="{pdf}">PDF</a>'
        )
        if left_out is not None:
            bar += f"<div>The build does not make this page: {html.escape(left_out)}</div>"
        if decision.refused:
            problems = list(decision.refused)
            noun = "problem" if len(problems) == 1 else "problems"
            bar += f"<div>The build will not print this ({len(problems)} {noun}):</div>" + _problem_list(problems)
        elif decision.warnings:
            bar += f" · {len(decision.warnings)} texts are not translated yet and show in English"
        bar += "</nav>"
        text = self.map_urls(page)
        body_end = text.index(">", text.index("<body")) + 1
        text = text[:body_end] + bar + text[body_end:]
        return text.replace("</body>", LIVE_SCRIPT % version + "\n</body>", 1)

    def pdf(self, clinic_id: str, lang: str, handout_id: str) -> bytes:
        """The PDF as the build would make it; one the build refuses is marked "not for patients"."""
        render, job, _ = self._planned(clinic_id, lang, handout_id)
        return render.marked_file(job)

    def index(self) -> str:
        version = self.watcher.version
        rows = []
        handout_ids = self.project.handout_ids()
        sources = load(self.project, self.project.clinic_ids(), [])
        for clinic_id in self.project.clinic_ids():
            if broken := sources.broken_clinics.get(clinic_id):
                rows.append(f"<h2>{html.escape(clinic_id)}</h2>" + _problem_list(broken.problems))
                continue
            clinic = sources.clinics[clinic_id]
            rows.append(f"<h2>{html.escape(clinic.clinic.name)} <small>({html.escape(clinic_id)})</small></h2><ul>")
            extra = [lang for lang in preview_languages(self.project) if lang not in clinic.clinic.languages]
            for lang in [*clinic.clinic.languages, *extra]:
                for handout_id in handout_ids:
                    page, pdf = (
                        link("page", clinic_id, lang, handout_id),
                        link("pdf", clinic_id, lang, f"{handout_id}.pdf"),
                    )
                    rows.append(
                        f'<li><a href="{page}">{html.escape(lang)} · {html.escape(handout_id)}</a>'
                        f' (<a href="{pdf}">PDF</a>)</li>'
                    )
            rows.append("</ul>")
        return _document("handouts preview", "<h1>handouts preview</h1>" + "".join(rows), version)


def link(*parts: str) -> str:
    """A link to this server, each part (a clinic, language or handout name: folder and file
    names, so anything) percent-encoded and the whole escaped for an HTML attribute."""
    return html.escape("/" + "/".join(quote(part, safe="") for part in parts))


def _problem_list(problems: list[Problem]) -> str:
    return "<ul>" + "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems) + "</ul>"


def _document(title: str, body: str, version: int) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body style="font-family:sans-serif">{body}{LIVE_SCRIPT % version}</body></html>'
    )


def error_page(name: str, problems: list[Problem], version: int) -> str:
    body = f"<h1>{html.escape(name)} cannot be shown</h1><p>Fix these and save; this page reloads by itself.</p>"
    return _document(f"Problems: {name}", body + _problem_list(problems), version)


def preview_languages(project: Project) -> list[str]:
    """Languages with catalogs, the project's or the library's (a clinic may not list them yet)."""
    return languages_in(project.locale_dirs)[1:]  # English is the source: a clinic lists it or not


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer

    def do_GET(self) -> None:
        with contextlib.suppress(ConnectionError):  # the browser went away (a page left, a reload)
            self._answer()

    def _answer(self) -> None:
        if not self.server.host_allowed(self.headers.get("Host", "")):
            # Another site's page, its name pointed at this machine (DNS rebinding): not ours to answer.
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST)
            return
        path = unquote(urlsplit(self.path).path, errors="replace")
        if not path.isprintable() or "\\" in path:  # NUL, newlines, other controls: never a name we serve
            self.send_error(HTTPStatus.BAD_REQUEST)
            return
        try:
            self._route(path)
        except ConnectionError:
            raise
        except (LookupError, OSError, ValueError, SvgRefused):  # no such page, or a name no file can have
            self.send_error(HTTPStatus.NOT_FOUND)
        except HandoutsError as exc:
            self._send(error_page(path, exc.problems, self.server.preview.watcher.version).encode(), HTML_TYPE)

    def _route(self, path: str) -> None:
        preview = self.server.preview
        parts = path.strip("/").split("/")
        if path == "/":
            self._send(preview.index().encode(), HTML_TYPE)
        elif path == "/events":
            self._events()
        elif parts[0] == "page" and len(parts) == 4:
            self._send(preview.page(*parts[1:]).encode(), HTML_TYPE)
        elif parts[0] == "pdf" and len(parts) == 4 and parts[3].endswith(".pdf"):
            self._send(preview.pdf(parts[1], parts[2], parts[3].removesuffix(".pdf")), "application/pdf")
        elif parts[0] == "assets" and (asset := preview.asset("/".join(parts[1:]))):
            content_type = mimetypes.guess_type(asset.name)[0] or "application/octet-stream"
            self._send(asset_bytes(asset), content_type)  # an SVG sanitised, as the PDF draws it
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def end_headers(self) -> None:
        # On every answer, errors and pictures too (an SVG opened on its own is a page that could run script).
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: the current version now, then each new one, until the browser
        closes the stream or the server stops."""
        watcher = self.server.preview.watcher
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = None
        while not watcher.stopping.is_set() and not self._browser_gone():
            version = watcher.version if seen is None else watcher.wait_for_change(seen)
            if version != seen:
                self.wfile.write(f"data: {version}\n\n".encode())
                self.wfile.flush()
                seen = version

    def _browser_gone(self) -> bool:
        """True once the browser has closed the connection: after its request it sends nothing,
        so the socket turns readable only when it closes (reading then gives nothing)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the terminal is for problems and the URL


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, project: Project, host: str = LOOPBACK, port: int = 0):
        self.preview = Preview(project, ChangeWatcher(project))
        super().__init__((host, port), Handler)
        self.host = host
        self.preview.watcher.start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def host_allowed(self, header: str) -> bool:
        """Whether a request's Host header names this server: the address it listens on (or
        localhost); any, when it listens on every interface and so has no one name."""
        if self.host in ("", "0.0.0.0", "::"):
            return True
        name = urlsplit(f"//{header}").hostname or ""
        return name in {"localhost", "127.0.0.1", "::1", self.host.strip("[]").lower()}

    def handle_error(self, request: object, client_address: object) -> None:
        """A request that failed outside do_GET (a reset before the request line was read): quiet
        for a browser that went away, one line for anything else, never a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            log.warning(f"a preview request failed ({type(error).__name__}: {error})")

    def server_close(self) -> None:
        self.preview.watcher.stop()
        super().server_close()


def serve(project: Project, host: str = LOOPBACK, port: int = 8000) -> None:
    """Serve until Ctrl-C; on this machine only unless told another address."""
    where = f"cannot listen on {host}:{port}"
    if not 0 <= port <= 65535:
        raise HandoutsError(Problem(where, "that is not a port number; pass --port with one from 1024 to 65535"))
    try:
        server = PreviewServer(project, host, port)
    except OSError as exc:
        raise HandoutsError(Problem(where, _listen_problem(exc))) from None
    log.result(f"Previewing on {server.url} (press Ctrl-C to stop)")
    if not is_loopback(host):
        log.warning(f"--host {host}: every machine that reaches this address can read the preview and its files")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.result("Stopped.")  # with the address it said: the session, on stdout
    finally:
        server.server_close()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: wherever it points
        return False


def _listen_problem(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "the port is in use; pass --port with a free one, e.g. --port 8001"
    if exc.errno == errno.EACCES:
        return "this port needs special rights; pass --port with one from 1024 to 65535"
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return "no such address on this machine; pass --host 127.0.0.1"
    return f"{exc.strerror or exc}; pass --port with another port"
