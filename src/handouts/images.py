"""Checking a clinic's image before anything renders it.

A logo comes from outside the project team, so it is read within limits: bytes on
disk, pixels once decoded (a small PNG can claim to be 100,000 × 100,000), and, for
SVG, nothing but drawing, by allow-list: no DOCTYPE or entities (the "billion laughs"),
no scripts, styles or animation, no references to other files or the network."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

MAX_IMAGE_BYTES = 5_000_000
MAX_PIXELS = 25_000_000
RASTER_FORMATS = {".png": {"PNG"}, ".jpg": {"JPEG", "MPO"}, ".jpeg": {"JPEG", "MPO"}}  # MPO: a camera's JPEG


def image_problem(path: Path) -> str | None:
    """Why the image at path cannot be used, or None when it can."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if size > MAX_IMAGE_BYTES:
        return f"it is {size / 1_000_000:.1f} MB; at most {MAX_IMAGE_BYTES // 1_000_000} MB is allowed"
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return svg_problem(path)
    if suffix in RASTER_FORMATS:
        return raster_problem(path, RASTER_FORMATS[suffix])
    return "it is not an SVG, PNG or JPEG image"


def raster_problem(path: Path, formats: set[str]) -> str | None:
    from PIL import Image  # only commands that load a clinic pay for Pillow

    kind = "PNG" if "PNG" in formats else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, lower limit decides
            with Image.open(path) as image:  # reads the header only
                if problem := _header_problem(image, formats, kind):
                    return problem
                image.verify()  # every chunk's checksum, up to the end marker (PNG)
            with Image.open(path) as image:  # verify() leaves an image unusable: open it again
                image.load()  # every pixel: a corrupt file fails here, not half way through a PDF
    except Image.DecompressionBombError:
        return f"it claims more than {MAX_PIXELS // 1_000_000} megapixels; save it at a smaller size"
    except Image.UnidentifiedImageError:
        return f"it is not a {kind} image (its content is not an image Pillow knows)"
    # Pillow raises many types (OSError, SyntaxError, ValueError, ...) for a file it cannot read.
    except Exception as exc:
        return f"it is not a readable {kind} image ({_short(exc)})"
    return None


def _header_problem(image: Any, formats: set[str], kind: str) -> str | None:
    width, height = image.size
    if image.format not in formats:
        return f"it is not a {kind} image (it looks like {image.format or 'something else'})"
    if width * height > MAX_PIXELS:
        return f"it is {width} × {height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels are allowed"
    return None


# -- SVG: drawing only, by allow-list ---------------------------------------------------------
# A figure or logo is drawn into the PDF, the HTML copy and the preview, where markup is live:
# a <style> could hide a page's safety sections, an <animate> or <set> could write a
# javascript: link, an href could fetch. So an SVG holds only the elements and attributes
# below, every reference is to an id inside it, and all three outputs draw the same
# sanitised copy (sanitised_svg). lxml parses (no DTD, no entities, no network); the
# allow-list is ours, as no library keeps one for SVG.

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Drawing programs' own notes (Inkscape, Sodipodi): never drawn, left out of the sanitised copy.
EDITOR_NAMESPACES = {
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
}
MAX_SVG_DEPTH = 64  # groups in groups: a drawing needs a handful; deeper only exhausts a renderer

# Names written as text, a line per kind (noqa: a list literal would run to a hundred lines).
SVG_ELEMENTS = frozenset(
    """svg g defs symbol use title desc path rect circle ellipse line polyline polygon text tspan
    linearGradient radialGradient stop clipPath marker""".split()  # noqa: SIM905
)
DROPPED_ELEMENTS = frozenset({"metadata"})  # notes about the drawing: left out, never drawn
_PRESENTATION = """fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin
    stroke-dasharray stroke-dashoffset stroke-miterlimit stroke-opacity opacity color clip-path clip-rule
    marker-start marker-mid marker-end stop-color stop-opacity font-family font-size font-weight font-style
    font-variant font-stretch text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing
    word-spacing text-decoration direction unicode-bidi writing-mode shape-rendering text-rendering
    vector-effect paint-order""".split()  # noqa: SIM905
SVG_ATTRIBUTES = frozenset(
    [
        *_PRESENTATION,
        *"""id x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength transform viewBox
        preserveAspectRatio version baseProfile dx dy rotate textLength lengthAdjust gradientUnits
        gradientTransform spreadMethod offset clipPathUnits markerWidth markerHeight markerUnits refX refY
        orient href style lang""".split(),  # noqa: SIM905
    ]
)
# In a style attribute: the presentation properties, and what drawing programs add to text.
STYLE_PROPERTIES = frozenset([*_PRESENTATION, "font-variation-settings", "line-height", "white-space"])
# On the outermost <svg>, which sits in the page: nothing that moves or scales it over the page.
ROOT_ONLY_REFUSED = frozenset({"transform", "x", "y"})
_LOCAL_ID = re.compile(r"#[A-Za-z_][\w.:-]*")
_URL = re.compile(r"url\(\s*([^)]*?)\s*\)", re.IGNORECASE)


class SvgRefused(ValueError):
    """Something in an SVG this project will not draw: the message names the line and element."""


def svg_problem(path: Path) -> str | None:
    try:
        sanitised_svg(path.read_bytes())
    except SvgRefused as exc:
        return str(exc)
    return None


