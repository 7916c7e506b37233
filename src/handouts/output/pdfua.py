"""What WeasyPrint's PDF/UA-1 output lacks, added while it writes the PDF.

WeasyPrint (`pdf_variant="pdf/ua-1"`) builds the structure tree from the HTML,
with three gaps that PDF/UA-1 (ISO 14289-1) does not allow:

- Page furniture: the text of @page margin boxes (running footer, "Page 1 of 3")
  is marked content with an MCID, but its structure elements are left out of the
  tree (WeasyPrint issue #1836), so it is neither real content nor an artifact
  (§7.1). `mark_page_furniture` turns it into pagination artifacts.
- Language of parts: only the document's language is written (/Lang in the
  catalog), so a screen reader speaks the English references, the French clinic
  text in an Arabic copy or a bilingual copy's second language with the page's
  voice (§7.2). `install` gives each structure element made from an HTML element
  with `lang=` that language as /Lang; its descendants inherit it.
- Table headers: /TH cells carry no /Scope (§7.5). `install` writes the `scope`
  of each <th> (Row for row and rowgroup, else Column, as WeasyPrint reads it).

Both steps change only the structure tree and the marked-content tags, never what
is drawn, and both are deterministic, so the same inputs still give the same bytes.
What they produce is checked in tests/content/test_pdfua.py (README: "Accessibility")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from handouts.errors import Problem, RenderError

# The marked-content property list of page furniture (ISO 32000-1, 14.8.2.2).
PAGINATION = {"Type": "/Pagination"}
_NULL = b"null"


# -- Language of parts and header scope: while WeasyPrint builds the tree ----------------


def install() -> None:
    """Wrap WeasyPrint's per-box tagger (idempotent). It is a private function that calls
    itself by its module-level name, so the wrapper sees every box with the element made
    for it; tests/content/test_pdfua.py fails if a WeasyPrint release stops calling it."""
    from weasyprint.pdf import tags

    original = tags._build_box_tree
    if getattr(original, "handouts_wrapped", False):
        return

    def build_box_tree(box: Any, *args: Any) -> Iterator[Any]:
        lang, scope = _declared(box, "lang"), _declared(box, "scope")
        for element in original(box, *args):
            if lang and "Lang" not in element:
                element["Lang"] = _pdf_string(lang)
            if element.get("S") == "/TH" and "A" in element:
                element["A"]["Scope"] = "/Row" if scope in ("row", "rowgroup") else "/Column"
            yield element

    build_box_tree.handouts_wrapped = True  # type: ignore[attr-defined]
    tags._build_box_tree = build_box_tree


def _declared(box: Any, attribute: str) -> str | None:
    """The attribute as written on the box's own HTML element. The page, <html> (whose
    language is the catalog's /Lang) and <body> pass their children's elements through."""
    from weasyprint.formatting_structure.boxes import PageBox

    box = getattr(box, "_box", box)  # an absolutely positioned box's placeholder
    element = getattr(box, "element", None)
    if element is None or isinstance(box, PageBox) or box.element_tag in ("html", "body"):
        return None
    value = element.get(attribute)
    return value.strip() if value and value.strip() else None


def _pdf_string(text: str) -> Any:
    import pydyf

    return pydyf.String(text)


# -- Page furniture: a finisher, once the tree is written ----------------------------------


def mark_page_furniture(document: Any, pdf: Any) -> None:
    """WeasyPrint `finisher`: the marked content whose structure element is not in the tree
    becomes /Artifact <</Type /Pagination>>; its ParentTree entries are dropped (null where
    another MCID follows) and its orphaned structure elements become empty objects.
    WeasyPrint leaves out of the tree only what it builds for margin boxes (pdf/tags.py);
    tests/content/test_pdfua.py checks that every artifact lies below the page's content."""
    root_ref = pdf.catalog.get("StructTreeRoot")
    if root_ref is None:
        return
    objects = pdf.objects
    root = objects[_number(root_ref)]
    in_tree = _reachable(objects, root)
    furniture = _detach_orphans(objects, objects[_number(root["ParentTree"])], in_tree)
    if not furniture:
        return
    streams = _streams_by_page(pdf)
    for page_index, mcids in furniture.items():
        missing = _mark_artifacts(streams.get(page_index, []), mcids)
        if missing:
            raise RenderError(
                Problem("PDF/UA", f"page {page_index + 1}: page furniture {sorted(missing)} not found to mark")
            )


