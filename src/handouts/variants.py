"""Print variants: each is one entry with everything it needs.

A variant has a file-name suffix, a class on <body> that its stylesheet rules
(templates/variants/<name>.css) hang on, what it changes in the page's context,
and what it adds to the inputs hash. A new variant (say, an A5 booklet) is one
entry here plus its stylesheet."""

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
    hash_parts: tuple[str, ...] = field(default=())

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


VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        Variant(
            "bilingual",
            "-bilingual",
            "the clinic's main language after each section, so a clinician can read along",
            applies=_bilingual_applies,
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
