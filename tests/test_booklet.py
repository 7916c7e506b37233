"""The A5 booklet variant (issue 12): half-size pages imposed two to a side of a landscape sheet
in saddle-stitch order, so the printed sheets fold into a booklet that reads in order."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import HANDOUT, copy_project
from handouts.cli import main
from handouts.imposition import booklet_order, impose
from handouts.variants import VARIANTS

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
    common = ["-C", str(root), "build", "--handout", HANDOUT, "--lang", "en", "-j", "1"]
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
