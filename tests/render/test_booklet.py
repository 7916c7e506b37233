"""The A5 booklet variant (issue 12): half-size pages imposed two to a side of a landscape sheet
in saddle-stitch order, so the printed sheets fold into a booklet that reads in order."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import HANDOUT, copy_project, pdf_text
from fixture_project import PARAGRAPHS_LEAFLET as LEAFLET
from fixture_project import ink_error, make_project
from handouts.cli import main
from handouts.commands.check import internal_error_problem
from handouts.render.imposition import booklet_order, impose
from handouts.render.variants import VARIANTS

A4_LANDSCAPE = (841.89, 595.28)
LETTER_LANDSCAPE = (792.0, 612.0)


def test_eight_pages_fold_into_two_sheets() -> None:
    # sheet 1 front, sheet 1 back, sheet 2 front, sheet 2 back; each side (left, right)
    assert booklet_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]


def test_blank_pages_fill_up_to_a_multiple_of_four_before_the_back_cover() -> None:
    assert booklet_order(1) == [(None, 1), (None, None)]
    assert booklet_order(3) == [(None, 1), (2, 3)]
    assert booklet_order(6) == [(None, 1), (2, None), (6, 3), (4, 5)]
    assert booklet_order(12)[:2] == [(12, 1), (2, 11)]


def test_right_to_left_booklets_open_the_other_way() -> None:
    assert booklet_order(8, right_to_left=True) == [(1, 8), (7, 2), (3, 6), (5, 4)]


def numbered_pdf(pages: int, size: str = "A5") -> bytes:
    from weasyprint import HTML

    body = "".join(f'<p style="break-after: page; font-size: 30pt">Page {n}</p>' for n in range(1, pages + 1))
    return HTML(string=f"<style>@page {{ size: {size}; }}</style>{body}").write_pdf()


def halves(path_or_bytes: Path | bytes) -> list[tuple[str, str]]:
    """Each sheet side's text: (left half, right half)."""
    import io

    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with pdfplumber.open(source) as pdf:
        out = []
        for page in pdf.pages:
            middle = page.width / 2
            left = page.crop((0, 0, middle, page.height)).extract_text()
            right = page.crop((middle, 0, page.width, page.height)).extract_text()
            out.append((left.strip(), right.strip()))
        return out


def sheet_sizes(data: bytes) -> list[tuple[float, float]]:
    import io

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [(float(page.width), float(page.height)) for page in pdf.pages]


def test_numbered_pages_land_on_the_right_halves_of_a4_sheets() -> None:
    data, sides = impose(numbered_pdf(8), "A4")
    assert sides == 4
    assert sheet_sizes(data) == [pytest.approx(A4_LANDSCAPE, abs=0.5)] * 4
    assert halves(data) == [("Page 8", "Page 1"), ("Page 2", "Page 7"), ("Page 6", "Page 3"), ("Page 4", "Page 5")]


@pytest.mark.contract
def test_six_pages_on_letter_leave_two_halves_blank_and_give_the_same_bytes_twice() -> None:
    source = numbered_pdf(6, "5.5in 8.5in")
    data, _ = impose(source, "Letter")
    assert sheet_sizes(data) == [pytest.approx(LETTER_LANDSCAPE, abs=0.5)] * 4
    assert halves(data) == [("", "Page 1"), ("Page 2", ""), ("Page 6", "Page 3"), ("Page 4", "Page 5")]
    assert impose(source, "Letter")[0] == data


def page_numbers(sides: list[tuple[str, str]]) -> list[tuple[int | None, int | None]]:
    """The "Page X of N" footer of each half, as X (None for a blank half)."""

    def number(text: str) -> int | None:
        found = re.search(r"Page (\d+) of \d+", text)
        return int(found[1]) if found else None

    return [(number(left), number(right)) for left, right in sides]


