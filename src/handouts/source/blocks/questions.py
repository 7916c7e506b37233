"""questions: questions a patient may want to ask."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from handouts.source.blocks.base import BlockModel
from handouts.source.schema import MAX_ITEMS, Msg


class Questions(BlockModel):
    type: Literal["questions"]
    items: list[Msg] = Field(min_length=1, max_length=MAX_ITEMS)


BLOCKS = [Questions]
