"""Rendering fetches nothing outside templates/, fonts/ and the clinic's folder, whoever asks.

Every hostile fixture points at /etc/passwd, at ../ paths or at a local HTTP server that
counts requests: each is refused with the file that asked for it, and the server gets none."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from browser import serving
from conftest import HANDOUT, copy_project, pdf_text
from handouts.i18n.catalogs import Translations
from handouts.i18n.extract import COMMON_DOMAIN
from handouts.model.project import Project
from handouts.output.formats import FORMATS
from handouts.render.page import Renderer

TITLE = "Microcurrent therapy for back pain"
OUTPUT = Path("output/stadtpark/{lang}") / f"{HANDOUT}.pdf"

# A clinic template much smaller than the shipped one, so each refusal renders in a moment.
SMALL_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang_tag }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>@page { size: A4; @bottom-right { content: {{ page_counter("Page {page} of {pages}") }}; } }</style>
</head><body>
<h1>{{ t(handout.title) }}</h1>
%s
</body></html>
"""


@dataclass
class Server:
    url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def listening() -> Iterator[Server]:
    """An HTTP server on 127.0.0.1 that answers everything and counts what it is asked: one per module."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(httpd):
        yield Server(f"http://127.0.0.1:{httpd.server_port}", requests)


@pytest.fixture
def server(listening: Server) -> Server:
    """The module's server, its count started afresh for this test."""
    listening.requests.clear()
    return listening


def assert_no_requests(server: Server) -> None:
    assert server.requests == []
    # The server does count: a real request reaches it, so the zero above means something.
    urllib.request.urlopen(f"{server.url}/probe", timeout=5).close()
    assert server.requests == ["/probe"]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """The stadtpark clinic in English and German, with the small clinic template."""
    root = copy_project(tmp_path / "project", ["stadtpark"])
    clinic = root / "clinics/stadtpark/clinic.yaml"
    text = clinic.read_text().replace("languages: [de, ru, ar, en]", "languages: [en, de]")
    # The small template prints only the title: the rest may be English (never the safety text).
    clinic.write_text(text + "min_translated: 0\n")
    set_template(root, "")
    return root


def set_template(root: Path, body: str) -> Path:
    path = root / "clinics/stadtpark/templates/handout.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SMALL_TEMPLATE % body)
    return path


def translate(root: Path, lang: str, domain: str, msgid: str, msgstr: str) -> None:
    path = root / f"locales/{lang}/LC_MESSAGES/{domain}.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    catalog[msgid].string = msgstr
    with path.open("wb") as file:
        write_po(file, catalog)


# -- From a template ------------------------------------------------------------------

TEMPLATE_REFERENCES = [
    ('<img src="file:///etc/passwd" alt="">', "file:///etc/passwd"),
    ('<img src="../../../../../../../../../etc/passwd" alt="">', "../../../../../../../../../etc/passwd"),
    ('<img src="{server}/image.png" alt="">', "{server}/image.png"),
    ('<link rel="stylesheet" href="{server}/style.css">', "{server}/style.css"),
    ('<style>@import url("{server}/import.css");</style>', "{server}/import.css"),
    ('<p style="background: url({server}/background.png)">x</p>', "{server}/background.png"),
    ('<link rel="attachment" href="file:///etc/passwd">', "file:///etc/passwd"),
    ('<a rel="attachment" href="{server}/attachment.txt">attached</a>', "{server}/attachment.txt"),
    ('<svg width="10" height="10"><image href="{server}/svg.png" width="10" height="10"/></svg>', "{server}/svg.png"),
]


@pytest.mark.parametrize(("markup", "asked"), TEMPLATE_REFERENCES, ids=[m for m, _ in TEMPLATE_REFERENCES])
def test_clinic_template_cannot_fetch_outside(small: Path, server: Server, run, markup: str, asked: str) -> None:
    set_template(small, "\n" + markup.format(server=server.url))
    result = run(small, "build", "--handout", HANDOUT, "--lang", "en", "-j", "1")
    assert result.code == 1
    assert (
        f"error: clinics/stadtpark/templates/handout.html:7: refused to fetch {asked.format(server=server.url)!r}"
        in result.err
    )
    assert "only files in templates/, fonts/ and the clinic's own folder can be used" in result.err
    assert "0 built, 0 skipped, 2 failed" in result.out  # the PDF and its HTML copy, the problem listed once
    assert result.err.count("refused to fetch") == 1
    assert not (small / OUTPUT.as_posix().format(lang="en")).exists()
    assert not (small / OUTPUT.with_suffix(".html").as_posix().format(lang="en")).exists()
    assert_no_requests(server)


def test_shared_stylesheet_cannot_import_from_the_network(small: Path, server: Server, run) -> None:
    css = small / "templates/handout.css"
    css.write_text(f'@import url("{server.url}/evil.css");\n' + css.read_text())
    set_template(small, '<link rel="stylesheet" href="handout.css">')
    result = run(small, "build", "--handout", HANDOUT, "--lang", "en", "-j", "1")
    assert result.code == 1
    assert f"error: templates/handout.css:1: refused to fetch '{server.url}/evil.css'" in result.err
    assert_no_requests(server)


