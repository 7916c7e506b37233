"""The content model on a fixture project of its own: every block type in English, Arabic and
Simplified Chinese; tables that break across pages; translated figure labels; write-in lines;
plurals; safety marked in the content; drafts; a clinic's list of handouts."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pdfplumber
import pytest

from conftest import pdf_text as raw_pdf_text
from every_block import ENGLISH, PLURAL, SVG, catalog, handout_yaml, project_with
from fixture_project import make_project
from handouts.source.languages import language_tag

BIDI_MARKS = dict.fromkeys(range(0x202A, 0x202F)) | dict.fromkeys(range(0x2066, 0x206A))


def pdf_text(path: Path) -> str:
    """The PDF's text without the direction marks pdftotext wraps right-to-left runs in."""
    return raw_pdf_text(path).translate(BIDI_MARKS)


def _letters(text: str) -> str:
    normal = unicodedata.normalize("NFKC", text)
    return "".join(c for c in normal if c not in "ال .،" and unicodedata.category(c) != "Mn")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from handouts.cli import main

    root = project_with(tmp_path_factory.mktemp("model") / "p", ("en", "ar", "zh_Hans"))
    assert main(["-C", str(root), "build", "-j", "1"]) == 0
    return root / "output" / "fixture"


@pytest.mark.contract
@pytest.mark.parametrize("lang", ["en", "ar", "zh_Hans"])
def test_every_block_type_prints_in_each_language(built: Path, lang: str) -> None:
    text = " ".join(pdf_text(built / language_tag(lang) / "fixture.pdf").split())
    for english, strings in ENGLISH.items():
        if isinstance(english, tuple) or english.startswith("Exercise ") or english == "Two pads on a back.":
            continue  # figure labels and table rows have tests of their own; alt text is not printed
        expected = english if lang == "en" else strings[lang]
        expected = expected.replace("{emergency_number}", "112")
        if lang == "ar":  # compare letters, without the alef and lam pdftotext splits out of ligatures
            assert all(_letters(word) in _letters(text) for word in expected.replace(".", "").split()), expected
        else:
            assert " ".join(expected.split()) in text, expected


# The table's header line and the pattern of its row lines, as pdfplumber reads them.
TABLE_LINES = {
    "en": ("Exercise Mon Tue", r"Exercise \d+"),
    "ar": (_letters("التمرين الاثنين الثلاثاء"), _letters("التمرين رقم") + r"\d+"),
    "zh_Hans": ("练习 周一 周二", r"练习 \d+"),
}


def _line_forms(line: str, lang: str) -> set[str]:
    # pdfplumber gives right-to-left runs reversed, ligatures split: try both ways, normalised.
    return {_letters(line), _letters(line[::-1])} if lang == "ar" else {line.strip()}


@pytest.mark.parametrize("lang", ["en", "ar", "zh_Hans"])
def test_table_header_repeats_on_the_next_page(built: Path, lang: str) -> None:
    header, row = TABLE_LINES[lang]
    with pdfplumber.open(built / language_tag(lang) / "fixture.pdf") as pdf:
        pages = [
            [_line_forms(line, lang) for line in (page.extract_text() or "").translate(BIDI_MARKS).splitlines()]
            for page in pdf.pages
        ]

    def is_row(forms: set[str]) -> bool:
        return any(re.fullmatch(row, form) for form in forms)

    with_rows = [lines for lines in pages if any(is_row(forms) for forms in lines)]
    assert len(with_rows) >= 2, "the table should break across pages"
    for lines in with_rows:  # on every page the table reaches, its header comes before its first row
        first_row = next(n for n, forms in enumerate(lines) if is_row(forms))
        assert any(header in forms for forms in lines[:first_row]), lines[: first_row + 1]


@pytest.mark.parametrize(("lang", "labels"), [("en", ["Pad here", "Spine"]), ("zh_Hans", ["电极片在这里", "脊柱"])])
def test_figure_labels_are_translated_in_the_pdf_text(built: Path, lang: str, labels: list[str]) -> None:
    text = pdf_text(built / language_tag(lang) / "fixture.pdf")
    for label in labels:
        assert label in text


def test_arabic_figure_labels_are_in_arabic(built: Path) -> None:
    # Drawn in visual order with joined letter forms (see blocks/figure.py): read back, normalised.
    with pdfplumber.open(built / "ar" / "fixture.pdf") as pdf:
        text = unicodedata.normalize("NFKC", "".join(page.extract_text() or "" for page in pdf.pages))
    assert "الفقري"[::-1] in text and "العمود"[::-1] in text
    assert "Spine" not in text and "Pad here" not in text


