"""The handout model: meta, values, a title and an ordered list of sections made of blocks.

Also the one walk over a handout's texts (`texts`), which extraction, the gate,
readability and the renderer share: each text with its key path and whether it
is safety-critical (marked on the text, its block, an enclosing callout or its section).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from handouts.source.blocks import Block
from handouts.source.blocks.base import BlockModel
from handouts.source.schema import MAX_BLOCKS, Msg, Strict, Text, Value, _check_language
from handouts.source.text import CLINIC_VALUES, VALUE_NAME
from handouts.source.yamlfile import KeyPath

SECTION_ID = r"^[a-z0-9][a-z0-9_-]{0,39}$"
MAX_REFERENCES = 100


class Section(Strict):
    id: str = Field(pattern=SECTION_ID)
    heading: Msg | None = None
    safety: bool = False  # every text in the section is safety-critical
    blocks: list[Block] = Field(min_length=1, max_length=MAX_BLOCKS)
    columns: Literal[1, 2] = 1  # the blocks flow in two columns under the heading (short texts, small print)
    # The heading and the first block, a figure, make a column at the start; the other blocks run beside
    # them (an exercise: its name and picture on one side, steps and write-in boxes on the other).
    figure_column: bool = False

    @model_validator(mode="after")
    def _layout_fits_the_blocks(self) -> Section:
        if self.figure_column and self.blocks[0].type != "figure":
            raise ValueError("figure_column: true needs a figure as the section's first block; move the figure up")
        if self.figure_column and self.blocks[0].placement == "start":
            raise ValueError("in a figure_column section the figure is already at the start; remove its placement")
        if self.figure_column and self.columns == 2:
            raise ValueError("a section has either figure_column: true or columns: 2, not both")
        return self


class Meta(Strict):
    code: str = Field(min_length=1, max_length=40)
    version: str = Field(min_length=1, max_length=20)
    status: Literal["draft", "published"] = "published"
    approved: dt.date
    review_due: dt.date
    target_pages: int = Field(default=2, ge=1, le=40)
    # A language whose translation honestly needs more pages than the English, e.g. {fr: 3}.
    target_pages_by_language: dict[str, int] = Field(default={}, max_length=100)
    languages: list[str] | None = Field(default=None, max_length=100)  # only these languages (default: all)
    references: list[str] = Field(min_length=1, max_length=MAX_REFERENCES)

    @field_validator("references")
    @classmethod
    def _short_references(cls, value: list[str]) -> list[str]:
        for number, reference in enumerate(value, 1):
            if not 1 <= len(reference) <= 500:
                raise ValueError(f"reference {number} must be 1 to 500 characters long")
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str] | None) -> list[str] | None:
        for code in value or []:
            _check_language(code)
        return value

    @model_validator(mode="after")
    def _language_targets_are_longer(self) -> Meta:
        for code, pages in self.target_pages_by_language.items():
            _check_language(code)
            if not self.target_pages < pages <= 40:
                raise ValueError(
                    f"target_pages_by_language.{code}: {pages} must be more than target_pages ({self.target_pages})"
                    " and at most 40; list only the languages that need more pages"
                )
        return self

    def target_for(self, lang: str) -> int:
        return self.target_pages_by_language.get(lang, self.target_pages)


class Handout(Strict):
    """A patient handout. Sections print in the order given."""

    layout: Literal["leaflet", "form"] = "leaflet"
    meta: Meta
    values: dict[str, Value] = Field(default={}, max_length=50)  # the handout's own values, with defaults
    title: Msg
    subtitle: Msg | None = None
    sections: list[Section] = Field(min_length=1, max_length=50)

    @field_validator("values")
    @classmethod
    def _value_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        import re

        for name in value:
            if not re.match(VALUE_NAME, name):
                raise ValueError(f"value name {name!r}: use lowercase letters, digits and _ (e.g. tens_minutes)")
            if name in CLINIC_VALUES:
                raise ValueError(f"{name!r} is a clinic value (set in clinic.yaml); give yours another name")
        return value

    @model_validator(mode="after")
    def _unique_section_ids(self) -> Handout:
        seen: set[str] = set()
        for section in self.sections:
            if section.id in seen:
                raise ValueError(f"section id {section.id!r} is used twice; give each section its own id")
            seen.add(section.id)
        return self

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def is_draft(self) -> bool:
        return self.meta.status == "draft"

    def value_names(self) -> set[str]:
        return set(CLINIC_VALUES) | set(self.values)


# -- The walks: over blocks, and over texts --------------------------------------------


def blocks_in(blocks: list[BlockModel], path: KeyPath = ()) -> Iterator[tuple[BlockModel, KeyPath]]:
    """Every block in reading order, a callout's own blocks in its place, each with its key path."""
    for index, block in enumerate(blocks):
        block_path = (*path, index)
        yield block, block_path
        children = getattr(block, "blocks", None)
        if children:
            yield from blocks_in(children, (*block_path, "blocks"))