def sanitised_svg(data: bytes) -> bytes:
    """The SVG as every output draws it: checked against the allow-list, editors' notes left out.
    SvgRefused says which line and element is not allowed."""
    from lxml import etree  # only commands that load a clinic pay for lxml

    for declaration in (b"<!DOCTYPE", b"<!ENTITY"):
        if declaration in data:
            line = data[: data.index(declaration)].count(b"\n") + 1
            raise SvgRefused(f"line {line} of the SVG has a DOCTYPE or entity declaration")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if "Excessive depth" in str(exc.msg):
            raise SvgRefused(_too_deep(exc.lineno)) from None
        raise SvgRefused(f"line {exc.lineno} of the SVG is not well-formed XML ({_short(exc.msg)})") from None
    if root.getroottree().docinfo.doctype:  # a DOCTYPE in another encoding than the byte search saw
        raise SvgRefused("line 1 of the SVG has a DOCTYPE or entity declaration")
    if root.tag != f"{{{SVG_NS}}}svg":
        outermost = _local(root.tag)[:40]
        raise SvgRefused(f"line {root.sourceline} of the SVG has <{outermost}> as its outermost element, not <svg>")
    _sanitise(root)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="utf-8")


def _sanitise(root: Any) -> None:
    """Check every element against the allow-list, without recursion (a deep file is one error)."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_SVG_DEPTH:
            raise SvgRefused(_too_deep(element.sourceline))
        for child in list(element):
            if _dropped(child):
                element.remove(child)  # its tail text stays out too: never drawn between elements
            else:
                _check_element(child)
                stack.append((child, depth + 1))
        _check_attributes(element, is_root=element is root)


def _dropped(element: Any) -> bool:
    if not isinstance(element.tag, str):
        return False  # not an element (the parser keeps no comments): _check_element refuses it
    namespace = element.tag.partition("}")[0].lstrip("{") if element.tag.startswith("{") else ""
    return namespace in EDITOR_NAMESPACES or (namespace == SVG_NS and _local(element.tag) in DROPPED_ELEMENTS)


def _check_element(element: Any) -> None:
    for key, value in element.attrib.items():  # first what it would fetch: the most telling line
        if key.rsplit("}", 1)[-1] == "href" and not _LOCAL_ID.fullmatch(value.strip()):
            raise SvgRefused(
                f"line {element.sourceline} of the SVG refers to {_short(value)!r}; "
                "only references inside the SVG (#id) are allowed"
            )
    if (
        not isinstance(element.tag, str)
        or not element.tag.startswith(f"{{{SVG_NS}}}")
        or (_local(element.tag) not in SVG_ELEMENTS)
    ):
        name = _local(element.tag) if isinstance(element.tag, str) else "entity"
        raise SvgRefused(
            f"line {element.sourceline} of the SVG has a <{name[:40]}> element, which a figure or logo may not "
            "have (only shapes, paths, groups, text, gradients and <use> of the drawing's own parts); remove it"
        )


def _check_attributes(element: Any, is_root: bool) -> None:
    where = f"line {element.sourceline} of the SVG: <{_local(element.tag)}>"
    for key, value in list(element.attrib.items()):
        namespace, _, name = key[1:].partition("}") if key.startswith("{") else ("", "", key)
        if namespace in EDITOR_NAMESPACES or namespace not in ("", XLINK_NS, XML_NS):
            del element.attrib[key]  # another program's notes: not drawn
            continue
        if namespace == XML_NS and name in ("space", "lang"):
            continue
        if (
            name not in SVG_ATTRIBUTES
            or (namespace == XLINK_NS and name != "href")
            or (is_root and name in ROOT_ONLY_REFUSED)
        ):
            raise SvgRefused(f"{where} has the attribute {name[:40]!r}, which is not allowed; remove it")
        if name == "href" and not _LOCAL_ID.fullmatch(value.strip()):
            raise SvgRefused(f"{where} refers to {_short(value)!r}; only references inside the SVG (#id) are allowed")
        if name == "style":
            element.set(key, _checked_style(value, where))
        else:
            _check_urls(value, where)


def _checked_style(style: str, where: str) -> str:
    """The style attribute with only allowed properties (an editor's own, "-inkscape-…", left out)."""
    import tinycss2

    kept = []
    for declaration in tinycss2.parse_declaration_list(style, skip_comments=True, skip_whitespace=True):
        if declaration.type != "declaration":
            raise SvgRefused(f"{where} has a style that cannot be read ({_short(style)!r}); remove it")
        name = declaration.lower_name
        if name.startswith("-"):
            continue
        if name not in STYLE_PROPERTIES:
            raise SvgRefused(f"{where} has the style property {name[:40]!r}, which is not allowed; remove it")
        value = tinycss2.serialize(declaration.value).strip()
        _check_urls(value, where)
        kept.append(f"{name}:{value}")
    return ";".join(kept)


def _check_urls(value: str, where: str) -> None:
    """A url() may name only something inside the SVG: url(#id)."""
    lowered = value.lower()
    if "url(" not in lowered and "javascript:" not in lowered and "data:" not in lowered:
        return
    for match in _URL.finditer(value):
        if not _LOCAL_ID.fullmatch(match[1].strip("\"'")):
            raise SvgRefused(f"{where} refers to {_short(match[0])!r}; only url(#id) inside the SVG is allowed")
    if "javascript:" in lowered or "data:" in lowered or lowered.count("url(") != len(_URL.findall(value)):
        raise SvgRefused(f"{where} has {_short(value)!r}; only references inside the SVG (#id) are allowed")


def _too_deep(line: int | None) -> str:
    return f"line {line or 1} of the SVG nests elements more than {MAX_SVG_DEPTH} deep; ungroup the drawing"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def asset_bytes(path: Path) -> bytes:
    """A file as a page uses it: an SVG sanitised (SvgRefused when it cannot be), anything else as on disk."""
    data = path.read_bytes()
    return sanitised_svg(data) if path.suffix.lower() == ".svg" else data


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 80 else text[:77] + "..."
