"""Figure labels that will not read on paper: a label that runs outside its drawing's viewBox
(cut off on the page), or one that prints below MIN_LABEL_PT at the figure's width.

A label prints on one line at its <text>'s x and y, in the page's fonts (figure.translated_svg),
so it is measured so: each character in the first font of the language's stack that has it,
by the font's own advance widths (fontTools; kerning and Arabic joining aside), through the
transforms of the <text> and the groups around it. The English is judged for both, in check
and build; each translation, in `handouts check`, for running outside. Warnings, not
errors: the drawing or the translation can be fixed after the PDF prints."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree as ET

from handouts.errors import Problem
from handouts.i18n.catalogs import SOURCE_LANGUAGE, Translations, problem_at
from handouts.model.loaded import LoadedHandout
from handouts.source.blocks.figure import LABEL_CONTEXT, SVG_NS, Figure, read_svg
from handouts.source.fonts import Family, FontSet
from handouts.source.handout import all_blocks
from handouts.source.yamlfile import KeyPath, format_key

MIN_LABEL_PT = 9  # the smallest a label may print (RNIB clear print asks 12 for text; 9 for short labels)
PT_PER_MM = 72 / 25.4
DEFAULT_FONT_SIZE = 16.0  # CSS "medium", in user units
TOLERANCE = 0.5  # user units a label may touch the edge by (anti-aliasing, rounding)
# Above and below the baseline, per unit of font size: WeasyPrint's own reckoning of an SVG text's box.
ASCENT, DESCENT = 0.8, 0.2
MOVE_IT = "move it in, shorten it, or widen the viewBox"

Matrix = tuple[float, float, float, float, float, float]  # a b c d e f, as SVG's matrix()
Box = tuple[float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    size: float  # font size in user units, before transforms
    anchor: str  # start, middle or end
    bold: bool
    matrix: Matrix  # from the label's coordinates to the drawing's


def label_warnings(loaded: LoadedHandout, fonts: FontSet) -> list[Problem]:
    """A warning for each English figure label of the handout that runs outside its drawing or prints too small."""
    found = []
    for figure, path, root, box in _figures(loaded):
        where = Problem(loaded.shown_as, "", loaded.lines.line_for((*path, "src")), format_key(path))
        for label in labels(root):
            named = f"figure label {label.text!r} ({figure.src})"
            if too_small := _too_small(label, figure, box):
                found.append(replace(where, message=f"{named} {too_small}"))
            if outside := _outside(extent(label, label.text, fonts.stack_for(SOURCE_LANGUAGE)), box):
                found.append(replace(where, message=f"{named} runs outside the drawing ({outside}); {MOVE_IT}"))
    return found


def translated_label_warnings(loaded: LoadedHandout, fonts: FontSet, translations: Translations) -> list[Problem]:
    """A warning, at the catalog's line, for each translated figure label that runs outside its drawing."""
    found = []
    stack = fonts.stack_for(translations.lang)
    for figure, _, root, box in _figures(loaded):
        for label in labels(root):
            lookup = translations.lookup(loaded.id, label.text, LABEL_CONTEXT, loaded.shown_as)
            if lookup.translated and (outside := _outside(extent(label, lookup.text, stack), box)):
                message = (
                    f"figure label {label.text!r} ({figure.src}) in {translations.lang}, {lookup.text!r}, runs "
                    f"outside the drawing ({outside}); shorten the translation (the drawing has no more room)"
                )
                found.append(problem_at(lookup.origin, message))
    return found


def _figures(loaded: LoadedHandout) -> Iterator[tuple[Figure, KeyPath, ET.Element, Box]]:
    """Each SVG figure of the handout with a size to judge its labels by (a viewBox, or a width and height)."""
    for block, path in all_blocks(loaded.handout):
        if isinstance(block, Figure) and block.src.endswith(".svg"):
            root = read_svg(block.path(loaded.asset_dir))
            if box := view_box(root):
                yield block, path, root, box


def _too_small(label: Label, figure: Figure, box: Box) -> str | None:
    points = label.size * scale_of(label.matrix) * figure.width / box[2] * PT_PER_MM
    if points >= MIN_LABEL_PT - 0.05:
        return None
    return (
        f"prints at {points:.1f} pt at the figure's width of {figure.width} mm; make it at least {MIN_LABEL_PT} pt "
        f"(font-size {math.ceil(label.size * MIN_LABEL_PT / points)} in this drawing), or make the figure wider"
    )


def _outside(extent: Box, box: Box) -> str | None:
    """Where a label's box leaves the viewBox, as the author can find it in the SVG; None when it does not."""
    left, top, right, bottom = extent
    x0, y0, width, height = box
    inside = x0 - TOLERANCE <= left and right <= x0 + width + TOLERANCE
    if inside and y0 - TOLERANCE <= top and bottom <= y0 + height + TOLERANCE:
        return None
    return (
        f"x {left:.0f} to {right:.0f}, y {top:.0f} to {bottom:.0f}; "
        f"the viewBox is x {x0:g} to {x0 + width:g}, y {y0:g} to {y0 + height:g}"
    )


def view_box(root: ET.Element) -> Box | None:
    """The drawing's viewBox (min x, min y, width, height); its width and height when it has none."""
    numbers = _numbers(root.get("viewBox", ""))
    if len(numbers) == 4 and numbers[2] > 0 and numbers[3] > 0:
        return numbers[0], numbers[1], numbers[2], numbers[3]
    width, height = (_length(root.get(name), 0.0) for name in ("width", "height"))
    return (0.0, 0.0, width, height) if width > 0 and height > 0 else None


def labels(root: ET.Element) -> Iterator[Label]:
    """Each labelled <text>, with what it inherits from the groups around it."""
    yield from _walk(root, IDENTITY, DEFAULT_FONT_SIZE, "start", False)


