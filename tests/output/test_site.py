"""The handout library and the HTML copies: opened from disk in a real headless browser,
checked for accessibility with axe-core, and the QR code read back with a real decoder."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest

from conftest import REPO, copy_project, pdf_reader, pdf_text
from handouts.cli import main
from handouts.model.project import Project
from handouts.pipeline.build import build as build_project
from handouts.pipeline.jobs import BuildOptions, Job
from handouts.pipeline.layout import output_path
from handouts.pipeline.site import language_choice
from i18n_helpers import edit_entry, po_path
from browser import CHROME_FLAGS, find_browser, serving

HANDOUT = "microcurrent-screening-form"  # two pages: quick to print in every copy
FIGURES = "tens-at-home"  # a figure and a table, built as HTML only
SITE_URL = "https://physio-stadtpark.example/handouts/"
AXE = REPO / ".venv" / "node_modules" / "axe-core" / "axe.min.js"
TITLE_EN = "Before your first session: safety check for microcurrent therapy"
PACKET = "first-visit"


def build(project: Path, *args: str) -> int:
    return main(["-C", str(project), "build", "--handout", HANDOUT, "--lang", "ar", "--lang", "de", "-j", "1", *args])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stadtpark (main language German) with a web copy at SITE_URL: Arabic and German, with
    large-print and bilingual copies, and a packet of the screening form."""
    project = copy_project(tmp_path_factory.mktemp("site") / "project", ["stadtpark"])
    with (project / "clinics/stadtpark/clinic.yaml").open("a") as clinic:
        clinic.write(f"site_url: {SITE_URL}\npackets:\n  {PACKET}: [{HANDOUT}]\n")
    assert build(project, "--large-print", "--bilingual") == 0
    assert build_project(Project(project), figures_in_html()).ok
    return project