def test_write_in_prints_a_rule_under_its_label(built: Path) -> None:
    with pdfplumber.open(built / "en" / "fixture.pdf") as pdf:
        for page in pdf.pages:
            words = page.search("Your next appointment")
            if not words:
                continue
            label = words[0]
            rules = [
                edge
                for edge in page.horizontal_edges
                if edge["top"] > label["bottom"] and edge["top"] - label["bottom"] < 40 and edge["width"] > 100
            ]
            assert rules, "no line to write on under the label"
            return
    raise AssertionError("label not found")


@pytest.mark.contract
@pytest.mark.parametrize(
    ("count", "expected"), [(1, "1 сеанс."), (2, "2 сеанса."), (5, "5 сеансов."), (21, "21 сеанс.")]
)
def test_russian_plural_follows_the_clinic_number(tmp_path: Path, run, count: int, expected: str) -> None:
    ru = {key: f"ру {key}" if isinstance(key, str) else f"ру {key[0]}" for key in ENGLISH}
    ru["Call {emergency_number} now."] = "Звоните {emergency_number}."
    ru["You have {sessions} session."] = {"plural": "You have {sessions} sessions.", "forms": PLURAL["ru"]}
    root = project_with(
        tmp_path / "p", ("ru",), catalogs={"ru": {"fixture": ru}}, clinic_extra=f"values:\n  sessions: {count}\n"
    )
    result = run(root, "build", "-j", "1")
    assert result.code == 0, result.out
    text = " ".join(pdf_text(root / "output/fixture/ru/fixture.pdf").split())
    assert f"У вас {expected}" in text


def test_a_safety_sentence_outside_the_safety_sections_refuses_its_language(tmp_path: Path, run) -> None:
    chinese = catalog("zh_Hans", skip=("Call at once if your legs go numb.",))
    root = project_with(tmp_path / "p", ("en", "zh_Hans"), catalogs={"zh_Hans": {"fixture": chinese}})
    clinic = root / "clinics/fixture/clinic.yaml"
    clinic.write_text(clinic.read_text() + "min_translated: 50\n")  # other English would be allowed
    result = run(root, "build", "-j", "1")
    assert result.code == 1
    assert "refused fixture/zh-Hans/fixture: 1 problem (listed above); not printed" in result.err
    assert (
        "error: handouts/fixture.yaml:23: safety-critical entry: no translation entry in "
        "locales/zh_Hans/LC_MESSAGES/fixture.po; run: handouts i18n update --lang zh_Hans" in result.err
    )
    assert (root / "output/fixture/en/fixture.pdf").is_file()
    assert not (root / "output/fixture/zh-Hans/fixture.pdf").exists()


def test_a_draft_never_prints_and_a_clinic_list_limits_the_build(tmp_path: Path, run) -> None:
    draft = handout_yaml().replace('  version: "2.0"\n', '  version: "2.0"\n  status: draft\n')
    root = make_project(
        tmp_path / "p",
        {"fixture": handout_yaml(), "draft": draft, "other": handout_yaml()},
        assets={"fixture/pads.svg": SVG, "draft/pads.svg": SVG, "other/pads.svg": SVG},
        clinic_extra="handouts: [fixture, draft]\n",
    )
    result = run(root, "build", "-j", "1")
    assert result.code == 0, result.out
    built = sorted(p.name for p in (root / "output/fixture/en").glob("*.pdf"))
    assert built == ["fixture.pdf"]  # "other" is not in the clinic's list; "draft" is a draft


def test_unknown_block_type_and_placeholders_are_reported_together(tmp_path: Path, run) -> None:
    broken = (
        handout_yaml().replace("type: checklist", "type: checklst").replace("A paragraph.", "A {colour} paragraph.")
    )
    root = make_project(tmp_path / "p", {"fixture": broken}, assets={"fixture/pads.svg": SVG})
    result = run(root, "build", "-j", "1")
    assert result.code == 1
    assert (
        "handouts/fixture.yaml:57 sections[1].blocks[7].type: unknown block type 'checklst'; "
        "did you mean 'checklist'?" in result.err
    )
    root = make_project(
        tmp_path / "q",
        {"fixture": handout_yaml().replace("A paragraph.", "A {colour} one.")},
        assets={"fixture/pads.svg": SVG},
    )
    result = run(root, "build", "-j", "1")
    assert "handouts/fixture.yaml:29 sections[1].blocks[0].text: unknown placeholder {colour}" in result.err


