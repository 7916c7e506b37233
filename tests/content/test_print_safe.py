"""Print-safe pages (issue 12): no ink within 5 mm of the paper's edge on any page of any sample
PDF or variant, a one-line footer, and numbers that never break across lines."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

import pdfplumber
import pypdfium2
import pypdfium2.raw
import pytest

from conftest import HANDOUT, copy_project, pdf_text
from fixture_project import PARAGRAPHS_LEAFLET as LEAFLET
from fixture_project import ink_error, make_project
from handouts.cli import main
from handouts.output.printsafe import SAFE_MM
from handouts.render.markup import keep_numbers_together, to_markup
from handouts.source.languages import language_tag
from shipped import CLINICS, SAMPLES, sample_pdfs

MM = 72 / 25.4  # PDF points per millimetre
DPI = 100  # the ink scan's resolution: a pixel is a quarter of a millimetre
FOOTER_ZONE_MM = 17  # the bottom page margin in handout.css: only the footer and page number are below it


def ink_too_close(pdf: Path) -> list[str]:
    """Each page whose ink (any pixel not white, drawn at 100 dpi) comes closer than SAFE_MM to an edge.

    Drawn, not read from the text boxes: a font's box is not its ink (Noto Sans Arabic's reaches
    0.8 em under the baseline, where no letter does)."""
    found = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for number, page in enumerate(document, 1):
            image = page.render(scale=DPI / 72, grayscale=True).to_pil()
            box = image.point(lambda value: 255 if value < 250 else 0).getbbox()
            if box is None:  # a blank page (a packet starts each handout on a new sheet)
                continue
            x0, y0, x1, y1 = box
            gaps = {"left": x0, "top": y0, "right": image.width - x1, "bottom": image.height - y1}
            for edge, pixels in gaps.items():
                if pixels / DPI * 25.4 < SAFE_MM:
                    found.append(f"{pdf.name} page {number}: ink {pixels / DPI * 25.4:.1f} mm from the {edge} edge")
    finally:
        document.close()
    return found


def footer_lines(pdf: Path) -> list[int]:
    """How many lines of text each page prints below its content (footer and page number): the
    baselines of the characters drawn wholly inside the bottom margin, read with pdfium (pdfplumber
    reads the same a dozen times slower)."""
    counts = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            text = page.get_textpage()
            chars = [i for i in range(text.count_chars()) if text.get_text_range(i, 1).strip()]
            baselines = sorted(_baseline(text, i) for i in chars if text.get_charbox(i)[3] < FOOTER_ZONE_MM * MM)
            counts.append(len([b for i, b in enumerate(baselines) if i == 0 or b - baselines[i - 1] > 2]))
    finally:
        document.close()
    return counts


def _baseline(text: pypdfium2.PdfTextPage, index: int) -> float:
    x, y = ctypes.c_double(), ctypes.c_double()
    pypdfium2.raw.FPDFText_GetCharOrigin(text.raw, index, x, y)
    return y.value


# -- Every shipped sample, built once per session ---------------------------------------------


@pytest.mark.parametrize(("clinic_id", "lang"), SAMPLES)
def test_no_ink_within_5_mm_of_the_edge(samples: Path, clinic_id: str, lang: str) -> None:
    """Every PDF of the session build: each handout, the packets, and tilleuls' large-print and bilingual copies."""
    folder = f"{clinic_id}/{language_tag(lang)}/"
    pdfs = sorted((samples / "output" / folder).rglob("*.pdf"))
    assert [pdf.relative_to(samples / "output").as_posix() for pdf in pdfs] == [
        relative for relative in sample_pdfs() if relative.startswith(folder)
    ]
    assert [problem for pdf in pdfs for problem in ink_too_close(pdf)] == []


@pytest.mark.parametrize(("clinic_id", "lang"), SAMPLES)
def test_footer_is_one_line_on_every_page(samples: Path, clinic_id: str, lang: str) -> None:
    """At the default size (large print sets it at 12 pt, where it may take two lines)."""
    pdfs = [p for p in (samples / "output" / clinic_id / language_tag(lang)).glob("*.pdf") if "large" not in p.name]
    assert len(pdfs) >= 5
    for pdf in pdfs:
        assert set(footer_lines(pdf)) == {1}, pdf.name
    text = pdf_text(samples / "output" / clinic_id / language_tag(lang) / f"{HANDOUT}.pdf")
    assert CLINICS[clinic_id]["phone"] in text


@pytest.mark.parametrize(("clinic_id", "lang"), SAMPLES)
def test_phone_number_in_urgent_help_is_never_broken(samples: Path, clinic_id: str, lang: str) -> None:
    """The leaflet prints the phone in the masthead, in each page's footer and once in the urgent-help
    text ("call us on {clinic_phone}"): all of them whole, each on one line."""
    pdf = samples / "output" / clinic_id / language_tag(lang) / f"{HANDOUT}.pdf"
    phone = CLINICS[clinic_id]["phone"]
    lines = pdf_text(pdf)
    with pdfplumber.open(pdf) as document:
        pages = len(document.pages)
    assert lines.count(phone) == pages + 2
    assert " ".join(lines.split("\n")).count(phone) == pages + 2  # none split across two lines