def figures_in_html() -> BuildOptions:
    return BuildOptions(handouts=(FIGURES,), langs=("ar", "de"), formats=("html",), jobs=1)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    chromium, driver_path = find_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in [*CHROME_FLAGS, f"--user-data-dir={profile}", "--window-size=420,900"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    yield driver
    driver.quit()


def manifest(project: Path) -> dict[str, dict]:
    data = json.loads((project / "output/manifest.json").read_text())
    return {entry["path"]: entry for entry in data["pdfs"]}


def link_path(element: object) -> Path:
    """The file a link on a page opened from disk points to."""
    url = element.get_attribute("href")
    assert url.startswith("file://"), url
    return Path(url2pathname(urlsplit(url).path))


def test_library_from_disk_arabic_by_its_native_name(built: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By

    title_ar = manifest(built)[f"stadtpark/ar/{HANDOUT}.pdf"]["title"]
    assert title_ar and any("\u0600" <= char <= "\u06ff" for char in title_ar)

    browser.get((built / "output/index.html").as_uri())
    browser.find_element(By.LINK_TEXT, "Physiotherapie am Stadtpark").click()
    # The picker: each language in its own script, then in the clinic's main language (German).
    choices = {a.text.strip(): a for a in browser.find_elements(By.CSS_SELECTOR, "a.choice")}
    assert set(choices) == {"Deutsch", "العربية — Arabisch"}
    assert browser.find_element(By.TAG_NAME, "h2").text == "Wählen Sie Ihre Sprache"
    choices["العربية — Arabisch"].click()

    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    heading = browser.find_element(By.CSS_SELECTOR, f"#{HANDOUT} h2 .title")
    assert heading.text == title_ar
    assert browser.find_element(By.TAG_NAME, "h1").text == "نشرات للمرضى"
    # Laid out right to left: the title ends at the right edge of the page's column.
    body = browser.find_element(By.TAG_NAME, "main").rect
    assert heading.rect["x"] + heading.rect["width"] == pytest.approx(body["x"] + body["width"], abs=2)
    # Version and review date in Arabic, a print button, and each copy.
    facts = browser.find_element(By.CSS_SELECTOR, f"#{HANDOUT} .facts").text
    assert "الإصدار 1.0" in facts and "تاريخ المراجعة" in facts
    assert browser.find_element(By.CSS_SELECTOR, f"#{HANDOUT} a.print").text == "طباعة"
    links = browser.find_elements(By.CSS_SELECTOR, f"#{HANDOUT} a.copy")
    copies = {a.get_attribute("class").split()[-1]: a for a in links}
    assert list(copies) == ["copy-pdf", "copy-large-print", "copy-bilingual", "copy-html"]

    pdf = link_path(copies["copy-pdf"])
    assert pdf == built / f"output/stadtpark/ar/{HANDOUT}.pdf"
    reader = pdf_reader(pdf)  # a valid PDF, in Arabic
    assert reader.trailer["/Root"]["/Lang"] == "ar" and len(reader.pages) >= 1
    assert "طباعة" not in pdf_text(pdf) and any("\u0600" <= char <= "\u06ff" for char in pdf_text(pdf))
    assert link_path(copies["copy-large-print"]).name == f"{HANDOUT}-large-print.pdf"
    assert link_path(copies["copy-bilingual"]).name == f"{HANDOUT}-bilingual.pdf"

    copies["copy-html"].click()
    assert browser.current_url.endswith(f"/stadtpark/ar/{HANDOUT}.html")
    html = browser.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert browser.find_element(By.TAG_NAME, "h1").text == title_ar


def test_each_title_shows_beside_it_the_clinic_main_language_title(built: Path, browser: object) -> None:
    """A German receptionist on the Arabic page reads each handout's German title under its Arabic one."""
    from selenium.webdriver.common.by import By

    titles = manifest(built)
    title_ar, title_de = (titles[f"stadtpark/{lang}/{HANDOUT}.pdf"]["title"] for lang in ("ar", "de"))
    assert title_de.startswith("Vor Ihrer ersten")
    browser.get((built / "output/stadtpark/ar/index.html").as_uri())
    heading = browser.find_element(By.CSS_SELECTOR, f"#{HANDOUT} h2")
    main_title = heading.find_element(By.CSS_SELECTOR, ".main-title")
    assert heading.find_element(By.CSS_SELECTOR, ".title").text == title_ar
    assert (main_title.text, main_title.get_attribute("lang")) == (title_de, "de")
    assert main_title.get_attribute("dir") == "ltr"
    # Read in the patient's language first, the clinic's below it, both at the right edge.
    title_box, main_box = heading.find_element(By.CSS_SELECTOR, ".title").rect, main_title.rect
    assert main_box["y"] >= title_box["y"] + title_box["height"] - 1
    assert main_box["x"] + main_box["width"] == pytest.approx(title_box["x"] + title_box["width"], abs=2)
    # On the main language's own page, the title stands alone.
    browser.get((built / "output/stadtpark/de/index.html").as_uri())
    assert browser.find_element(By.CSS_SELECTOR, f"#{HANDOUT} h2").text == title_de
    assert browser.find_elements(By.CSS_SELECTOR, ".main-title") == []


def test_packets_are_listed_with_their_handouts_version_and_review_date(built: Path, browser: object) -> None:
    from selenium.webdriver.common.by import By

    entries = manifest(built)
    title_ar, title_de = (entries[f"stadtpark/{lang}/{HANDOUT}.pdf"]["title"] for lang in ("ar", "de"))
    version = entries[f"stadtpark/ar/{HANDOUT}.pdf"]["version"]
    assert entries[f"stadtpark/ar/packets/{PACKET}.pdf"]["packet"] == [HANDOUT]

    # The language's page: the packet, its handouts in Arabic and German, version, review date, print.
    browser.get((built / "output/stadtpark/ar/index.html").as_uri())
    packet = browser.find_element(By.ID, f"packet-{PACKET}")
    assert packet.find_element(By.TAG_NAME, "h3").text == PACKET
    assert browser.find_element(By.CSS_SELECTOR, "h2.packets-heading").text != "Patient packets"  # in Arabic
    (item,) = packet.find_elements(By.CSS_SELECTOR, "ol.contents > li")
    assert item.find_element(By.CSS_SELECTOR, ".title").text == title_ar
    assert item.find_element(By.CSS_SELECTOR, ".main-title").text == title_de
    assert f"الإصدار {version}" in item.text
    assert "تاريخ المراجعة" in packet.find_element(By.CSS_SELECTOR, ".facts").text
    printed = packet.find_element(By.CSS_SELECTOR, "a.print")
    assert link_path(printed) == built / f"output/stadtpark/ar/packets/{PACKET}.pdf"
    assert pdf_reader(link_path(printed)).trailer["/Root"]["/Lang"] == "ar"

    # The clinic's page, in German: the packet's handouts and a copy per language.
    browser.get((built / "output/stadtpark/index.html").as_uri())
    packet = browser.find_element(By.ID, f"packet-{PACKET}")
    assert browser.find_element(By.CSS_SELECTOR, "h2.packets-heading").text == "Patientenmappen"
    (item,) = packet.find_elements(By.CSS_SELECTOR, "ol.contents > li")
    assert title_de in item.text and f"Version {version}" in item.text
    copies = {a.text.strip(): link_path(a) for a in packet.find_elements(By.CSS_SELECTOR, "a.copy-packet")}
    assert copies == {
        "Deutsch": built / f"output/stadtpark/de/packets/{PACKET}.pdf",
        "العربية — Arabisch": built / f"output/stadtpark/ar/packets/{PACKET}.pdf",
    }
    assert all("Nächste Überprüfung" in li.text for li in packet.find_elements(By.CSS_SELECTOR, ".packet-copies li"))


def test_library_works_from_a_web_server(built: Path, browser: object) -> None:
    """The same pages served over HTTP (loopback): every link the front desk follows resolves."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    from urllib.request import urlopen

    from selenium.webdriver.common.by import By

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(built / "output")))
    with serving(server):
        root = f"http://127.0.0.1:{server.server_address[1]}/"
        browser.get(root)
        browser.find_element(By.LINK_TEXT, "Physiotherapie am Stadtpark").click()
        packet_links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.copy-packet")]
        browser.find_element(By.PARTIAL_LINK_TEXT, "العربية").click()
        assert browser.current_url == f"{root}stadtpark/ar/index.html"
        links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a")]
        assert f"{root}stadtpark/ar/packets/{PACKET}.pdf" in links and f"{root}stadtpark/ar/{FIGURES}.html" in links
        assert all(link.startswith(root) for link in [*links, *packet_links])
        for link in {*links, *packet_links}:
            with urlopen(link, timeout=30) as response:
                assert response.status == 200, link
                assert response.read(5) in (b"%PDF-", b"<!DOC"), link


def test_html_page_is_self_contained_and_structured(built: Path) -> None:
    page = (built / f"output/stadtpark/de/{FIGURES}.html").read_text()
    assert '<html lang="de" dir="ltr">' in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page.replace("&#39;", "'")
    assert "file:" not in page and "<link" not in page and "<script" not in page
    assert "@font-face" not in page  # the reader's own fonts: nothing to download
    for tag in ("<h1>", "<h2>", "<ul>", "<ol", "<table", '<th scope="col">', "<figure", 'role="img" aria-label='):
        assert tag in page, tag
    assert 'src="data:image/' in page  # the logo, drawn into the page
    assert "@media print" in page and "@media screen" in page


def test_html_pages_pass_axe_in_ltr_and_rtl(built: Path, browser: object) -> None:
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed ({AXE}); `make test` installs it")
    script = AXE.read_text(encoding="utf-8")
    pages = [f"stadtpark/{lang}/{handout}.html" for lang in ("de", "ar") for handout in (HANDOUT, FIGURES)]
    pages += ["index.html", "stadtpark/index.html", "stadtpark/ar/index.html"]
    found = {}
    for page in pages:
        browser.get((built / "output" / page).as_uri())
        browser.execute_script(script)
        violations = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done(String(e)));"
        )
        assert isinstance(violations, list), violations
        found[page] = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
    assert found == {page: [] for page in pages}


def test_qr_code_points_to_the_html_page_on_the_site(built: Path, tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    pdf = built / f"output/stadtpark/ar/{HANDOUT}.pdf"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    codes = zxingcpp.read_barcodes(Image.open(png))
    assert [code.text for code in codes] == [f"{SITE_URL}stadtpark/ar/{HANDOUT}.html"]
    # The same path inside the output folder: copied to SITE_URL as it is, the code finds the page.
    assert (built / f"output/stadtpark/ar/{HANDOUT}.html").is_file()


def test_refused_handout_is_withdrawn_in_every_format_and_left_out(built: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(built, project, symlinks=True)
    edit_entry(po_path(project, "ar", HANDOUT), TITLE_EN, fuzzy=True)
    assert build(project, "--large-print", "--bilingual") != 0
    output = project / "output"
    for name in (f"{HANDOUT}.pdf", f"{HANDOUT}.html", f"{HANDOUT}-large-print.pdf"):
        assert not (output / "stadtpark/ar" / name).exists()
        assert (output / "_withdrawn/stadtpark/ar" / name).exists()
    # The Arabic page lists only what is current; German is untouched.
    arabic = (output / "stadtpark/ar/index.html").read_text()
    assert f'id="{HANDOUT}"' not in arabic and f'id="{FIGURES}"' in arabic
    assert f'id="{HANDOUT}"' in (output / "stadtpark/de/index.html").read_text()
    # With nothing current left in Arabic, the picker no longer offers it and its page is gone.
    edit_entry(po_path(project, "ar", FIGURES), "Using a TENS machine at home for back pain", fuzzy=True)
    assert not build_project(Project(project), figures_in_html()).ok
    picker = (output / "stadtpark/index.html").read_text()
    assert 'href="ar/index.html"' not in picker and 'href="de/index.html"' in picker
    assert not (output / "stadtpark/ar/index.html").exists()


def test_unchanged_build_skips_every_job_and_still_writes_the_library(built: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(built, project, symlinks=True)
    (project / "output/index.html").unlink()
    (project / "output/stadtpark/de/index.html").unlink()
    before = (project / f"output/stadtpark/ar/{HANDOUT}.html").stat().st_mtime_ns
    assert build(project, "--large-print", "--bilingual") == 0
    assert (project / "output/index.html").is_file() and (project / "output/stadtpark/de/index.html").is_file()
    assert (project / f"output/stadtpark/ar/{HANDOUT}.html").stat().st_mtime_ns == before


def test_language_names_in_their_own_script_and_the_main_language() -> None:
    assert language_choice("pl", "en") | {"href": ""} == {
        "lang": "pl",
        "tag": "pl",
        "dir": "ltr",
        "native": "Polski",
        "main_name": "Polish",
        "href": "",
    }
    assert (language_choice("ar", "en")["native"], language_choice("ar", "en")["dir"]) == ("العربية", "rtl")
    zh = language_choice("zh_Hans", "en")
    assert (zh["native"], zh["main_name"], zh["href"]) == ("中文（简体）", "Chinese (Simplified)", "zh-Hans/index.html")


def test_urls_and_folders_use_bcp47_language_tags(tmp_path: Path) -> None:
    assert output_path(tmp_path, Job("c", "zh_Hans", "h", format="html")) == tmp_path / "c/zh-Hans/h.html"
    assert output_path(tmp_path, Job("c", "pt_BR", "h", ("large-print",))) == tmp_path / "c/pt-BR/h-large-print.pdf"
