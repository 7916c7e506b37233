"""What a screen reader gets from a tagged PDF, read with pikepdf: the structure tree from
/StructTreeRoot (each marked-content item with the element that holds it and the language
it inherits), and the marked content of the page content streams (and the form XObjects
they draw). The checks that the `pdfua` checker does not make are built on these."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pikepdf

Key = tuple[int, int]  # (page index, MCID)
ObjGen = tuple[int, int]  # an indirect object's number and generation


@dataclass(frozen=True)
class Item:
    """A marked-content item in the tree: the element's role and the /Lang in force there."""

    role: str
    lang: str


@dataclass
class Marks:
    """The marked-content sequences of one PDF's pages."""

    mcids: list[Key] = field(default_factory=list)  # in stream order, repeats kept
    artifacts: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (page, property list of /Artifact BDC)
    unmarked_text: int = 0  # text-showing operators outside any marked content


@dataclass
class Tree:
    items: dict[Key, Item]
    parent_tree: dict[Key, ObjGen | None]  # the element /ParentTree says holds each MCID
    holders: dict[Key, ObjGen]  # the element that does hold it
    orphans: int = 0  # /StructElem objects the tree does not reach
    scopes: list[str | None] = field(default_factory=list)  # /Scope of each /TH, in tree order
    tables: list[int] = field(default_factory=list)  # header cells (/TH) in each /Table


def structure(path: Path) -> Tree:
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        root = pdf.Root.StructTreeRoot
        tree = Tree({}, _parent_tree(pdf, root), {})
        reached: set[tuple[int, int]] = set()
        document_lang = str(pdf.Root.get("/Lang", ""))
        _walk(root, document_lang, None, pages, tree, reached)
        tree.orphans = sum(
            1
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/StructElem" and obj.objgen not in reached
        )
        return tree


def _walk(node: pikepdf.Object, lang: str, page: int | None, pages: dict, tree: Tree, reached: set) -> None:
    if node.is_indirect:
        if node.objgen in reached:
            return
        reached.add(node.objgen)
    lang = str(node.get("/Lang", lang))
    if "/Pg" in node:
        page = pages[node.Pg.objgen]
    role = str(node.get("/S", ""))
    if role == "/Table":
        tree.tables.append(_count(node, "/TH"))
    if role == "/TH":
        scope = node.get("/A", {}).get("/Scope") if isinstance(node.get("/A"), pikepdf.Dictionary) else None
        tree.scopes.append(str(scope) if scope is not None else None)
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, int):
            key = (page, int(kid))
            tree.items[key] = Item(role, lang)
            tree.holders[key] = node.objgen
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            key = (pages[kid.Pg.objgen] if "/Pg" in kid else page, int(kid.MCID))
            tree.items[key] = Item(role, lang)
            tree.holders[key] = node.objgen
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/OBJR":
            _walk(kid, lang, page, pages, tree, reached)


def _count(node: pikepdf.Object, role: str) -> int:
    kids = node.get("/K")
    kids = [] if kids is None else kids if isinstance(kids, pikepdf.Array) else [kids]
    elements = [kid for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]
    return sum((str(kid.S) == role) + _count(kid, role) for kid in elements)


def _parent_tree(pdf: pikepdf.Pdf, root: pikepdf.Object) -> dict[Key, ObjGen | None]:
    """The page arrays of /ParentTree (a flat /Nums array, as WeasyPrint writes it)."""
    out: dict[Key, ObjGen | None] = {}
    by_struct_parents = {int(page.obj.get("/StructParents", -1)): index for index, page in enumerate(pdf.pages)}
    nums = root.ParentTree.Nums
    for position in range(0, len(nums), 2):
        page = by_struct_parents.get(int(nums[position]))
        if page is not None and isinstance(nums[position + 1], pikepdf.Array):
            for mcid, element in enumerate(nums[position + 1]):
                out[(page, mcid)] = None if element is None else element.objgen
    return out


def marks(path: Path) -> Marks:
    found = Marks()
    with pikepdf.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            _scan(page.obj.Contents, page.obj.Resources, index, found, [], set())
    return found


def _scan(stream: pikepdf.Object, resources: pikepdf.Object, page: int, found: Marks, open_: list, seen: set) -> None:
    """Walks a content stream's operators, descending into the form XObjects it draws."""
    for operands, operator in pikepdf.parse_content_stream(stream):
        op = str(operator)
        if op in ("BDC", "BMC"):
            tag = str(operands[0])
            props = operands[1] if op == "BDC" else None
            if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                found.mcids.append((page, int(props.MCID)))
            if tag == "/Artifact" and isinstance(props, pikepdf.Dictionary):
                found.artifacts.append((page, {str(k): str(v) for k, v in props.items()}))
            open_.append(tag)
        elif op == "EMC":
            open_.pop()
        elif op in ("Tj", "TJ", "'", '"') and not open_:
            found.unmarked_text += 1
        elif op == "Do":
            xobject = resources.XObject[operands[0]]
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                _scan(xobject, xobject.get("/Resources", resources), page, found, open_, seen)


def text_by_mcid(path: Path) -> dict[Key, str]:
    """The text of each marked-content item, as pdfplumber reads the characters back."""
    out: dict[Key, list[str]] = defaultdict(list)
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            for char in page.chars:
                if char.get("mcid") is not None:
                    out[(index, char["mcid"])].append(char["text"])
    return {key: "".join(chars) for key, chars in out.items()}


@dataclass(frozen=True)
class Furniture:
    """One page's artifact text, and how it lies against the content (PDF points from the top)."""

    text: str
    top: float  # of the highest artifact character
    content_bottom: float  # of the lowest character of tagged content


def furniture(path: Path) -> list[Furniture]:
    out = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            artifacts = [c for c in page.chars if c.get("tag") == "Artifact"]
            content = [c for c in page.chars if c.get("mcid") is not None]
            out.append(
                Furniture(
                    "".join(c["text"] for c in artifacts),
                    min((c["top"] for c in artifacts), default=page.height),
                    max((c["bottom"] for c in content), default=0),
                )
            )
    return out