@pytest.fixture(scope="module")
def booklets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The microcurrent leaflet as a booklet: A4 (stadtpark, --booklet) and Letter (riverside, clinic.yaml)."""
    root = copy_project(tmp_path_factory.mktemp("booklet") / "project", ["stadtpark", "riverside"])
    riverside = root / "clinics/riverside/clinic.yaml"
    riverside.write_text(riverside.read_text() + "booklet: true\n")
    common = ["-C", str(root), "build", "--handout", HANDOUT, "--lang", "en", "--format", "pdf", "-j", "1"]
    assert main([*common, "--clinic", "stadtpark", "--booklet"]) == 0
    assert main([*common, "--clinic", "riverside"]) == 0
    return root / "output"


@pytest.mark.parametrize(("clinic", "sheet"), [("stadtpark", A4_LANDSCAPE), ("riverside", LETTER_LANDSCAPE)])
def test_leaflet_booklet_folds_into_reading_order(booklets: Path, clinic: str, sheet: tuple[float, float]) -> None:
    path = booklets / clinic / "en" / f"{HANDOUT}-booklet.pdf"
    data = path.read_bytes()
    sides = halves(data)
    total = int(re.search(r"Page 1 of (\d+)", sides[0][1])[1])  # type: ignore[index]
    assert total > 4  # A5 at 12 pt takes more pages than the A4 leaflet's 3
    assert page_numbers(sides) == booklet_order(total)
    assert "Microcurrent therapy for back pain" in " ".join(
        sides[0][1].split()
    )  # the cover: right half of the first side
    assert sheet_sizes(data) == [pytest.approx(sheet, abs=0.5)] * len(sides)
    assert len(sides) % 2 == 0  # whole sheets, printed on both sides
    assert (booklets / clinic / "en" / f"{HANDOUT}.pdf").is_file()  # the standard copy is still built


def test_booklet_keeps_title_and_language_but_claims_no_tags(booklets: Path) -> None:
    with pikepdf.open(booklets / "stadtpark/en" / f"{HANDOUT}-booklet.pdf") as pdf:
        assert str(pdf.docinfo.Title) == "Microcurrent therapy for back pain"
        assert str(pdf.Root.Lang) == "en"
        assert "/StructTreeRoot" not in pdf.Root and "/Metadata" not in pdf.Root  # no PDF/UA claim it cannot keep


def test_variant_switches_come_from_the_registry(tmp_path: Path, run) -> None:
    # "booklet" alone is in --variant's help too: look for the --X / --no-X switches themselves.
    result = run(tmp_path, "build", "--help")
    switches = set(re.findall(r"^\s+--([\w-]+) / --no-\1\b", result.out, flags=re.MULTILINE))
    assert switches == {variant.name for variant in VARIANTS.values() if variant.setting} == {"bilingual", "booklet"}


# -- Booklets that print: judged in sheets, tables fitted to A5, advice that fits the element ----

SENTENCES = "Walk for ten minutes each day. Rest when you need to. Stop if the pain gets worse. "
TABLE = """\
      - type: table
        row_height: {row_height}
        header: [{header}]
        rows:
          - [{cells}]
