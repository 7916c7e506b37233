"""Patient packets: the handouts a clinic gives together (say, to a new patient), as one PDF per
language. A clinic lists them in clinic.yaml:

    packets:
      new-microcurrent-patient: [microcurrent-back-pain, microcurrent-screening-form, pain-diary]

The packet is put together from the handouts' PDFs of the same build, in the order listed. Each
handout starts on a new sheet when printed on both sides (an odd page: a blank page follows a
handout that ends on an odd page), and has one bookmark, its title in the packet's language.
The handouts' PDF/UA tags are kept: each handout's structure tree becomes a part of the packet's.
A packet prints only when every handout in it does; otherwise it is refused, naming the handout."""

from __future__ import annotations

import io

import pikepdf

from handouts.errors import Problem
from handouts.model.loaded import LoadedClinic
from handouts.render.imposition import save_pdf


def definition_problems(clinic: LoadedClinic, handout_ids: list[str]) -> dict[str, Problem]:
    """Per packet, the first mistake in its definition: a handout that does not exist, that the
    clinic does not offer (not in its `handouts:`), or that is listed twice."""
    offered = clinic.clinic.handouts
    problems = {}
    for packet_id, members in clinic.clinic.packets.items():
        for index, handout_id in enumerate(members):
            if handout_id not in handout_ids:
                known = ", ".join(handout_ids) or "none"
                message = f"unknown handout {handout_id!r}; the handouts are: {known}"
            elif offered is not None and handout_id not in offered:
                message = (
                    f"this clinic does not offer {handout_id!r}; add it to `handouts:` or take it out of the packet"
                )
            elif handout_id in members[:index]:
                message = f"{handout_id!r} is listed twice; list each handout once"
            else:
                continue
            key = ("packets", packet_id, index)
            problems[packet_id] = Problem(
                clinic.shown_as, message, clinic.lines.line_for(key), f"packets.{packet_id}[{index}]"
            )
            break
    return problems


def assemble(parts: list[bytes]) -> tuple[bytes, int]:
    """One PDF of the parts (the handouts' PDFs, in order): each starting on an odd page, each with
    a bookmark (its document title), their tags kept as parts of one document; (bytes, pages)."""
    out = pikepdf.new()
    sources = [pikepdf.open(io.BytesIO(data)) for data in parts]
    try:
        tree = _structure_root(out)
        bookmarks, next_key = [], 0
        for source in sources:
            if len(out.pages) % 2:  # the next handout starts on the front of a new sheet
                out.add_blank_page(page_size=_size(out.pages[-1]))
            start = len(out.pages)
            out.pages.extend(source.pages)
            next_key = _graft_structure(out, source, out.pages[start:], tree, next_key)
            bookmarks.append((str(source.docinfo.get("/Title", "")), start))
        _add_bookmarks(out, bookmarks)
        _copy_document_facts(sources[0], out, " · ".join(title for title, _ in bookmarks))
        out.docinfo.Keywords = "; ".join(str(source.docinfo.get("/Keywords", "")) for source in sources)
        return save_pdf(out, max(source.pdf_version for source in sources)), len(out.pages)
    finally:
        for source in sources:
            source.close()


def _size(page: pikepdf.Page) -> tuple[float, float]:
    box = page.mediabox
    return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


def _structure_root(out: pikepdf.Pdf) -> pikepdf.Dictionary:
    """The packet's structure tree: one Document, whose parts are the handouts."""
    document = out.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document))
    document.K = pikepdf.Array()
    tree = out.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.StructTreeRoot,
            K=pikepdf.Array([document]),
            ParentTree=out.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array())),
        )
    )
    document.P = tree
    out.Root.StructTreeRoot = tree
    out.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    return tree


def _graft_structure(
    out: pikepdf.Pdf, source: pikepdf.Pdf, pages: list[pikepdf.Page], tree: pikepdf.Dictionary, next_key: int
) -> int:
    """Hang the source's structure tree under the packet's Document, each top element becoming a Part,
    and renumber its parent-tree keys (pages' /StructParents, annotations' /StructParent) after the
    keys already used; returns the next free key."""
    if "/StructTreeRoot" not in source.Root:
        return next_key
    copied = out.copy_foreign(source.Root.StructTreeRoot)  # its page references: the pages just copied
    document = tree.K[0]
    tops = copied.K if isinstance(copied.K, pikepdf.Array) else [copied.K]
    for top in tops:
        top.P = document
        if top.get("/S") == "/Document":
            top.S = pikepdf.Name.Part  # one Document per file: each handout is a part of the packet
        document.K.append(top)
    for page in pages:
        for holder in (page.obj, *page.obj.get("/Annots", [])):
            for key in ("/StructParents", "/StructParent"):
                if key in holder:
                    holder[key] = int(holder[key]) + next_key
    used = -1
    nums = tree.ParentTree.Nums
    for key, value in pikepdf.NumberTree(copied.ParentTree).items():
        nums.extend([key + next_key, value])
        used = max(used, key)
    return next_key + used + 1


def _add_bookmarks(out: pikepdf.Pdf, bookmarks: list[tuple[str, int]]) -> None:
    with out.open_outline() as outline:
        for title, page in bookmarks:
            outline.root.append(pikepdf.OutlineItem(title, page))


def _copy_document_facts(first: pikepdf.Pdf, out: pikepdf.Pdf, title: str) -> None:
    """The first handout's facts (author, dates, language, PDF/UA claim), with the packet's title."""
    for key, value in first.docinfo.items():
        out.docinfo[key] = value
    out.docinfo.Title = title
    if "/Lang" in first.Root:
        out.Root.Lang = pikepdf.String(str(first.Root.Lang))
    out.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)  # screen readers say the title
    if "/Metadata" in first.Root:
        out.Root.Metadata = out.copy_foreign(first.Root.Metadata)
        with out.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:title"] = title