def all_blocks(handout: Handout) -> Iterator[tuple[BlockModel, KeyPath]]:
    """Every block of every section, with its key path in the handout file."""
    for number, section in enumerate(handout.sections):
        yield from blocks_in(section.blocks, ("sections", number, "blocks"))


# -- The walk over texts ---------------------------------------------------------------


@dataclass(frozen=True)
class TextRef:
    """One translatable text of a handout, where it stands, and whether it is safety-critical."""

    path: KeyPath
    text: Text
    safety: bool
    section: str  # the id of its section ("title" for the title and subtitle)

    @property
    def key(self) -> tuple[str, str | None]:
        return catalog_key(self.text)


def catalog_key(text: Text) -> tuple[str, str | None]:
    """How a catalog knows a text: its (singular) English and its context."""
    return text.text, text.context


def texts(handout: Handout, asset_dir: Path | None = None) -> Iterator[TextRef]:
    """Every translatable text in reading order. With asset_dir, a figure's SVG labels too."""
    yield TextRef(("title",), handout.title, False, "title")
    if handout.subtitle:
        yield TextRef(("subtitle",), handout.subtitle, False, "title")
    for number, section in enumerate(handout.sections):
        path: KeyPath = ("sections", number)
        if section.heading:
            yield TextRef((*path, "heading"), section.heading, section.safety or section.heading.safety, section.id)
        for index, block in enumerate(section.blocks):
            yield from _block_texts(block, (*path, "blocks", index), section.safety, section.id, asset_dir)


def _block_texts(
    block: BlockModel, path: KeyPath, safety: bool, section: str, asset_dir: Path | None
) -> Iterator[TextRef]:
    safety = safety or block.is_safety
    for name, value in block:
        if name == "blocks":
            for index, child in enumerate(value):
                yield from _block_texts(child, (*path, "blocks", index), safety, section, asset_dir)
        else:
            yield from _walk(value, (*path, name), safety, section)
    if asset_dir is not None and block.has_extra_texts:
        for extra_path, text in block.extra_texts(asset_dir, path):
            yield TextRef(extra_path, text, safety or text.safety, section)


def _walk(value: Any, path: KeyPath, safety: bool, section: str) -> Iterator[TextRef]:
    if isinstance(value, Text):
        yield TextRef(path, value, safety or value.safety, section)
        if value.ask:
            yield TextRef((*path, "ask"), value.asked(), safety or value.safety, section)
        items = getattr(value, "items", None)
        if isinstance(items, list):
            for index, item in enumerate(items):
                yield from _walk(item, (*path, "items", index), safety, section)
    elif isinstance(value, BaseModel):
        for name, child in value:
            yield from _walk(child, (*path, name), safety, section)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index), safety, section)


def describe(handout: Handout, path: KeyPath) -> str:
    """A text's place as an author or translator reads it, e.g. "urgent-help › callout › list 1 › item 3"."""
    parts: list[str] = []
    current: Any = handout
    steps = list(path)
    while steps:
        name = steps.pop(0)
        if name in ("sections", "blocks", "items", "steps", "fields", "rows", "header") and steps:
            index = steps.pop(0)
            current = current[index] if isinstance(current, list) else getattr(current, str(name))[index]
            if name == "sections":
                parts.append(current.id)
            elif name == "blocks":
                parts.append(f"{current.type} {index + 1}")
            else:
                parts.append(f"{name.removesuffix('s')} {index + 1}")
        else:
            if isinstance(name, int):
                parts.append(f"cell {name + 1}")
                continue
            parts.append(str(name))
            current = getattr(current, str(name), None)
            if isinstance(current, list):
                current_list = current
                current = current_list
    return " › ".join(parts).removesuffix(" › text")
