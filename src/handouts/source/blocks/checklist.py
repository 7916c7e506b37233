"""checklist: tick boxes, e.g. what to bring to the next session."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import MAX_ITEMS, Msg


class Checklist(BlockModel):
    type: Literal["checklist"]
    items: list[Msg] = Field(min_length=1, max_length=MAX_ITEMS)


BLOCKS = [Checklist]
