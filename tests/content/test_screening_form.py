"""The shipped screening form as content: printed for every sample clinic and language, its
contraindications taken from the leaflet's catalog in each language, never duplicated in its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import HANDOUT, REPO, pdf_text
from handouts.i18n.catalogs import Translations
from handouts.model.project import Project
from handouts.render.page import Renderer
from handouts.source.languages import language_tag
from shipped import SAMPLES, translated

FORM = "microcurrent-screening-form"


def test_screening_form_builds_for_every_clinic_and_language(samples: Path) -> None:
    """Read from the session build: each copy asks about epilepsy in its own language."""
    for clinic_id, lang in SAMPLES:
        pdf = samples / "output" / clinic_id / language_tag(lang) / f"{FORM}.pdf"
        text = " ".join(pdf_text(pdf).split())
        if lang == "ar":  # pdftotext cannot give Arabic back in reading order
            continue
        assert translated(lang, "You have epilepsy.") in text, pdf


@pytest.mark.parametrize("lang", ["es", "fr", "de", "vi", "ru", "ar", "zh_Hans"])
def test_screening_form_questions_come_from_the_leaflet_catalog(lang: str) -> None:
    project = Project(REPO)
    form = project.load_handout(FORM)
    clinic = project.load_clinic("riverside")
    translations = Translations(project.locales_dir, project.root, lang)
    page = Renderer(project).page(clinic, form, translations)
    leaflet_catalog = f"locales/{lang}/LC_MESSAGES/{HANDOUT}.po:"
    from_leaflet = {text for origin, text in page.strings if origin.startswith(leaflet_catalog)}
    with (REPO / f"locales/{lang}/LC_MESSAGES/{HANDOUT}.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    section = form.refs[HANDOUT].handout.section("contraindications")
    items = [item.text for block in section.blocks if block.type == "list" for item in block.items]
    assert len(items) == 8
    assert {catalog.get(item).string for item in items} <= from_leaflet
    with (REPO / f"locales/{lang}/LC_MESSAGES/{FORM}.po").open("rb") as f:
        form_catalog = read_po(f, locale=lang)
    assert all(form_catalog.get(item) is None for item in items)  # never duplicated in the form's catalog
    assert all(lookup.translated for lookup in page.lookups)