# -- A clinic's footer_text: a second footer line, in every language and variant ---------------


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("variants"), ["stadtpark"])
    stadtpark = root / "clinics/stadtpark/clinic.yaml"
    stadtpark.write_text(
        stadtpark.read_text()
        + "footer_text:\n"
        + "  de: Termine nach Vereinbarung, Montag bis Samstag 8 bis 20 Uhr\n"
        + "  en: Appointments Monday to Saturday, 8 am to 8 pm\n"
        + "  ru: Приём по записи, с понедельника по субботу, с 8 до 20 часов\n"
        + "  ar: المواعيد من الاثنين إلى السبت، من الساعة 8 صباحًا حتى 8 مساءً\n"
    )
    assert main(["-C", str(root), "build", "--large-print", "--bilingual", "--handout", HANDOUT]) == 0
    return root / "output"


def test_variants_with_a_footer_text_keep_5_mm_clear_of_the_edge(variants: Path) -> None:
    pdfs = sorted(variants.rglob("*.pdf"))
    assert len(pdfs) == 11  # 4 languages × (standard, large print) + 3 bilingual
    assert [problem for pdf in pdfs for problem in ink_too_close(pdf)] == []


def test_clinic_footer_text_is_a_second_line_inside_the_safe_area(variants: Path) -> None:
    for lang in ("de", "ar", "ru", "en"):
        pdf = variants / "stadtpark" / lang / f"{HANDOUT}.pdf"
        assert set(footer_lines(pdf)) == {2}, lang
    assert "Termine nach Vereinbarung" in pdf_text(variants / "stadtpark/de" / f"{HANDOUT}.pdf")


def test_a_footer_that_would_reach_the_edge_is_refused(tmp_path: Path, run) -> None:
    long_text = "Open Monday to Saturday from 8 am to 8 pm, and on Sundays by appointment only. " * 2
    leaflet = LEAFLET.format(paragraphs="      - type: paragraph\n        text: A paragraph.")
    root = make_project(tmp_path, {"leaflet": leaflet}, clinic_extra=f"footer_text: {long_text.strip()}\n")
    result = run(root, "build")
    assert result.code == 1
    advice = r"Shorten it \(e\.g\. footer_text\)"
    assert re.search(ink_error("the text “[^”]+”", "bottom", advice), result.err), result.err
    assert not (root / "output/fixture/en/leaflet.pdf").exists()


# -- Numbers never break --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("appelez-nous au 01 99 00 12 34.", '<bdi dir="ltr" class="nowrap">01 99 00 12 34</bdi>'),
        ("по номеру 030 23125 456", '<bdi dir="ltr" class="nowrap">030 23125 456</bdi>'),
        ("theo số (541) 555-0142", '<bdi dir="ltr" class="nowrap">(541) 555-0142</bdi>'),
        ("Es dauert 20–30 Minuten.", '<span class="nowrap">20–30 Minuten</span>'),
        ("تستغرق 20–30 دقيقةً عادة", '<span class="nowrap">20–30 دقيقةً</span>'),
        ("约30–45分钟。", '<span class="nowrap">30–45分钟</span>'),
        ("1,5 cm", '<span class="nowrap">1,5 cm</span>'),
    ],
)
def test_numbers_and_their_units_are_kept_on_one_line(text: str, kept: str) -> None:
    assert kept in keep_numbers_together(text)


def test_markup_and_entities_are_left_whole() -> None:
    assert keep_numbers_together("it&#39;s <strong>5</strong> &amp; 6") == "it&#39;s <strong>5</strong> &amp; 6"


def test_filled_in_numbers_keep_their_unit() -> None:
    markup = to_markup("Es dauert {m} Minuten. Rufen Sie {p} an.", {"m": "20–30", "p": "030 23125 456"}, "x")
    assert '<span class="nowrap"><bdi dir="ltr" class="nowrap">20–30</bdi> Minuten</span>' in markup
    assert '<bdi dir="ltr" class="nowrap">030 23125 456</bdi> an' in markup


def _at_every_position(sentence: str) -> str:
    """The sentence after 1 to 60 short words, so that it meets the line's end at every place."""
    return "\n".join(f'      - type: paragraph\n        text: "{"ab " * n}{sentence}"' for n in range(1, 61))


@pytest.mark.parametrize(
    ("sentence", "whole"),
    [
        ("Call us on {clinic_phone} to book.", "030 1234 5678"),
        ("Sessions last 20–30 minutes each.", "20–30 minutes"),
    ],
)
def test_a_number_is_never_split_across_lines_in_the_pdf(tmp_path: Path, sentence: str, whole: str) -> None:
    root = make_project(tmp_path, {"leaflet": LEAFLET.format(paragraphs=_at_every_position(sentence))})
    assert main(["-C", str(root), "build"]) == 0
    text = pdf_text(root / "output/fixture/en/leaflet.pdf")
    assert text.count(whole) >= 60
    assert " ".join(text.split("\n")).count(whole) == text.count(whole)  # none split across two lines
