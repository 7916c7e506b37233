"""Checking a clinic's image before anything renders it.

A logo comes from outside the project team, so it is read within limits: bytes on
disk, pixels once decoded (a small PNG can claim to be 100,000 × 100,000), and, for
SVG, nothing but drawing: no DOCTYPE or entities (the "billion laughs"), no scripts,
no references to other files or the network."""

from __future__ import annotations

import re
import warnings
import xml.parsers.expat
from pathlib import Path
from typing import Any

MAX_IMAGE_BYTES = 5_000_000
MAX_PIXELS = 25_000_000
RASTER_FORMATS = {".png": {"PNG"}, ".jpg": {"JPEG", "MPO"}, ".jpeg": {"JPEG", "MPO"}}  # MPO: a camera's JPEG
# A reference inside the SVG itself (#id) or inline data is fine; anything else would be fetched.
_LOCAL_REFERENCE = re.compile(r"^\s*(#|data:)", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]*)|@import""", re.IGNORECASE)


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


class _Unsafe(Exception):
    """Something in an SVG this project will not draw."""


def svg_problem(path: Path) -> str | None:
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    state = {"root": True}
    texts: list[str] = []  # the current run of text: expat hands it over in pieces

    def check_text(*_: object) -> None:
        if _css_references("".join(texts)):
            raise _Unsafe("has styles that refer to another file or address")
        texts.clear()

    def refuse_doctype(*_: object) -> None:
        raise _Unsafe("has a DOCTYPE or entity declaration")

    def start(name: str, attributes: dict[str, str]) -> None:
        check_text()
        local = name.rsplit(" ", 1)[-1]
        if state.pop("root", False) and local != "svg":
            raise _Unsafe(f"has <{local[:40]}> as its outermost element, not <svg>")
        if local in ("script", "foreignObject"):
            raise _Unsafe(f"has a <{local}> element")
        for attribute, value in attributes.items():
            _check_attribute(attribute.rsplit(" ", 1)[-1], value)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.ExternalEntityRefHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = check_text
    parser.CharacterDataHandler = texts.append
    try:
        parser.Parse(path.read_bytes(), True)
    except _Unsafe as exc:
        return f"line {parser.CurrentLineNumber} of the SVG {exc}"
    except xml.parsers.expat.ExpatError as exc:
        return f"line {exc.lineno} of the SVG is not well-formed XML ({xml.parsers.expat.errors.messages[exc.code]})"
    return None


def _check_attribute(name: str, value: str) -> None:
    if name == "href" and not _LOCAL_REFERENCE.match(value):
        raise _Unsafe(f"refers to {_short(value)!r}; only references inside the SVG (#id) are allowed")
    if name.startswith("on"):
        raise _Unsafe(f"has a script attribute ({name[:40]})")
    if _css_references(value):
        raise _Unsafe(f"has a {name[:40]} attribute that refers to another file or address")


def _css_references(text: str) -> bool:
    """True when CSS in text imports or points at anything but #id or inline data."""
    for match in _CSS_URL.finditer(text):
        if match.group(1) is None or not _LOCAL_REFERENCE.match(match.group(1)):
            return True
    return False


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 80 else text[:77] + "..."
