"""Print variants: each is one entry with everything it needs.

A variant has a file-name suffix, a class on <body> that its stylesheet rules
(templates/variants/<name>.css) hang on, what it changes in the page's context,
the clinic.yaml setting that asks for it (if any; the build command then offers
--<name>/--no-<name>), and what it does to the finished file of an output format (the booklet imposes its
PDF's pages on sheets). A new variant is one entry here plus its stylesheet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LARGE_PRINT_PT = 16  # RNIB large print: 16 pt and up


@dataclass(frozen=True)
class Variant:
    name: str
    suffix: str
    help: str
    # (clinic, lang) -> whether the variant makes sense for this copy (e.g. bilingual needs two languages).
    applies: Callable[[Any, str], bool] = lambda clinic, lang: True
    # Changes to the template context: (context, clinic) -> new values.
    context: Callable[[dict[str, Any], Any], dict[str, Any]] = lambda context, clinic: {}
    # The clinic.yaml key that turns this copy on for a clinic, e.g. `booklet: true`.
    setting: str | None = None
    # Per output format: (data, page, clinic) -> (data, pages), applied to the rendered file.
    finish: dict[str, Callable[[bytes, Any, Any], tuple[bytes, int]]] = field(default_factory=dict)

    @property
    def body_class(self) -> str:
        return self.name

    @property
    def stylesheet(self) -> str:
        return f"variants/{self.name}.css"


def _large_print(context: dict[str, Any], clinic: Any) -> dict[str, Any]:
    return {"body_pt": max(clinic.body_size, LARGE_PRINT_PT)}


def _bilingual_applies(clinic: Any, lang: str) -> bool:
    return clinic.clinicians_language != lang


def _booklet(context: dict[str, Any], clinic: Any) -> dict[str, Any]:
    from handouts.render.imposition import HALF_PAGES  # pikepdf: loaded only when a booklet is made

    return {"page_size": HALF_PAGES[clinic.paper]}


def _impose_booklet(data: bytes, page: Any, clinic: Any) -> tuple[bytes, int]:
    from babel import Locale

    from handouts.render.imposition import impose

    return impose(data, clinic.paper, right_to_left=Locale.parse(page.lang).text_direction == "rtl")


VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        Variant(
            "bilingual",
            "-bilingual",
            "the clinic's main language after each section, so a clinician can read along",
            applies=_bilingual_applies,
            setting="bilingual",
        ),
        Variant(
            "booklet",
            "-booklet",
            "A5 pages (half-letter on Letter), two to a side of a landscape sheet, to fold into a booklet",
            context=_booklet,
            setting="booklet",
            finish={"pdf": _impose_booklet},
        ),
        Variant(
            "large-print",
            "-large-print",
            f"body text {LARGE_PRINT_PT} pt and up, one column",
            context=_large_print,
        ),
    )
}


def second_language(variants: tuple[str, ...], clinic: Any) -> str | None:
    """The second language a copy prints, if one of its variants asks for it."""
    return clinic.clinicians_language if "bilingual" in variants else None
