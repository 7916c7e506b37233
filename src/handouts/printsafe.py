"""The print-safe area: office printers cannot print the outer 4–6 mm of a sheet, so a page
that puts ink closer than SAFE_MM to an edge would lose it on paper (say, the review date in
the footer). The stylesheet keeps every sample clear of it; this check, on the laid-out
pages, refuses the one PDF whose own text (a long footer_text, a clinic template) would not be."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from handouts.errors import Problem

SAFE_MM = 5.0
_PX_PER_MM = 96 / 25.4  # WeasyPrint lays pages out in CSS pixels
_ASCENT, _DESCENT = 1.1, 0.6  # of the font size: room for accents, Arabic marks and descenders
_PICTURES = {"img", "svg", "figure", "object", "embed", "picture"}


@dataclass(frozen=True)
class InkProblem(Problem):
    """Ink outside the print-safe area: a matter of fit to the sheet, not of fonts or files."""


def ink_problems(document: Any, origin: str) -> list[Problem]:
    """The first page whose ink comes closer than SAFE_MM to an edge of the paper (and how many more do)."""
    found = [(number, at) for number, page in enumerate(document.pages, 1) if (at := _closest(page._page_box))]
    if not found:
        return []
    (number, (gap, edge, box, in_margin)), more = found[0], len(found) - 1
    others = f" (and on {more} other page{'s' if more > 1 else ''})" if more else ""
    return [
        InkProblem(
            origin,
            f"page {number}: {_describe(box)} comes {gap:.1f} mm from the {edge} edge of the paper{others}; "
            f"printers leave the outer {SAFE_MM:g} mm blank, so it would be cut off. {_advice(box, in_margin)}",
        )
    ]


def _closest(page_box: Any) -> tuple[float, str, Any, bool] | None:
    """(gap in mm, edge, box, whether it is page furniture) of the ink closest to an edge, if it
    is inside the unsafe band."""
    width, height = page_box.margin_width(), page_box.margin_height()
    worst: tuple[float, str, Any, bool] | None = None
    for (x0, y0, x1, y1), box, in_margin in _ink(page_box):
        for gap, edge in ((x0, "left"), (y0, "top"), (width - x1, "right"), (height - y1, "bottom")):
            mm = gap / _PX_PER_MM
            if mm < SAFE_MM - 0.05 and (worst is None or mm < worst[0]):
                worst = (mm, edge, box, in_margin)
    return worst


def _ink(box: Any, in_margin: bool = False) -> Iterator[tuple[tuple[float, float, float, float], Any, bool]]:
    """(border box, box, in a page margin box) of everything that leaves a mark: text, images,
    borders, backgrounds."""
    from weasyprint.formatting_structure import boxes

    in_margin = in_margin or isinstance(box, boxes.MarginBox)
    if isinstance(box, boxes.TextBox):
        if box.text.strip():
            # Glyphs reach about one em above the baseline and well under half an em below it; a text
            # box's own height is the font's whole content area, over two ems for Arabic.
            baseline, size = box.position_y + box.baseline, box.style["font_size"]
            top, bottom = baseline - _ASCENT * size, baseline + _DESCENT * size
            yield (box.position_x, top, box.position_x + box.width, bottom), box, in_margin
        return
    if not isinstance(box, boxes.PageBox) and (isinstance(box, boxes.ReplacedBox) or _paints(box)):
        x, y = box.border_box_x(), box.border_box_y()
        yield (x, y, x + box.border_width(), y + box.border_height()), box, in_margin
    for child in getattr(box, "children", ()):
        yield from _ink(child, in_margin)


def _paints(box: Any) -> bool:
    borders = (box.border_top_width, box.border_right_width, box.border_bottom_width, box.border_left_width)
    background = box.style["background_color"]
    return any(borders) or getattr(background, "alpha", 0) > 0


def _advice(box: Any, in_margin: bool) -> str:
    """A fix that applies to what overflows: the footer's text, a table, a picture, a word."""
    from weasyprint.formatting_structure import boxes

    tag = getattr(box, "element_tag", None) or ""  # a text run carries its element's tag (a <td>, a <p>)
    if in_margin:
        return "Shorten it (e.g. footer_text) or move it inside the page margins"
    if tag in ("table", "thead", "tbody", "tr", "th", "td", "caption"):
        return (
            "The table is wider than the page: give it fewer or narrower columns (shorter headings), "
            "or a layout rule for this page size that fits it (as templates/variants/booklet.css "
            "turns write-in tables into cards)"
        )
    if tag in _PICTURES or isinstance(box, boxes.ReplacedBox):
        return "Scale the picture to the page width (max-width: 100%) or make it smaller"
    if isinstance(box, boxes.TextBox):
        return "A word or line is too long for the page: shorten it or its translation, or let it wrap"
    return "Move it inside the page margins (width: auto or max-width: 100%)"


def _describe(box: Any) -> str:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        text = " ".join(box.text.split())
        return f"the text “{text[:40]}{'…' if len(text) > 40 else ''}”"
    return f"a <{box.element_tag}> element" if box.element_tag else "a box"
