"""figure: an SVG or PNG from the handout's own folder (`handouts/<id>/`), with alt text
and a caption. An SVG's `<text>` labels are translated: each is a catalog entry
(context "figure label") and is replaced per language when the page is drawn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal
from xml.etree import ElementTree as ET

from pydantic import Field

from handouts.blocks.base import BlockModel
from handouts.schema import Msg, Text
from handouts.yamlfile import KeyPath

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
LABEL_CONTEXT = "figure label"
MAX_FIGURE_BYTES = 1_000_000
MAX_LABEL_CHARS = 200


class FigureError(ValueError):
    """An SVG the tool will not draw; the message names the fix."""


class Figure(BlockModel):
    type: Literal["figure"]
    src: str = Field(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*\.(svg|png)$")
    alt: Msg
    caption: Msg | None = None  # the heading or the text beside it may say it already
    width: int = Field(default=80, ge=20, le=180)  # millimetres on paper
    # `start`: beside the blocks that follow it (left in left-to-right languages, right in Arabic).
    placement: Literal["block", "start"] = "block"
    has_extra_texts = True

    def path(self, asset_dir: Path) -> Path:
        return asset_dir / self.src

    def asset_problem(self, asset_dir: Path) -> str | None:
        path = self.path(asset_dir)
        if not path.is_file():
            return f"figure {self.src!r} not found in {asset_dir.name}/; put the picture there or fix the name"
        if asset_dir.resolve() not in path.resolve().parents:
            return f"figure {self.src!r} is outside the handout's folder {asset_dir.name}/"
        if path.stat().st_size > MAX_FIGURE_BYTES:
            return f"figure {self.src!r} is over {MAX_FIGURE_BYTES // 1000} kB; make it smaller"
        from handouts.images import image_problem  # the same checks as a clinic's logo

        if why := image_problem(path):
            return f"figure {self.src!r}: {why}"
        if path.suffix == ".svg":
            try:
                svg_labels(read_svg(path))
            except FigureError as exc:
                return f"figure {self.src!r}: {exc}"
        return None

    def extra_texts(self, asset_dir: Path, path: KeyPath) -> Iterator[tuple[KeyPath, Text]]:
        if self.src.endswith(".svg"):
            for number, label in enumerate(svg_labels(read_svg(self.path(asset_dir)))):
                yield (*path, "src", number), Text(text=label, context=LABEL_CONTEXT, safety=self.safety)


def read_svg(path: Path) -> ET.Element:
    """The figure as every output draws it: sanitised against images.py's allow-list."""
    from handouts.images import SvgRefused, sanitised_svg

    try:
        data = sanitised_svg(path.read_bytes())
    except SvgRefused as exc:
        raise FigureError(f"{exc}; save it again as a plain drawing") from None
    return ET.fromstring(data)  # the sanitised copy: no DOCTYPE, nothing but drawing


def _text_elements(root: ET.Element) -> list[ET.Element]:
    return [element for element in root.iter(f"{{{SVG_NS}}}text")]


def svg_labels(root: ET.Element) -> list[str]:
    """The English of each <text>, in document order."""
    labels = []
    for element in _text_elements(root):
        label = " ".join("".join(element.itertext()).split())
        if not label:
            continue
        if len(label) > MAX_LABEL_CHARS:
            raise FigureError(f"a label is over {MAX_LABEL_CHARS} characters; keep labels short")
        labels.append(label)
    return labels


def translated_svg(
    root: ET.Element, translate: object, font_family: str, direction: str, screen: bool = False, alt: str = ""
) -> str:
    """The SVG as inline markup, each label replaced by translate(label) (plain text).

    On a screen (the HTML copy) the browser lays labels out itself, and the figure's alt text
    (on the element around it) speaks for the drawing, so the SVG is hidden from screen readers.
    In print, alt is the SVG's <title>: the /Alt of the tagged PDF's figure (WeasyPrint reads it there)."""
    for element in _text_elements(root):
        label = " ".join("".join(element.itertext()).split())
        if not label:
            continue
        for child in list(element):
            element.remove(child)
        text = translate(label)  # type: ignore[operator]
        element.text = text if screen else _drawable(text, direction)
        element.set("font-family", font_family)
    if screen:
        root.set("aria-hidden", "true")
    else:
        root.set("role", "img")
        for title in root.findall(f"{{{SVG_NS}}}title"):
            root.remove(title)  # the drawing's own title is English
        if alt:
            title = ET.Element(f"{{{SVG_NS}}}title")
            title.text = alt
            root.insert(0, title)
    _drop_foreign(root)
    # Plain names and an explicit xmlns, not ET.register_namespace: that map is global, and other
    # code in the process (WeasyPrint's SVG reader) changes it, which would print <ns0:svg>.
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{SVG_NS}}}")
        for key in [k for k in element.attrib if k.startswith(f"{{{XLINK_NS}}}")]:
            element.set("xlink:" + key.split("}", 1)[1], element.attrib.pop(key))
    root.set("xmlns", SVG_NS)
    root.set("xmlns:xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _drawable(text: str, direction: str) -> str:
    """Text as WeasyPrint's SVG renderer can draw it. That renderer lays a label out left to
    right without joining letters, so a right-to-left label is given in visual order with its
    joined letter forms (python-bidi and arabic-reshaper, the usual fix for such renderers)."""
    if direction != "rtl":
        return text
    import arabic_reshaper
    from bidi import get_display

    return get_display(arabic_reshaper.reshape(text))


def _drop_foreign(element: ET.Element) -> None:
    """Editors' metadata in other namespaces: not drawn, and not serialisable as plain SVG."""
    for key in [k for k in element.attrib if k.startswith("{") and not k.startswith(f"{{{XLINK_NS}}}")]:
        del element.attrib[key]
    for child in list(element):
        if not child.tag.startswith(f"{{{SVG_NS}}}"):
            element.remove(child)
        else:
            _drop_foreign(child)


BLOCKS = [Figure]