def _walk(element: ET.Element, matrix: Matrix, size: float, anchor: str, bold: bool) -> Iterator[Label]:
    style = _style(element)
    matrix = multiply(matrix, parse_transform(element.get("transform", "")))
    size = _length(style.get("font-size"), size, size)
    anchor = style.get("text-anchor", anchor)
    weight = style.get("font-weight")
    bold = bold if weight is None else (weight == "bold" or (weight.isdigit() and int(weight) >= 600))
    if element.tag == f"{{{SVG_NS}}}text":
        text = " ".join("".join(element.itertext()).split())
        if text:
            x, y = (_first(element.get(name)) for name in ("x", "y"))
            yield Label(text, x, y, size, anchor, bold, matrix)
        return
    for child in element:
        yield from _walk(child, matrix, size, anchor, bold)


def _style(element: ET.Element) -> dict[str, str]:
    """The presentation attributes that matter here; a style="" declaration wins over them."""
    found = {name: element.get(name) for name in ("font-size", "text-anchor", "font-weight") if element.get(name)}
    for declaration in element.get("style", "").split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() in ("font-size", "text-anchor", "font-weight") and value.strip():
            found[name.strip()] = value.strip()
    return {name: value.strip() for name, value in found.items() if value}


def extent(label: Label, text: str, stack: list[Family]) -> Box:
    """The box (left, top, right, bottom) of text drawn as the label, in the drawing's coordinates:
    each character as wide as in the first font of the stack that has it."""
    fonts = [_font_file(family, label.bold) for family in stack]
    first = metrics(fonts[0])
    width = sum(next((m for m in map(metrics, fonts) if m.has(char)), first).advance(char) for char in text)
    width *= label.size
    left = label.x - width * {"middle": 0.5, "end": 1.0}.get(label.anchor, 0.0)
    corners = [
        apply(label.matrix, x, y)
        for x in (left, left + width)
        for y in (label.y - ASCENT * label.size, label.y + DESCENT * label.size)
    ]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _font_file(family: Family, bold: bool) -> Path:
    return family.files.get(700 if bold else 400) or next(iter(family.files.values()))


@dataclass(frozen=True)
class Metrics:
    """A font's advance widths and line extent, per unit of font size."""

    advances: dict[int, float]
    average: float

    def has(self, char: str) -> bool:
        return ord(char) in self.advances

    def advance(self, char: str) -> float:
        return self.advances.get(ord(char), self.average)


@functools.cache
def metrics(font: Path) -> Metrics:
    from fontTools.ttLib import TTFont

    with TTFont(font, lazy=True) as data:
        units = data["head"].unitsPerEm
        advances = {code: data["hmtx"][glyph][0] / units for code, glyph in data.getBestCmap().items()}
        return Metrics(advances, data["OS/2"].xAvgCharWidth / units)


# -- SVG numbers, lengths and transforms --------------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# CSS lengths in SVG user units (px); em is the inherited font size.
_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


def _numbers(text: str) -> list[float]:
    return [float(found) for found in _NUMBER.findall(text or "")]


def _first(text: str | None) -> float:
    numbers = _numbers(text or "")
    return numbers[0] if numbers else 0.0


def _length(text: str | None, default: float, em: float = DEFAULT_FONT_SIZE) -> float:
    """A CSS length in user units; default when it is missing or not one this reads."""
    found = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*(px|pt|pc|mm|cm|in|em|%)?\s*", text or "")
    if not found:
        return default
    number, unit = float(found[1]), found[2] or ""
    if unit == "em":
        return number * em
    if unit == "%":
        return number * em / 100
    return number * _UNITS[unit]


def parse_transform(text: str) -> Matrix:
    """An SVG transform list (matrix, translate, scale, rotate, skewX, skewY) as one matrix."""
    matrix = IDENTITY
    for name, arguments in re.findall(r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)", text):
        matrix = multiply(matrix, _one(name, _numbers(arguments)))
    return matrix


def _one(name: str, values: list[float]) -> Matrix:
    if name == "matrix" and len(values) == 6:
        return tuple(values)  # type: ignore[return-value]
    if name == "translate" and values:
        return (1.0, 0.0, 0.0, 1.0, values[0], values[1] if len(values) > 1 else 0.0)
    if name == "scale" and values:
        return (values[0], 0.0, 0.0, values[1] if len(values) > 1 else values[0], 0.0, 0.0)
    if name == "rotate" and values:
        turn = math.radians(values[0])
        rotation = (math.cos(turn), math.sin(turn), -math.sin(turn), math.cos(turn), 0.0, 0.0)
        if len(values) == 3:  # about a point: there and back again
            there, back = _one("translate", values[1:]), _one("translate", [-values[1], -values[2]])
            return multiply(multiply(there, rotation), back)
        return rotation
    if name in ("skewX", "skewY") and values:
        slant = math.tan(math.radians(values[0]))
        return (1.0, 0.0, slant, 1.0, 0.0, 0.0) if name == "skewX" else (1.0, slant, 0.0, 1.0, 0.0, 0.0)
    return IDENTITY


def multiply(outer: Matrix, inner: Matrix) -> Matrix:
    """outer × inner: inner applies first (a child's transform inside its parent's)."""
    a, b, c, d, e, f = outer
    g, h, i, j, k, m = inner
    return (a * g + c * h, b * g + d * h, a * i + c * j, b * i + d * j, a * k + c * m + e, b * k + d * m + f)


def apply(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def scale_of(matrix: Matrix) -> float:
    """How much the matrix enlarges a glyph (the square root of the area it scales by)."""
    a, b, c, d, _, _ = matrix
    return math.sqrt(abs(a * d - b * c))
