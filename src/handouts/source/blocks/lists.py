"""list: a bulleted or numbered list, one level of nesting, with an optional small heading."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import MAX_ITEMS, Msg, Text, text_from_str


class Item(Text):
    """A list item; it may hold a list of its own (one level deep)."""

    items: list[Msg] = Field(default=[], max_length=MAX_ITEMS)


ListItem = Annotated[Item, BeforeValidator(text_from_str)]


class ListBlock(BlockModel):
    type: Literal["list"]
    heading: Msg | None = None
    items: list[ListItem] = Field(min_length=1, max_length=MAX_ITEMS)
    numbered: bool = False
    columns: Literal[1, 2] = 1  # two columns for a long list of short items

    def template_context(self) -> dict[str, Any]:
        return {"tag": "ol" if self.numbered else "ul"}


BLOCKS = [ListBlock]
