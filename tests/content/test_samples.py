"""End to end: build every shipped sample PDF once, then check what a patient would see."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import HANDOUT, REPO, page_count, pdf_fonts, pdf_reader
from handouts.pipeline.jobs import Job
from handouts.pipeline.layout import output_path
from handouts.source.fonts import FontSet
from handouts.source.languages import language_tag
from shipped import CLINICS, LIBRARY, PACKET_TITLES, PAPER_POINTS, SAMPLES, sample_pdfs, translated


@pytest.fixture
def built(samples: Path) -> Path:
    return samples


def test_every_sample_pdf_is_built(built: Path) -> None:
    """11 clinic × language pairs, each with every shipped handout (and tilleuls' with their large-print
    and bilingual copies): nothing refused, nothing in English."""
    pdfs = sorted(p.relative_to(built / "output").as_posix() for p in (built / "output").rglob("*.pdf"))
    assert len(SAMPLES) == 11
    assert len([pdf for pdf in pdfs if "/packets/" in pdf]) == 7  # riverside's 4 languages and tilleuls' 3
    assert pdfs == sample_pdfs()
    # Each handout with its HTML copy, and the handout library's pages to reach them.
    handouts = (HANDOUT, "microcurrent-screening-form", *LIBRARY)
    expected = [f"{clinic}/{language_tag(lang)}/{handout}" for clinic, lang in SAMPLES for handout in handouts]
    pages = sorted(p.relative_to(built / "output").as_posix() for p in (built / "output").rglob("*.html"))
    library = ["index.html", *(f"{c}/index.html" for c in CLINICS)]
    library += [f"{clinic}/{language_tag(lang)}/index.html" for clinic, lang in SAMPLES]
    assert pages == sorted([*(f"{path}.html" for path in expected), *library])


@pytest.mark.parametrize("lang", CLINICS["tilleuls"]["languages"])
def test_sample_packet_bookmarks_each_handout_in_its_language(built: Path, lang: str) -> None:
    packet = pdf_reader(built / "output/tilleuls" / language_tag(lang) / "packets/new-microcurrent-patient.pdf")
    titles = [translated(lang, msgid, domain) for msgid, domain in PACKET_TITLES]
    bookmarks = [(item.title, packet.get_destination_page_number(item)) for item in packet.outline]
    assert [title for title, _ in bookmarks] == titles
    assert all(page % 2 == 0 for _, page in bookmarks)  # 0-based: each handout starts on an odd page


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
    return project / "output" / clinic_id / language_tag(lang) / f"{HANDOUT}.pdf"


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


# -- The handout library (TENS at home, back exercises, pain diary) as content ---------------


@pytest.mark.parametrize("handout_id", LIBRARY)
def test_library_handouts_read_plainly(handout_id: str) -> None:
    from handouts.commands.check import readability
    from handouts.model.project import Project

    scores = readability(Project(REPO).load_handout(handout_id))
    assert scores["flesch_kincaid_grade"] <= 6.5
    assert scores["smog_index"] <= 9


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _manifest_fallbacks(built: Path) -> list[str]:
    import json

    data = json.loads((built / "output/manifest.json").read_text())
    return [entry["path"] for entry in data["pdfs"] if entry["translated"] != entry["total"]]


def test_no_sample_prints_english_fallback(built: Path) -> None:
    assert _manifest_fallbacks(built) == []


def _figure_label(lang: str) -> str:
    with (REPO / "locales" / lang / "LC_MESSAGES" / "tens-at-home.po").open("rb") as fileobj:
        return read_po(fileobj).get("Spine: no pads here", "figure label").string


@pytest.mark.parametrize(("clinic_id", "lang"), [s for s in SAMPLES if s[1] not in ("en", "ar")])
def test_figure_labels_print_in_each_language(built: Path, clinic_id: str, lang: str) -> None:
    text = " ".join(_pdf_text(built / "output" / clinic_id / language_tag(lang) / "tens-at-home.pdf").split())
    label = _figure_label(lang)
    assert label and label != "Spine: no pads here"
    assert " ".join(label.split()) in text


def test_arabic_figure_labels_print_in_arabic(built: Path) -> None:
    import unicodedata

    import pdfplumber

    label = _figure_label("ar")
    with pdfplumber.open(built / "output/stadtpark/ar/tens-at-home.pdf") as pdf:
        text = unicodedata.normalize("NFKC", " ".join(page.extract_text() or "" for page in pdf.pages))
    # Drawn in visual order with joined letter forms: read back reversed.
    assert all(word[::-1] in text for word in label.split())


@pytest.mark.parametrize(("handout_id", "header"), [("back-exercises", "Exercise"), ("pain-diary", "Date")])
@pytest.mark.parametrize(("clinic_id", "lang"), [("stadtpark", "de"), ("riverside", "es"), ("riverside", "zh_Hans")])
def test_plan_and_diary_tables_print_their_headers(
    built: Path, handout_id: str, header: str, clinic_id: str, lang: str
) -> None:
    text = " ".join(_pdf_text(built / "output" / clinic_id / language_tag(lang) / f"{handout_id}.pdf").split())
    with (REPO / "locales" / lang / "LC_MESSAGES" / f"{handout_id}.po").open("rb") as fileobj:
        expected = read_po(fileobj).get(header).string
    assert expected and expected in text


def _safety_sentences(handout_id: str) -> set[tuple[str, str | None]]:
    from handouts.i18n.extract import handout_template

    return handout_template(REPO / "handouts" / f"{handout_id}.yaml", REPO).critical


@pytest.mark.parametrize("lang", ["de", "fr", "es", "vi", "ru", "ar", "zh_Hans"])
@pytest.mark.parametrize("handout_id", LIBRARY)
def test_shared_safety_sentences_read_the_same_as_in_the_microcurrent_leaflet(lang: str, handout_id: str) -> None:
    shared = _safety_sentences(handout_id) & _safety_sentences(HANDOUT)
    assert shared, "each library handout reuses the leaflet's safety sentences"
    catalogs = {}
    for domain in (handout_id, HANDOUT):
        with (REPO / "locales" / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fileobj:
            catalogs[domain] = read_po(fileobj)
    for msgid, context in shared:
        ours, theirs = catalogs[handout_id].get(msgid, context), catalogs[HANDOUT].get(msgid, context)
        assert ours.string == theirs.string, msgid


def test_tilleuls_arabic_copy_has_its_own_clinic_section(built: Path) -> None:
    """Translation review AR-1: the Arabic copy printed the French clinic paragraph."""
    text = _pdf_text(built / "output/tilleuls/ar" / f"{HANDOUT}.pdf")
    assert "Venir au cabinet" not in text and "rez-de-chaussée" not in text
    assert "العيادة" in text


def test_spanish_red_flags_use_adult_words(built: Path) -> None:
    """Translation review ES-1, ES-2: no nursery word for bowels, and the everyday name of cauda equina."""
    for handout_id in (HANDOUT, *LIBRARY):
        text = _squash(_pdf_text(built / "output/riverside/es" / f"{handout_id}.pdf"))
        assert _squash("síndrome de la cola de caballo (cauda equina)") in text, handout_id
        assert "popó" not in text, handout_id


def test_chinese_uses_the_standard_characters_for_sticky_and_numb(built: Path) -> None:
    """Translation review ZH-1, ZH-2: 黏性 (sticky), not the verb 粘; 麻木 (numb), not the vaguer 发麻."""
    for path in sorted((REPO / "locales/zh_Hans/LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fileobj:
            forms = [message.string for message in read_po(fileobj) if message.id]
        strings = " ".join(" ".join(form) if isinstance(form, tuple) else form for form in forms)
        assert "粘性" not in strings and "发麻" not in strings, path.name
    text = _squash(_pdf_text(built / "output/riverside/zh-Hans" / f"{HANDOUT}.pdf"))
    assert "有黏性的电极贴片" in text and "两腿之间麻木" in text


def test_every_sample_pdf_fits_its_handouts_target_pages_in_its_language(built: Path) -> None:
    """Fit to sheet, for the content as shipped: each standard copy in every clinic and language
    takes at most the pages its handout declares for that language (the build only warns)."""
    from handouts.model.project import Project

    project = Project(REPO)
    over = []
    for handout_id in (HANDOUT, "microcurrent-screening-form", *LIBRARY):
        meta = project.load_handout(handout_id).handout.meta
        for clinic_id, lang in SAMPLES:
            pages = page_count(output_path(built / "output", Job(clinic_id, lang, handout_id)))
            if pages > meta.target_for(lang):
                over.append((handout_id, clinic_id, lang, pages, meta.target_for(lang)))
    assert over == []


def test_back_exercises_fits_its_target_in_english_and_each_language_its_own(built: Path) -> None:
    """Issue 10: one sheet at 12 pt in English, on A4 and Letter; issue 21's cautions and red flags
    made it three pages. A longer translation may take only the pages its handout declares for it
    (meta.target_pages_by_language)."""
    from handouts.model.project import Project

    meta = Project(REPO).load_handout("back-exercises").handout.meta
    assert meta.target_pages == 3
    for clinic_id, lang in SAMPLES:
        pdf = output_path(built / "output", Job(clinic_id, lang, "back-exercises"))
        pages = page_count(pdf)
        if lang == "en":
            assert pages == 3, clinic_id
        assert pages <= meta.target_for(lang), (clinic_id, lang, pages)
    assert {CLINICS[clinic]["paper"] for clinic, lang in SAMPLES if lang == "en"} == {"A4", "Letter"}