"""


def leaflet(paragraphs: int, target_pages: int, extra: str = "", sentences: int = 3) -> str:
    blocks = f'      - type: paragraph\n        text: "{(SENTENCES * sentences).strip()}"\n' * paragraphs + extra
    return LEAFLET.format(paragraphs=blocks.rstrip("\n")).replace("target_pages: 4", f"target_pages: {target_pages}")


def test_check_judges_a_booklet_in_sheets_never_by_the_page_target(tmp_path: Path, run) -> None:
    """One A4 page (its target) is three A5 pages: the booklet passes, one sheet."""
    root = make_project(tmp_path, {"leaflet": leaflet(6, 1)}, clinic_extra="booklet: true\n")
    result = run(root, "check")
    assert result.code == 0, result.out
    assert "fit          ok     1 clinic × language × handout layouts within their target pages; 1 booklet " in (
        result.out
    )
    assert "within 5 sheets" in result.out


def test_a_booklet_over_five_sheets_is_reported_in_sheets(tmp_path: Path, run) -> None:
    root = make_project(tmp_path, {"leaflet": leaflet(90, 40, sentences=8)}, clinic_extra="booklet: true\n")
    result = run(root, "check")
    assert result.code == 1
    (line,) = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert re.fullmatch(
        r"error: handouts/leaflet\.yaml: the 'en' booklet for fixture takes (\d+) A5 pages, (\d+) sheets, over the 5 "
        r"a booklet folds and staples by hand; shorten the text or its translation, or print the standard copy "
        r"instead \(booklet: false\)",
        line,
    ), line
    pages, sheets = map(int, re.findall(r"(\d+) (?:A5 pages|sheets)", line))
    assert pages > 20 and sheets == -(-pages // 4)


@pytest.fixture(scope="module")
def diary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged pain diary as a German and an Arabic booklet: the widest tables shipped."""
    root = copy_project(tmp_path_factory.mktemp("diary") / "project", ["stadtpark"])
    args = [
        "-C",
        str(root),
        "build",
        "--handout",
        "pain-diary",
        "--lang",
        "de",
        "--lang",
        "ar",
        "--booklet",
        "--format",
        "pdf",
    ]
    assert main([*args, "-j", "1"]) == 0
    return root / "output/stadtpark"


def test_the_pain_diary_booklet_prints_its_tables_as_cards_at_12_pt(diary: Path) -> None:
    """Each write-in row is a card, each field labelled with its column's heading, at body size."""
    text = " ".join(pdf_text(diary / "de/pain-diary-booklet.pdf").split())
    assert text.count("Was geholfen hat") == 7  # the daily diary: one card a day
    with pdfplumber.open(diary / "de/pain-diary-booklet.pdf") as pdf:
        words = [word for page in pdf.pages for word in page.extract_words(extra_attrs=["size"])]
    labels = [word for word in words if word["text"] == "geholfen"]
    assert len(labels) == 7 and all(word["size"] >= 12 for word in labels)
    assert (diary / "ar/pain-diary-booklet.pdf").is_file()  # right to left, the same cards


def test_a_table_too_wide_for_the_page_gets_advice_for_a_table(tmp_path: Path, run) -> None:
    """Refused by the build with a fix that applies to a table, and counted by check as fit, not glyphs."""
    header = ", ".join(["Averyveryverylongunbreakablecolumnheading"] * 6)
    extra = TABLE.format(row_height="normal", header=header, cells=", ".join(["null"] * 6))
    root = make_project(tmp_path, {"leaflet": leaflet(1, 2, extra)})
    built = run(root, "build")
    assert built.code == 1
    advice = r"The table is wider than the page: give it fewer or narrower columns \(shorter headings\)"
    assert re.search(ink_error("(a <table> element|the text “[^”]+”)", "right", advice), built.err), built.err
    assert "footer_text" not in built.err
    checked = run(root, "check")
    assert "glyphs       ok" in checked.out and "fit          FAILED" in checked.out
    assert "The table is wider than the page" in checked.err


def test_glyphs_failed_always_says_why(tmp_path: Path, run) -> None:
    root = make_project(tmp_path, {"leaflet": leaflet(1, 2).replace("title: A leaflet", "title: A leaflet 𓀀")})
    result = run(root, "check")
    assert result.code == 1
    assert re.search(
        r"^glyphs {7}FAILED 1 of 1 layout could not be laid out \(fonts, images or templates\); see the errors below$",
        result.out,
        re.MULTILINE,
    ), result.out
    assert re.search(r"^error: .*no font for language 'en' has the character", result.err, re.MULTILINE)
    trace = "Traceback (most recent call last):\n  File ...\nValueError: odd input\n"
    assert str(internal_error_problem("c/en/h", trace)) == (
        "c/en/h: internal error while laying it out (ValueError: odd input); please report it"
    )
