"""handouts serve: the live preview, in a real headless browser and over plain HTTP."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from conftest import HANDOUT, ctrl_c_as_at_a_terminal
from handouts.commands.serve import PreviewServer
from i18n_helpers import edit_entry, po_path

TITLE_EN = "Microcurrent therapy for back pain"
TITLE_DE = "Mikrostromtherapie bei Rückenschmerzen"


def get(server: PreviewServer, path: str) -> tuple[int, str, bytes]:
    """A raw GET: the path is sent exactly as written (no .. clean-up as in urllib)."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    result = response.status, response.getheader("Content-Type", ""), response.read()
    connection.close()
    return result


def test_index_lists_every_clinic_language_and_handout(server: PreviewServer) -> None:
    status, _, body = get(server, "/")
    assert status == 200
    for lang in ("de", "ru", "ar", "en"):
        assert f'href="/page/stadtpark/{lang}/{HANDOUT}"' in body.decode()
        assert f'href="/pdf/stadtpark/{lang}/{HANDOUT}.pdf"' in body.decode()


def test_page_uses_the_print_css_and_serves_only_allowed_files(server: PreviewServer) -> None:
    status, _, body = get(server, f"/page/stadtpark/de/{HANDOUT}")
    page = body.decode()
    assert status == 200
    assert TITLE_DE in page
    assert "file://" not in page  # every asset comes from this server
    assert '<base href="/assets/templates/">' in page
    assert '<link rel="stylesheet" href="handout.css">' in page
    assert 'src: url("/assets/fonts/NotoSans-Regular.ttf")' in page
    assert 'src="/assets/clinics/stadtpark/logo.png"' in page
    assert get(server, "/assets/templates/handout.css")[:2] == (200, "text/css")
    assert get(server, "/assets/clinics/stadtpark/logo.png")[:2] == (200, "image/png")
    assert get(server, "/assets/fonts/NotoSans-Regular.ttf")[0] == 200
    for outside in (
        "/assets/handouts/microcurrent-back-pain.yaml",
        "/assets/templates/../handouts/microcurrent-back-pain.yaml",
        "/assets/templates/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/assets/locales/de/LC_MESSAGES/common.po",
        f"/page/stadtpark/pl/{HANDOUT}",  # a language with no catalogs that no clinic offers
    ):
        assert get(server, outside)[0] == 404, outside


def test_a_language_no_clinic_lists_yet_is_previewed_with_a_sample_clinic(server: PreviewServer) -> None:
    status, _, body = get(server, f"/page/stadtpark/fr/{HANDOUT}")  # stadtpark offers no French
    assert status == 200
    assert "Microcourant" in body.decode() or "microcourant" in body.decode()
    assert f'href="/page/stadtpark/fr/{HANDOUT}"' in get(server, "/")[2].decode()


def test_pdf_link_renders_the_pdf(server: PreviewServer) -> None:
    status, content_type, body = get(server, f"/pdf/stadtpark/en/{HANDOUT}.pdf")
    assert (status, content_type) == (200, "application/pdf")
    assert body.startswith(b"%PDF-")


def test_a_broken_catalog_shows_its_problem_instead_of_the_page(project: Path, server: PreviewServer) -> None:
    po_path(project, "de", "common").write_text('msgid "x"\nfoo bar\n')
    status, _, body = get(server, f"/page/stadtpark/de/{HANDOUT}")
    assert status == 200
    page = body.decode()
    assert "The build will not print this" in page
    assert "locales/de/LC_MESSAGES/common.po:2: " in page
    assert "NOT FOR PATIENTS: locales/de/LC_MESSAGES/common.po:2: " in page  # the mark on every printed page
    status, _, pdf = get(server, f"/pdf/stadtpark/de/{HANDOUT}.pdf")
    assert status == 200 and pdf.startswith(b"%PDF-")


def test_saved_translation_appears_in_the_open_page_without_reload(
    project: Path, server: PreviewServer, browser: object
) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def heading(driver: object) -> str:
        return driver.find_element(By.TAG_NAME, "h1").text

    def wait_for_heading(text: str) -> None:
        WebDriverWait(browser, 15, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda driver: heading(driver) == text, f"the page never showed {text!r}"
        )

    browser.get(f"{server.url}page/stadtpark/de/{HANDOUT}")
    wait_for_heading(TITLE_DE)

    # The page updates by itself (nothing here reloads it); how fast depends on the machine's load.
    edit_entry(po_path(project, "de", HANDOUT), TITLE_EN, "Mikrostrom gegen Rückenschmerzen")
    wait_for_heading("Mikrostrom gegen Rückenschmerzen")


def test_ctrl_c_stops_the_server_cleanly(project: Path, tmp_path: Path) -> None:
    """Stopped after drawing a PDF, it leaves nothing in the temporary folder (WeasyPrint's copies of the fonts)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "-C", str(project), "serve", "--port", "0"],
        env={**os.environ, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_as_at_a_terminal,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Previewing on http://127.0.0.1:"), line + process.stderr.read()
        url = line.split()[2]
        with urllib.request.urlopen(f"{url}pdf/stadtpark/de/{HANDOUT}.pdf", timeout=60) as pdf:
            assert pdf.read(5) == b"%PDF-"
        with urllib.request.urlopen(url + "events", timeout=30) as events:  # an open event stream
            assert events.readline() == b"data: 0\n"
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert (process.returncode, err) == (0, "")
    assert out.strip() == "Stopped."
    assert list(temp.iterdir()) == []


def test_the_browser_runs_no_injected_script_and_fetches_nothing_from_outside(
    project: Path, server: PreviewServer, browser: object
) -> None:
    """A template (or anything that reaches the page) with a script and an outside picture: under
    the preview's Content-Security-Policy the browser runs neither and asks the outside for nothing."""
    asked: list[object] = []
    outside = socket.create_server(("127.0.0.1", 0))

    def answer_nothing() -> None:  # take each request, and close it at once
        with contextlib.suppress(OSError):
            while True:
                connection, _ = outside.accept()
                asked.append(connection.getsockname())
                connection.close()

    threading.Thread(target=answer_nothing, daemon=True).start()
    injected = (
        f'<img src="http://127.0.0.1:{outside.getsockname()[1]}/tracker.png" alt="">'
        '<script>document.title = "script ran";</script>'
        '<img src="x" onerror="document.title = \'handler ran\'" alt="">'
    )
    base = project / "templates/base.html"
    base.write_text(base.read_text().replace("{% if not screen %}<footer", injected + "{% if not screen %}<footer", 1))
    try:
        browser.get(f"{server.url}page/stadtpark/de/{HANDOUT}")
        assert TITLE_DE in browser.page_source  # the page itself is shown
        assert browser.title not in ("script ran", "handler ran")
        browser.get(server.url)  # a second page load: whatever the first asked for has been asked
    finally:
        outside.close()
    assert asked == []
