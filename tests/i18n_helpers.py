"""Editing catalogs in tests the way a translator would: through Babel, saved to disk."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from handouts.i18n.powriter import PAGE_WIDTH

# The width Babel's writer needs to wrap as msgmerge and the tool's own writer (powriter) do,
# at PAGE_WIDTH columns, as closely as it can: a catalog a test edits keeps its line breaks.
WIDTH = PAGE_WIDTH - 1


def po_path(project: Path, lang: str, domain: str) -> Path:
    return project / "locales" / lang / "LC_MESSAGES" / f"{domain}.po"


def edit_entry(path: Path, msgid: str, string: str | None = None, fuzzy: bool = False) -> int:
    """Set one entry's msgstr and/or fuzzy flag; returns its line in the saved file."""
    with path.open("rb") as f:
        catalog = read_po(f)
    message = catalog[msgid]
    if string is not None:
        message.string = string
    if fuzzy:
        message.flags.add("fuzzy")
    save_catalog(path, catalog)
    return entry_line(path, msgid)


def entry_line(path: Path, msgid: str) -> int:
    with path.open("rb") as f:
        return read_po(f)[msgid].lineno


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def save_catalog(path: Path, catalog) -> None:
    with path.open("wb") as f:
        write_po(f, catalog, width=WIDTH)