def _number(reference: bytes) -> int:
    return int(reference.split()[0])


def _reachable(objects: list[Any], root: Any) -> set[int]:
    """Numbers of the objects the tree reaches through /K (structure elements and OBJRs)."""
    seen: set[int] = set()
    stack = list(_kids(root))
    while stack:
        number = _number(stack.pop())
        if number in seen:
            continue
        seen.add(number)
        stack.extend(_kids(objects[number]))
    return seen


def _kids(node: Any) -> list[bytes]:
    kids = node.get("K") if isinstance(node, dict) else None
    if kids is None:
        return []
    kids = kids if isinstance(kids, list) else [kids]
    return [kid for kid in kids if isinstance(kid, bytes)]


def _detach_orphans(objects: list[Any], parent_tree: Any, in_tree: set[int]) -> dict[int, set[int]]:
    """Null the ParentTree entries of elements outside the tree and empty those elements;
    returns {page index: MCIDs that are page furniture}."""
    furniture: dict[int, set[int]] = {}
    nums = parent_tree["Nums"]
    for index in range(0, len(nums), 2):
        key, value = nums[index], nums[index + 1]
        if isinstance(value, list):  # a page: MCID -> element
            for mcid, ref in enumerate(value):
                if isinstance(ref, bytes) and ref != _NULL and _number(ref) not in in_tree:
                    furniture.setdefault(key, set()).add(mcid)
                    value[mcid] = _NULL
            while value and value[-1] == _NULL:  # margin boxes are drawn last: their MCIDs end the list
                value.pop()
        elif isinstance(value, bytes) and value != _NULL and _number(value) not in in_tree:
            nums[index + 1] = _NULL  # an annotation drawn in a margin box
    for number, obj in enumerate(objects):
        if number not in in_tree and isinstance(obj, dict) and obj.get("Type") in ("/StructElem", "/OBJR"):
            obj.clear()  # unreachable now; pydyf cannot free objects in an object stream
    return furniture


def _streams_by_page(pdf: Any) -> dict[int, list[Any]]:
    """Each page's content stream, and the groups (transparency XObjects) drawn into it,
    which share the page's MCID numbering (WeasyPrint gives them the page's tag map)."""
    pages = [pdf.objects[number] for number in pdf.pages["Kids"][::3]]  # pydyf lists them as n, 0, R
    contents = [pdf.objects[_number(page["Contents"])] for page in pages]
    by_tags = {id(stream._tags): index for index, stream in enumerate(contents) if hasattr(stream, "_tags")}
    streams: dict[int, list[Any]] = {index: [stream] for index, stream in enumerate(contents)}
    for obj in pdf.objects:
        index = by_tags.get(id(getattr(obj, "_tags", None)))
        if index is not None and obj is not contents[index]:
            streams[index].append(obj)
    return streams


def _mark_artifacts(streams: list[Any], mcids: set[int]) -> set[int]:
    """Rewrites `/Tag <</MCID n>> BDC` to `/Artifact <</Type /Pagination>> BDC` for the MCIDs;
    returns those not found."""
    import pydyf

    missing = set(mcids)
    for stream in streams:
        items = stream.stream
        for position in range(1, len(items) - 1):
            props = items[position]
            if isinstance(props, pydyf.Dictionary) and props.get("MCID") in missing and items[position + 1] == b"BDC":
                missing.discard(props["MCID"])
                items[position - 1] = "/Artifact"
                items[position] = pydyf.Dictionary(PAGINATION)
    return missing
