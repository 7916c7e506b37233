"""Output formats: each is one entry that turns a rendered page into a file.

A format has a file extension, a `render` (page -> bytes and page count) and a
`measure` (page -> page count, laid out but not written, for `handouts check`).
`screen` pages are drawn for a browser (no embedded fonts; templates see `screen`);
`paged` formats have pages to fit to the sheet; `variant_copies` says whether the
print variants (large print, bilingual) are made in this format too.

The implementations are named "module:function" and imported on first use, so the
table is read (for `handouts --help`, for output names) without loading WeasyPrint,
the catalogs or the project model. A new format is one entry here plus its module."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handouts.render.fetch import Page


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    # "module:function" for (page, origin, warm) -> (data, pages); warm holds what a worker keeps between jobs.
    renders: str
    # "module:function" for (page, origin, warm) -> pages.
    measures: str
    screen: bool = False
    paged: bool = True
    variant_copies: bool = True

    def render(self, page: Page, origin: str, warm: dict[str, Any]) -> tuple[bytes, int]:
        result: tuple[bytes, int] = implementation(self.renders)(page, origin, warm)
        return result

    def measure(self, page: Page, origin: str, warm: dict[str, Any]) -> int:
        pages: int = implementation(self.measures)(page, origin, warm)
        return pages


def implementation(name: str) -> Any:
    """The function a "module:function" name stands for (looked up on each call: sys.modules keeps the module)."""
    module, _, function = name.partition(":")
    return getattr(import_module(module), function)


FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format("pdf", ".pdf", "handouts.output.pdf:render", "handouts.output.pdf:measure"),
        Format(
            "html",
            ".html",
            "handouts.output.html:render",
            "handouts.output.html:measure",
            screen=True,
            paged=False,
            variant_copies=False,
        ),
    )
}
