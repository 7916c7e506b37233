"""do-avoid: two columns, what to do and what to avoid, each with a translatable heading."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import MAX_ITEMS, Msg, Strict


class Column(Strict):
    heading: Msg
    items: list[Msg] = Field(min_length=1, max_length=MAX_ITEMS)


class DoAvoid(BlockModel):
    type: Literal["do-avoid"]
    do: Column
    avoid: Column


BLOCKS = [DoAvoid]
