"""Booklet imposition: a handout laid out on half-size pages (A5, or half-letter), placed two to
a side of a landscape sheet (A4, or Letter) in saddle-stitch order, so that the sheets printed on
both sides (flipped on the short edge), stacked and folded in the middle read in page order.

The order is a pure function (`booklet_order`); `impose` applies it to a rendered PDF."""

from __future__ import annotations

import io

import pikepdf

# Landscape sheets in points: two half-size pages side by side on each side.
SHEETS = {"A4": (841.8898, 595.2756), "Letter": (792.0, 612.0)}
# The page size each sheet is folded to, as CSS @page sizes.
HALF_PAGES = {"A4": "A5", "Letter": "5.5in 8.5in"}
HALF_PAGE_NAMES = {"A4": "A5", "Letter": "half-letter"}

# A booklet's own measure: the sheets it is printed on. More than this many, folded in the middle
# by hand and stapled on an office stapler, no longer lie flat or hold together.
BOOKLET_MAX_SHEETS = 5

Side = tuple[int | None, int | None]  # (left, right) page numbers from 1; None is a blank half


def sheets_for(pages: int) -> int:
    """The sheets a booklet of `pages` half-size pages is printed on (four pages to a sheet)."""
    return max(4, -(-pages // 4) * 4) // 4


def booklet_order(pages: int, right_to_left: bool = False) -> list[Side]:
    """The sides of the sheets in print order (sheet 1 front, sheet 1 back, sheet 2 front, ...).

    Blank pages fill the booklet up to a multiple of four at its end, before the back cover.
    For 8 pages: [(8, 1), (2, 7), (6, 3), (4, 5)]. A right-to-left booklet opens the other
    way (its spine on the right), so each side is mirrored."""
    total = sheets_for(pages) * 4
    sides: list[Side] = []
    for sheet in range(total // 4):
        front = (total - 2 * sheet, 1 + 2 * sheet)
        back = (2 + 2 * sheet, total - 1 - 2 * sheet)
        sides += [front, back]
    shown = [tuple(number if number <= pages else None for number in side) for side in sides]
    return [(right, left) if right_to_left else (left, right) for left, right in shown]  # type: ignore[misc]


def impose(data: bytes, paper: str, right_to_left: bool = False) -> tuple[bytes, int]:
    """The PDF's pages imposed as a booklet on landscape sheets of `paper`; (bytes, sides).

    The imposed file keeps the document's title, author and language, but not its tags:
    the pages become drawings placed on sheets, so it is a copy for printing only."""
    width, height = SHEETS[paper]
    half = width / 2
    with pikepdf.open(io.BytesIO(data)) as source:
        out = pikepdf.new()
        drawings = [out.copy_foreign(source.make_indirect(page.as_form_xobject())) for page in source.pages]
        for side in booklet_order(len(source.pages), right_to_left):
            sheet = out.add_blank_page(page_size=(width, height))
            placed = [
                _place(sheet, f"/Page{number}", drawings[number - 1], slot * half, half, height)
                for slot, number in enumerate(side)
                if number is not None
            ]
            sheet.Contents = out.make_stream(b"".join(placed))
        _copy_document_facts(source, out)
        return save_pdf(out, source.pdf_version), len(out.pages)


def _place(sheet: pikepdf.Page, name: str, drawing: pikepdf.Object, left: float, width: float, height: float) -> bytes:
    """The content that draws a page at its own size, centred in the half of the sheet from `left`.

    Named after the page number (not at random, as Page.add_overlay names them): deterministic bytes."""
    if "/XObject" not in sheet.Resources:
        sheet.Resources.XObject = pikepdf.Dictionary()
    sheet.Resources.XObject[name] = drawing
    area = pikepdf.Rectangle(left, 0, left + width, height)
    return sheet.calc_form_xobject_placement(drawing, pikepdf.Name(name), area)


def _copy_document_facts(source: pikepdf.Pdf, out: pikepdf.Pdf) -> None:
    for key, value in source.docinfo.items():
        out.docinfo[key] = value
    if "/Lang" in source.Root:
        out.Root.Lang = source.Root.Lang
    out.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)


def save_pdf(pdf: pikepdf.Pdf, version: str) -> bytes:
    """Same input, same bytes: the file identifier comes from the content, not the clock."""
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True, min_version=version, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()
