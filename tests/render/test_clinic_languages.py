"""Clinic text per language and regional variants (issue 12): footer_text, clinic_section and
logo_alt per language, with a warning and their own lang where the main language stands in;
en_AU, es_MX … print their own dates and numbers from the catalogs of their language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO, pdf_text
from fixture_project import LEAFLET, catalogs, make_project
from handouts.i18n.catalogs import Translations
from handouts.model.project import Project
from handouts.render.page import Renderer
from handouts.source.fonts import FontSet

CLINIC = "clinics/fixture/clinic.yaml"


def german_arabic(tmp_path: Path, clinic_extra: str) -> Path:
    """A clinic whose main language is German, also printing Arabic."""
    return make_project(
        tmp_path, {"leaflet": LEAFLET}, catalogs("de", "ar"), languages=("de", "ar"), clinic_extra=clinic_extra
    )


def page_html(root: Path, lang: str) -> str:
    project = Project(root)
    renderer = Renderer(project)
    translations = Translations(project.locale_dirs, project.root, lang)
    return renderer.page(project.load_clinic("fixture"), project.load_handout("leaflet"), translations).html


# -- Clinic text per language ------------------------------------------------------------------


def test_footer_text_missing_a_language_prints_the_main_one_with_a_warning(tmp_path: Path, run) -> None:
    root = german_arabic(tmp_path, "footer_text:\n  de: Termine nach Vereinbarung\n")
    result = run(root, "build")
    assert result.code == 0, result.out
    assert (
        f"warning: {CLINIC}:15 footer_text: has no text in 'ar' (Arabic), so ar copies print it in de; add `ar: …`"
    ) in result.err
    assert result.err.count("footer_text") == 1  # once for the language, not once per PDF
    assert "Termine nach Vereinbarung" in pdf_text(root / "output/fixture/ar/leaflet.pdf")
    # The German words on the Arabic page are marked as German (PDF/UA gives them their own /Lang).
    assert '<p class="footer-text clinic-text" lang="de" dir="ltr">Termine nach Vereinbarung</p>' in page_html(
        root, "ar"
    )
    assert run(root, "build", "--strict", "--force").code == 1


def test_footer_text_in_each_language(tmp_path: Path, run) -> None:
    root = german_arabic(tmp_path, "footer_text:\n  de: Termine nach Vereinbarung\n  ar: المواعيد حسب الاتفاق\n")
    result = run(root, "build", "--strict")
    assert result.code == 0, result.out
    assert "warning" not in result.err
    assert '<p class="footer-text clinic-text" lang="ar" dir="rtl">المواعيد حسب الاتفاق</p>' in page_html(root, "ar")
    assert "Termine nach Vereinbarung" in pdf_text(root / "output/fixture/de/leaflet.pdf")


def test_a_single_footer_text_is_the_main_languages(tmp_path: Path, run) -> None:
    root = german_arabic(tmp_path, "footer_text: Termine nach Vereinbarung\n")
    result = run(root, "build")
    assert result.code == 0, result.out
    assert (
        f"warning: {CLINIC}:15 footer_text: is written once, in the main language 'de' (German), so ar copies "
        "print it in de; write it per language, e.g. `de: …` and `ar: …`"
    ) in result.err
    assert 'lang="de"' in page_html(root, "ar").split('class="footer-text')[1][:40]


def test_a_per_language_text_needs_the_main_language(tmp_path: Path, run) -> None:
    root = german_arabic(tmp_path, "footer_text:\n  ar: المواعيد حسب الاتفاق\n")
    result = run(root, "build")
    assert result.code == 1
    assert (
        f"error: {CLINIC}:15 footer_text: no text in the main language 'de' (German); add `de: …` "
        "(a language without its own text prints the main language's)"
    ) in result.err


def test_clinic_section_fallback_is_marked_with_the_language_it_is_in(tmp_path: Path, run) -> None:
    root = german_arabic(
        tmp_path,
        "clinic_section:\n"
        "  heading: {de: So finden Sie uns, ar: كيف تجدنا}\n"
        "  text:\n"
        "    de: Der Eingang ist im Hof.\n",
    )
    result = run(root, "build")
    assert result.code == 0, result.out
    assert f"warning: {CLINIC}:17 clinic_section.text: has no text in 'ar' (Arabic)" in result.err
    assert "clinic_section.heading" not in result.err
    html = page_html(root, "ar")
    assert '<section class="section-clinic clinic-text" lang="de" dir="ltr">' in html
    assert '<h2 class="clinic-text" lang="ar" dir="rtl">كيف تجدنا</h2>' in html
    assert "Der Eingang ist im Hof." in pdf_text(root / "output/fixture/ar/leaflet.pdf")


def test_logo_alt_per_language(tmp_path: Path) -> None:
    root = german_arabic(tmp_path, "logo_alt:\n  de: Logo der Praxis\n  ar: شعار العيادة\n")
    assert 'alt="شعار العيادة" lang="ar"' in page_html(root, "ar")
    assert 'alt="Logo der Praxis" lang="de"' in page_html(root, "de")


# -- Regional variants -------------------------------------------------------------------------


def test_en_AU_prints_australian_dates_from_the_english_text(tmp_path: Path, run) -> None:
    root = make_project(tmp_path, {"leaflet": LEAFLET}, languages=("en_AU",))
    result = run(root, "build", "--strict")
    assert result.code == 0, result.out
    pdf = root / "output/fixture/en-AU/leaflet.pdf"
    text = " ".join(pdf_text(pdf).split())
    assert "A leaflet" in text and "A paragraph." in text
    assert "Review date: 20 November 2028" in text  # the footer and the leaflet's facts
    assert "Approved: 20 November 2026" in text
    assert not re.search(r"November \d+,", text)  # not the US "November 20, 2028"
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "en-AU"


def test_es_MX_prints_its_own_catalog_entries_and_the_spanish_ones_for_the_rest(tmp_path: Path, run) -> None:
    root = make_project(
        tmp_path,
        {"leaflet": LEAFLET},
        {**catalogs("es"), "es_MX": {"leaflet": {"Body": "Cuerpo (México)"}}},
        languages=("es_MX",),
    )
    result = run(root, "build", "--strict")
    assert result.code == 0, result.out
    text = " ".join(pdf_text(root / "output/fixture/es-MX/leaflet.pdf").split())
    assert "Cuerpo (México)" in text and "es body" not in text  # the variant's own wording
    assert "es paragraph." in text and "es leaflet" in text  # the rest from the Spanish catalog
    assert "20 de noviembre de 2028" in text
    assert "Teléfono" in text  # the page frame from the Spanish common catalog


def test_a_language_without_any_catalog_is_not_offered_and_says_so_once(tmp_path: Path, run) -> None:
    root = make_project(tmp_path, {"leaflet": LEAFLET}, languages=("pt_BR",))
    result = run(root, "build")
    assert result.code == 0  # not offered is no refusal
    lines = [line for line in result.err.splitlines() if "pt_BR" in line or "pt-BR" in line]
    assert lines == [  # the language as its output folder spells it, the command as its catalog folder will
        "not offered in 'pt-BR' (no catalog): leaflet; to offer them, run handouts i18n init pt_BR and translate"
    ]
    assert "refused" not in result.err and not (root / "output/fixture/pt-BR").exists()


def test_a_handout_without_a_catalog_is_not_offered_in_status_check_and_build_alike(tmp_path: Path, run) -> None:
    second = LEAFLET.replace("A leaflet", "Another leaflet")
    root = make_project(tmp_path, {"leaflet": LEAFLET, "second": second}, catalogs("de"), languages=("de",))
    build = run(root, "build", "--format", "pdf")
    assert build.code == 0
    assert "built   output/fixture/de/leaflet.pdf (1 page)" in build.err
    assert "not offered in 'de' (no catalog): second; to offer them, run handouts i18n update --lang de" in build.err
    status = run(root, "i18n", "status", "--lang", "de").out
    assert "de second: not offered (no catalog; to offer it: handouts i18n update --lang de)" in status
    assert "de leaflet: 4/4 translated, 0 fuzzy, 0 missing (100% done; can print)" in status
    check = run(root, "i18n", "check", "--lang", "de")
    assert (check.code, check.out.splitlines()) == (0, ["de: not offered (no catalog): second", "All catalogs pass."])


@pytest.mark.parametrize(("variant", "language"), [("zh_Hans_CN", "zh_Hans"), ("ar_EG", "ar"), ("pt_BR", "de")])
def test_a_variant_draws_with_its_languages_fonts(variant: str, language: str) -> None:
    fonts = FontSet(REPO / "fonts")
    assert fonts.stack_for(variant) == fonts.stack_for(language)