def test_form_questions_come_from_another_handouts_section_with_form_wording(tmp_path: Path, run) -> None:
    leaflet = (
        handout_yaml()
        .replace(
            "              - Point one.\n",
            "              - text: Point one.\n                ask: Is point one true for you?\n",
        )
        .replace("  - id: key-points\n", "  - id: key-points\n    safety: true\n")
    )
    form = """\
layout: form
meta: {code: F-1, version: "1", approved: 2026-11-01, review_due: 2028-11-01, references: ["R."]}
title: Screening
sections:
  - id: questions
    blocks:
      - type: yes-no
        from: fixture#key-points
        "yes": "Yes"
        "no": "No"
"""
    root = make_project(tmp_path / "p", {"fixture": leaflet, "form": form}, assets={"fixture/pads.svg": SVG})
    result = run(root, "build", "--handout", "form", "-j", "1")
    assert result.code == 0, result.out
    text = " ".join(pdf_text(root / "output/fixture/en/form.pdf").split())
    assert "Is point one true for you?" in text  # the form's own wording of the item
    assert "Call at once if your legs go numb." in text


def test_new_handout_scaffolds_a_draft_that_loads(tmp_path: Path, run) -> None:
    root = make_project(tmp_path / "p", {})
    result = run(root, "new", "handout", "knee-pain")
    assert result.code == 0, result.out
    assert "created handouts/knee-pain.yaml" in result.out
    assert (root / "handouts/knee-pain").is_dir()
    assert run(root, "build", "-j", "1").out.startswith("0 built")  # a draft: never printed for patients
    path = root / "handouts/knee-pain.yaml"
    path.write_text(path.read_text().replace("status: draft ", "status: published #"))
    built = run(root, "build", "-j", "1")
    assert built.code == 0, built.out
    assert (root / "output/fixture/en/knee-pain.pdf").is_file()
    again = run(root, "new", "handout", "knee-pain")
    assert again.code == 1
    assert "error: handouts/knee-pain.yaml: exists already; choose another id or edit that file" in again.err


EXERCISE = """\
  - id: exercise
    heading: Knee rolls
    figure_column: true
    blocks:
      - type: figure
        src: pads.svg
        width: 40
        alt: Two pads on a back.
      - type: steps
        steps:
          - text: Roll both knees to one side.
      - type: write-in
        row: true
        inline: true
        fields:
          - label: Hold (seconds)
          - label: Repeat (times)
  - id: plan
"""


def test_a_figure_column_sets_the_steps_and_write_in_boxes_beside_the_figure(tmp_path: Path, run) -> None:
    root = make_project(
        tmp_path / "p",
        {"fixture": handout_yaml().replace("  - id: plan\n", EXERCISE, 1)},
        assets={"fixture/pads.svg": SVG},
    )
    result = run(root, "build", "-j", "1")
    assert result.code == 0, result.out
    mm = 72 / 25.4
    with pdfplumber.open(root / "output/fixture/en/fixture.pdf") as pdf:
        page = next(p for p in pdf.pages if p.search("Knee rolls"))
        heading, step = page.search("Knee rolls")[0], page.search("Roll both knees")[0]
        hold, repeat = page.search("Hold (seconds)", regex=False)[0], page.search("Repeat (times)", regex=False)[0]
    # The heading sits over the 40 mm figure; the steps start beside it, on the heading's level.
    assert heading["x0"] == pytest.approx(12 * mm, abs=2)
    assert step["x0"] > (12 + 40) * mm and abs(step["top"] - heading["top"]) < 6
    # The write-in labels share one line ("Hold (seconds) ____  Repeat (times) ____"), under the steps.
    assert hold["top"] == pytest.approx(repeat["top"], abs=1) and hold["top"] > step["bottom"]
    assert hold["x0"] > (12 + 40) * mm


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      - type: figure\n        src: pads.svg\n        width: 40\n",
            "      - type: paragraph\n        text: Roll gently.\n      - type: figure\n        src: pads.svg\n",
            "figure_column: true needs a figure as the section's first block; move the figure up",
        ),
        (
            "  target_pages: 4\n",
            "  target_pages: 4\n  target_pages_by_language: {fr: 3}\n",
            "target_pages_by_language.fr: 3 must be more than target_pages (4) and at most 40",
        ),
    ],
)
def test_layout_options_are_checked_when_the_handout_loads(
    tmp_path: Path, run, old: str, new: str, message: str
) -> None:
    text = handout_yaml().replace("  - id: plan\n", EXERCISE, 1)
    assert old in text
    root = make_project(tmp_path / "p", {"fixture": text.replace(old, new, 1)}, assets={"fixture/pads.svg": SVG})
    result = run(root, "build", "-j", "1")
    assert result.code == 1
    assert message in result.err