# -- From a clinic file -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        (
            "../../etc/passwd",
            "'../../etc/passwd' is outside clinics/stadtpark/; put the logo file in the clinic's folder",
        ),
        ("/etc/passwd", "'/etc/passwd' is outside clinics/stadtpark/; put the logo file in the clinic's folder"),
        ("{server}/logo.png", "is not a file name; put the logo file in the clinic's folder and name it here"),
        ("file:///etc/passwd", "is not a file name; put the logo file in the clinic's folder and name it here"),
    ],
)
def test_clinic_logo_cannot_point_outside(small: Path, server: Server, run, logo: str, message: str) -> None:
    clinic = small / "clinics/stadtpark/clinic.yaml"
    clinic.write_text(clinic.read_text().replace("logo: logo.png", f"logo: {logo.format(server=server.url)}"))
    result = run(small, "build", "--handout", HANDOUT, "--lang", "en", "-j", "1")
    assert result.code == 1
    assert "error: clinics/stadtpark/clinic.yaml:3 logo: " in result.err
    assert message in result.err
    assert_no_requests(server)


def test_svg_logo_cannot_fetch_outside(small: Path, server: Server, run) -> None:
    clinic = small / "clinics/stadtpark/clinic.yaml"
    clinic.write_text(clinic.read_text().replace("logo: logo.png", "logo: logo.svg"))
    (small / "clinics/stadtpark/logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">\n'
        f'  <image href="{server.url}/from-logo.png" width="10" height="10"/>\n'
        "</svg>\n"
    )
    set_template(small, '<img src="{{ logo_url }}" alt="">')
    result = run(small, "build", "--handout", HANDOUT, "--lang", "en", "-j", "1")
    assert result.code == 1
    # Refused when the clinic is loaded, before anything is rendered.
    assert (
        "error: clinics/stadtpark/clinic.yaml:3 logo: logo file 'logo.svg' cannot be used: line 2 of the SVG refers to "
        f"'{server.url}/from-logo.png'; only references inside the SVG (#id) are allowed" in result.err
    )
    assert_no_requests(server)


# -- From a translation --------------------------------------------------------------------

HOSTILE_TRANSLATIONS = [
    '<img src="{server}/translation.png"> Mikrostrom',
    '<img src="file:///etc/passwd"> Mikrostrom',
    "<script>alert(1)</script> Mikrostrom",
    '<strong style="background: url({server}/strong.png)" onclick="x()">Mikrostrom</strong>',
    '<link rel="attachment" href="../../../../etc/passwd"> Mikrostrom',
]


@pytest.mark.parametrize("msgstr", HOSTILE_TRANSLATIONS)
def test_markup_in_a_translation_is_refused(small: Path, server: Server, run, msgstr: str) -> None:
    """The build's translation checks refuse markup the English does not have: English is printed."""
    translate(small, "de", HANDOUT, TITLE, msgstr.format(server=server.url))
    result = run(small, "build", "--handout", HANDOUT, "--lang", "de", "-j", "1")
    assert result.code == 0, result.out
    assert result.err.startswith(f"warning: locales/de/LC_MESSAGES/{HANDOUT}.po:23: ")
    assert "(printed in English)" in result.err.splitlines()[0]
    assert TITLE in " ".join(pdf_text(small / OUTPUT.as_posix().format(lang="de")).split())
    assert_no_requests(server)


def render_german(root: Path, target: Path, domain: str, msgid: str, msgstr: str) -> str:
    """Render with one translation changed in memory, past the build's checks: what the renderer itself lets through."""
    project = Project(root)
    translations = Translations(project.locales_dir, project.root, "de")
    translations.catalog(domain)[msgid].string = msgstr
    page = Renderer(project).page(project.load_clinic("stadtpark"), project.load_handout(HANDOUT), translations)
    data, _ = FORMATS["pdf"].render(page, "test", {})
    target.write_bytes(data)
    return "".join(pdf_text(target).split())


@pytest.fixture
def past_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests hand the renderer what the translation checks would stop, to test the renderer itself."""
    monkeypatch.setattr("handouts.i18n.catalogs.message_errors", lambda catalog, message: [])


@pytest.mark.parametrize("msgstr", HOSTILE_TRANSLATIONS)
def test_markup_reaching_the_renderer_is_printed_as_text(
    small: Path, server: Server, msgstr: str, past_the_checks
) -> None:
    msgstr = msgstr.format(server=server.url)
    text = render_german(small, small / "out.pdf", HANDOUT, TITLE, msgstr)
    assert "".join(msgstr.split()) in text  # every tag and attribute shows as the characters the translator typed
    assert_no_requests(server)


def test_a_translation_cannot_close_the_page_style(small: Path, server: Server, past_the_checks) -> None:
    """The page counter goes inside <style>: a "</style>" in its translation must not end it."""
    msgstr = f'Seite {{page}}</style><img src="{server.url}/counter.png"><style>'
    text = render_german(small, small / "out.pdf", COMMON_DOMAIN, "Page {page} of {pages}", msgstr)
    assert f'Seite1</style><imgsrc="{server.url}/counter.png"><style>' in text
    assert_no_requests(server)


def test_allowed_markup_still_works(small: Path, past_the_checks) -> None:
    msgstr = "<strong>Mikrostrom</strong> bei Rückenschmerzen"
    text = render_german(small, small / "out.pdf", HANDOUT, TITLE, msgstr)
    assert "MikrostrombeiRückenschmerzen" in text
    assert "<strong>" not in text
