"""End to end: build every shipped sample PDF once, then check what a patient would see."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from conftest import HANDOUT, REPO, copy_project, pdf_fonts, pdf_reader
from handoutgen.cli import main
from handoutgen.fonts import FontSet

PAPER_POINTS = {"A4": (595.28, 841.89), "Letter": (612.0, 792.0)}
CLINICS = {p.parent.name: yaml.safe_load(p.read_text()) for p in sorted((REPO / "clinics").glob("*/clinic.yaml"))}
SAMPLES = [(clinic_id, lang) for clinic_id, clinic in CLINICS.items() for lang in clinic["languages"]]


def translated(lang: str, msgid: str, domain: str = HANDOUT) -> str:
    """What the shipped catalog says for msgid (English is the source)."""
    if lang == "en":
        return msgid
    with (REPO / "locales" / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fileobj:
        return read_po(fileobj).get(msgid).string


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("samples") / "project")
    assert main(["-C", str(project), "build"]) == 0
    return project


def test_every_sample_pdf_is_built(built: Path) -> None:
    """11 clinic × language pairs, each with the leaflet and the screening form."""
    pdfs = sorted(p.relative_to(built / "output").as_posix() for p in (built / "output").rglob("*.pdf"))
    assert len(SAMPLES) == 11
    handouts = (HANDOUT, "microcurrent-screening-form")
    assert pdfs == sorted(f"{clinic}/{lang}/{handout}.pdf" for clinic, lang in SAMPLES for handout in handouts)


@pytest.mark.parametrize(("clinic_id", "lang"), SAMPLES)
def test_pdf_shows_translated_title_and_urgent_help(built: Path, clinic_id: str, lang: str) -> None:
    text = _text(built, clinic_id, lang)
    for msgid in ("Microcurrent therapy for back pain", "When to get urgent help"):
        expected = translated(lang, msgid)
        assert expected and (expected != msgid or lang == "en")
        assert _squash(expected) in _squash(text)
    # The clinic's own phone and emergency number are filled in, never a placeholder.
    assert CLINICS[clinic_id]["phone"] in text
    assert "{" not in text


@pytest.mark.parametrize(("clinic_id", "lang"), SAMPLES)
def test_page_size_matches_clinic_paper(built: Path, clinic_id: str, lang: str) -> None:
    reader = pdf_reader(_pdf(built, clinic_id, lang))
    width, height = PAPER_POINTS[CLINICS[clinic_id]["paper"]]
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(width, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(height, abs=0.5)


@pytest.mark.parametrize(("clinic_id", "lang"), SAMPLES)
def test_only_shipped_fonts_all_embedded_and_no_missing_glyphs(built: Path, clinic_id: str, lang: str) -> None:
    fonts = pdf_fonts(_pdf(built, clinic_id, lang))
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes", font
        # Subset fonts are named TAG+family; ours are all registered as "handouts …",
        # so any other name means a system font was used as a fallback.
        assert font["name"].split("+", 1)[-1].startswith("handouts-"), font
    text = _text(built, clinic_id, lang)
    assert "\ufffd" not in text
    assert FontSet(REPO / "fonts").uncovered(lang, text) == []


@pytest.mark.parametrize(("clinic_id", "lang"), SAMPLES)
def test_pdf_metadata_has_title_language_and_clinic(built: Path, clinic_id: str, lang: str) -> None:
    reader = pdf_reader(_pdf(built, clinic_id, lang))
    assert reader.metadata.title == translated(lang, "Microcurrent therapy for back pain")
    assert reader.metadata.author == CLINICS[clinic_id]["name"]
    assert reader.trailer["/Root"]["/Lang"] == lang.replace("_", "-")


@pytest.mark.parametrize(("clinic_id", "lang"), SAMPLES)
def test_title_starts_at_the_reading_side(built: Path, clinic_id: str, lang: str) -> None:
    """Arabic is laid out right to left: the title hugs the right margin, others the left."""
    pdf = _pdf(built, clinic_id, lang)
    width = float(pdf_reader(pdf).pages[0].mediabox.width)
    words = _title_words(pdf)
    left, right = min(w[0] for w in words), max(w[1] for w in words)
    margin = 12 / 25.4 * 72  # the page margin in handout.css, in points
    if lang == "ar":
        assert right == pytest.approx(width - margin, abs=2)
        assert left > margin + 20
    else:
        assert left == pytest.approx(margin, abs=2)
        assert right < width - margin - 20


def _pdf(project: Path, clinic_id: str, lang: str) -> Path:
    return project / "output" / clinic_id / lang / f"{HANDOUT}.pdf"


def _text(project: Path, clinic_id: str, lang: str) -> str:
    return "\n".join(page.extract_text() for page in pdf_reader(_pdf(project, clinic_id, lang)).pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _title_words(pdf: Path) -> list[tuple[float, float]]:
    """x extents of the words set in the title's size (taller than any other text on page 1)."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True)
    boxes = [
        tuple(float(v) for v in m.groups())
        for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', out.stdout)
    ]
    tallest = max(y1 - y0 for _, y0, _, y1 in boxes)
    return [(x0, x1) for x0, y0, x1, y1 in boxes if y1 - y0 > tallest * 0.9]
